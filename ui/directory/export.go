package directory

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	fynestorage "fyne.io/fyne/v2/storage"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/ui"
)

// SaveFunc asks the user where to save an export and hands back the open file and its name, or a
// nil writer when the user cancelled. Tests replace the save dialog with a temp file.
type SaveFunc func(win fyne.Window, suggested string, done func(w io.WriteCloser, name string, err error))

// SaveDialog is the app's SaveFunc: Fyne's file save dialog, offering .csv and .json.
func SaveDialog(win fyne.Window, suggested string, done func(w io.WriteCloser, name string, err error)) {
	d := dialog.NewFileSave(func(uc fyne.URIWriteCloser, err error) {
		if err != nil || uc == nil {
			done(nil, "", err)
			return
		}
		done(uc, uc.URI().Name(), nil)
	}, win)
	d.SetFileName(suggested)
	d.SetFilter(fynestorage.NewExtensionFileFilter([]string{".csv", ".json"}))
	d.Show()
}

// exportJob is one export of a screen's current filter.
type exportJob struct {
	what   string // "hosts", "deleted hosts", "activity"
	base   string // file name stem
	filter string // the filter on screen, in words, for the activity log
	write  func(ctx context.Context, w io.Writer, format string) (int, error)
}

// formatOf picks the format from the chosen file name: .json is JSON, anything else CSV.
func formatOf(name string) string {
	if strings.HasSuffix(strings.ToLower(name), ".json") {
		return hostsync.FormatJSON
	}
	return hostsync.FormatCSV
}

// export asks where to save, writes the file off the UI goroutine, records an export.created event
// (what, how many, which filter, the file's name: never a secret, never the full path) and says how
// it went.
func (d *Directory) export(job exportJob) {
	suggested := job.base + "-" + d.now().UTC().Format("20060102-1504") + ".csv"
	d.save(d.env.Window, suggested, func(w io.WriteCloser, name string, err error) {
		if err != nil {
			ui.ShowError(d.env.Window, fmt.Errorf("choose where to save: %w", err))
			return
		}
		if w == nil {
			return // cancelled
		}
		ctx, format := d.ctx, formatOf(name)
		d.env.Run(func() func() {
			n, err := job.write(ctx, w, format)
			if cerr := w.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("save %s: %w", name, cerr)
			}
			var rerr error
			if err == nil {
				detail := fmt.Sprintf("%s: %d rows as %s (%s) to %s", job.what, n, strings.ToUpper(format), job.filter, name)
				_, rerr = d.deps.Admin.RecordActivity(ctx, hostsync.ConsoleEvent{Action: hostsync.ActionExportCreated, Detail: detail})
			}
			return func() {
				if err != nil {
					ui.ShowError(d.env.Window, err)
					return
				}
				msg := fmt.Sprintf("Exported %s to %s (%s, UTC times).", hostsync.Plural(n, "row", "rows"), name, strings.ToUpper(format))
				if rerr != nil {
					msg += "\n\nThe export could not be recorded in the service's activity log: " + ui.Describe(rerr).Title + "."
				}
				dialog.ShowInformation("Export saved", msg, d.env.Window)
			}
		})
	})
}

func (d *Directory) now() time.Time {
	if d.deps.Now != nil {
		return d.deps.Now()
	}
	return time.Now()
}
