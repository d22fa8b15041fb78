package directory

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	fynestorage "fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/ui"
)

// SaveFunc asks the user where to save an export and hands back the open file and where it is, or
// a nil writer when the user cancelled. Tests replace the save dialog with a temp file.
type SaveFunc func(win fyne.Window, suggested string, done func(w io.WriteCloser, where fyne.URI, err error))

// SaveDialog is the app's SaveFunc: Fyne's file save dialog, offering the suggested name's type.
func SaveDialog(win fyne.Window, suggested string, done func(w io.WriteCloser, where fyne.URI, err error)) {
	d := dialog.NewFileSave(func(uc fyne.URIWriteCloser, err error) {
		if err != nil || uc == nil {
			done(nil, nil, err)
			return
		}
		done(uc, uc.URI(), nil)
	}, win)
	d.SetFileName(suggested)
	if i := strings.LastIndex(suggested, "."); i >= 0 {
		d.SetFilter(fynestorage.NewExtensionFileFilter([]string{suggested[i:]}))
	}
	d.Show()
}

// exportJob is one export of a screen's current filter.
type exportJob struct {
	what   string // "hosts", "deleted hosts", "activity"
	base   string // file name stem
	filter string // the filter on screen, in words, for the activity log
	write  func(ctx context.Context, w io.Writer, opt hostsync.ExportOptions) (int, error)
}

// exportFormat is one choice of the export dialog.
type exportFormat struct{ label, format, ext string }

// The export dialog's choices, Excel first: it is what an office manager opens.
var exportFormats = []exportFormat{
	{"Excel workbook (.xlsx)", hostsync.FormatXLSX, ".xlsx"},
	{"CSV, for other spreadsheets (.csv)", hostsync.FormatCSV, ".csv"},
	{"JSON, for scripts (.json)", hostsync.FormatJSON, ".json"},
}

const (
	commaLabel     = "Comma (,)"
	semicolonLabel = "Semicolon (;)"
)

// localeComma is the CSV separator Excel expects under locale ("de-DE"): ';' where decimals are
// written with a comma (1,5), so the list separator cannot be one; ',' elsewhere.
func localeComma(locale string) rune {
	language, _, _ := strings.Cut(strings.ToLower(locale), "-")
	language, _, _ = strings.Cut(language, "_")
	switch language {
	case "de", "fr", "nl", "es", "it", "pt", "da", "sv", "nb", "nn", "no", "fi", "is", "pl", "cs", "sk", "sl",
		"hr", "sr", "bs", "hu", "ro", "bg", "ru", "uk", "be", "tr", "el", "lt", "lv", "et", "ca", "gl", "eu",
		"id", "vi", "af":
		return ';'
	}
	return ','
}

// formatWords names a format as the saved message says it.
func formatWords(format string) string {
	if format == hostsync.FormatXLSX {
		return "Excel workbook"
	}
	return strings.ToUpper(format)
}

// exportForm is the dialog's body: the format, and for CSV the separator.
type exportForm struct {
	format    *widget.RadioGroup
	separator *widget.Select
	box       fyne.CanvasObject
}

func newExportForm(comma rune) *exportForm {
	f := &exportForm{separator: widget.NewSelect([]string{commaLabel, semicolonLabel}, nil)}
	f.separator.Selected = commaLabel
	if comma == ';' {
		f.separator.Selected = semicolonLabel
	}
	labels := make([]string, len(exportFormats))
	for i, x := range exportFormats {
		labels[i] = x.label
	}
	f.format = widget.NewRadioGroup(labels, func(string) { f.formatChanged() })
	f.format.Required = true
	f.format.Selected = labels[0]
	f.formatChanged()
	hint := wrapped("Excel opens the workbook with dates and column filters ready. Times are in UTC.", widget.MediumImportance)
	f.box = container.NewVBox(f.format,
		container.New(layout.NewFormLayout(), widget.NewLabel("CSV separator"), f.separator), hint)
	return f
}

func (f *exportForm) formatChanged() {
	if f.choice().format == hostsync.FormatCSV {
		f.separator.Enable()
	} else {
		f.separator.Disable()
	}
}

func (f *exportForm) choice() exportFormat {
	for _, x := range exportFormats {
		if x.label == f.format.Selected {
			return x
		}
	}
	return exportFormats[0]
}

func (f *exportForm) options() hostsync.ExportOptions {
	opt := hostsync.ExportOptions{Format: f.choice().format}
	if opt.Format == hostsync.FormatCSV {
		opt.Comma = ','
		if f.separator.Selected == semicolonLabel {
			opt.Comma = ';'
		}
	}
	return opt
}

// export asks for a format, then where to save, writes the file off the UI goroutine, records an
// export.created event (what, how many, which filter, the file's name: never a secret, never the
// full path) and says where it went, offering to open that folder.
func (d *Directory) export(job exportJob) {
	form := newExportForm(localeComma(string(lang.SystemLocale())))
	c := dialog.NewCustomConfirm("Export "+job.what, "Export…", "Cancel", form.box, func(ok bool) {
		if ok {
			d.saveExport(job, form.options(), form.choice().ext)
		}
	}, d.env.Window)
	c.Resize(fyne.NewSize(460, 0))
	c.Show()
}

func (d *Directory) saveExport(job exportJob, opt hostsync.ExportOptions, ext string) {
	suggested := job.base + "-" + d.now().UTC().Format("20060102-1504") + ext
	d.save(d.env.Window, suggested, func(w io.WriteCloser, where fyne.URI, err error) {
		if err != nil {
			ui.ShowError(d.env.Window, fmt.Errorf("choose where to save: %w", err))
			return
		}
		if w == nil {
			return // cancelled
		}
		ctx, name := d.ctx, where.Name()
		kind := strings.ToUpper(opt.Format)
		d.env.Run(func() func() {
			n, err := job.write(ctx, w, opt)
			if cerr := w.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("save %s: %w", name, cerr)
			}
			var rerr error
			if err == nil {
				detail := fmt.Sprintf("%s: %d rows as %s (%s) to %s", job.what, n, kind, job.filter, name)
				_, rerr = d.deps.Admin.RecordActivity(ctx, hostsync.ConsoleEvent{Action: hostsync.ActionExportCreated, Detail: detail})
			}
			return func() {
				if err != nil {
					ui.ShowError(d.env.Window, err)
					return
				}
				d.showSaved(where, fmt.Sprintf("%s, %s, times in UTC", hostsync.Plural(n, "row", "rows"), formatWords(opt.Format)), rerr)
			}
		})
	})
}

// showSaved says which file in which folder, with a button that opens the folder.
func (d *Directory) showSaved(where fyne.URI, what string, recordErr error) {
	folder, ferr := fynestorage.Parent(where)
	msg := fmt.Sprintf("Saved %s (%s)", where.Name(), what)
	if ferr == nil {
		msg += " in the folder\n" + strings.TrimSuffix(folder.Path(), "/")
	}
	msg += "."
	if recordErr != nil {
		msg += "\n\nThe export could not be recorded in the service's activity log: " + ui.Describe(recordErr).Title + "."
	}
	body := wrapped(msg, widget.MediumImportance)
	if ferr != nil {
		dialog.NewCustom("Export saved", "Close", body, d.env.Window).Show()
		return
	}
	c := dialog.NewCustomConfirm("Export saved", "Open folder", "Close", body, func(open bool) {
		if open {
			d.openFolder(folder)
		}
	}, d.env.Window)
	c.Resize(fyne.NewSize(520, 0))
	c.Show()
}

// openFolder shows a folder in the system's file manager (a file:// URL opened by the OS).
func (d *Directory) openFolder(folder fyne.URI) {
	u, err := url.Parse(folder.String())
	if err == nil {
		open := d.deps.OpenURL
		if open == nil {
			open = fyne.CurrentApp().OpenURL
		}
		err = open(u)
	}
	if err != nil {
		ui.ShowError(d.env.Window, fmt.Errorf("open the folder %s: %w", folder.Path(), err))
	}
}

func (d *Directory) now() time.Time {
	if d.deps.Now != nil {
		return d.deps.Now()
	}
	return time.Now()
}
