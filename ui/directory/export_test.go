package directory

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/xuri/excelize/v2"

	"github.com/visitly/hostsync"
)

const bom = "\uFEFF"

// exportAs answers the open export dialog as a person would: picks the format (and for CSV the
// separator), presses Export…, and the test's save "dialog" writes to a temp folder.
func exportAs(t *testing.T, h *harness, format, separator string) {
	t.Helper()
	top := h.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no export dialog")
	}
	var radio *widget.RadioGroup
	var sep *widget.Select
	for _, o := range test.LaidOutObjects(top) {
		switch x := o.(type) {
		case *widget.RadioGroup:
			radio = x
		case *widget.Select:
			sep = x
		}
	}
	if radio == nil || sep == nil {
		t.Fatal("the export dialog has no format choice or no separator")
	}
	radio.SetSelected(format)
	if separator != "" {
		if sep.Disabled() {
			t.Fatalf("the separator cannot be chosen for %q", format)
		}
		sep.SetSelected(separator)
	} else if !sep.Disabled() {
		t.Fatalf("the separator is offered for %q", format)
	}
	tapOverlayButton(t, h.win, "Export…")
}

func TestExportFollowsTheFilter(t *testing.T) {
	h := newHarness(t)
	seedFour(t, h)
	h.svc.create(t, "eve@example.com", "=HYPERLINK(\"http://x\") Eve", "Engineering", "+1 trick")
	h.dir.Start()
	h.show(h.dir.HostsPage(h.page()))
	s := h.dir.current.(*hostsScreen)
	test.Type(s.search, "engineering")
	h.timers.fire(searchDelay)

	t.Run("excel, and the folder opens", func(t *testing.T) {
		test.Tap(s.export)
		exportAs(t, h, "Excel workbook (.xlsx)", "")
		if filepath.Ext(h.saved) != ".xlsx" {
			t.Fatalf("saved as %q", h.saved)
		}
		msg := overlayTexts(h.win)
		dir := filepath.Dir(h.saved)
		if !strings.Contains(msg, "Saved "+filepath.Base(h.saved)+" (3 rows, Excel workbook, times in UTC) in the folder\n"+dir+".") {
			t.Fatalf("the message does not name the file and its folder:\n%s", msg)
		}
		tapOverlayButton(t, h.win, "Open folder")
		if len(h.opened) != 1 || strings.TrimSuffix(h.opened[0], "/") != "file://"+filepath.ToSlash(dir) {
			t.Fatalf("opened %q, want the folder %s", h.opened, dir)
		}
		closeDialogs(h.win)
		f, err := excelize.OpenFile(h.saved)
		must(t, err)
		defer f.Close()
		rows, err := f.GetRows("Hosts")
		must(t, err)
		if len(rows) != 4 || rows[0][1] != "User name" || rows[1][2] != "=HYPERLINK(\"http://x\") Eve" {
			t.Fatalf("workbook rows %q", rows)
		}
		panes, err := f.GetPanes("Hosts")
		must(t, err)
		if !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("header row not frozen: %+v", panes)
		}
	})

	t.Run("csv with semicolons", func(t *testing.T) {
		test.Tap(s.export)
		exportAs(t, h, "CSV, for other spreadsheets (.csv)", "Semicolon (;)")
		closeDialogs(h.win)
		raw, err := os.ReadFile(h.saved)
		must(t, err)
		if !strings.HasPrefix(string(raw), bom+"Host ID;User name;Display name;First name;Last name;Work email;") {
			t.Fatalf("file starts %q", raw[:min(len(raw), 80)])
		}
		r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(raw), bom)))
		r.Comma = ';'
		recs, err := r.ReadAll()
		must(t, err)
		if len(recs) != 4 {
			t.Fatalf("%d records, want header + 3", len(recs))
		}
		var names, created []string
		for _, rec := range recs[1:] {
			names = append(names, rec[2])
			created = append(created, rec[13])
		}
		if !slices.Equal(names, []string{"'=HYPERLINK(\"http://x\") Eve", "Bo Chen", "Cy Díaz"}) {
			t.Fatalf("exported names %q", names)
		}
		for _, c := range created {
			if len(c) != len("2006-01-02 15:04:05") || c[10] != ' ' {
				t.Fatalf("Created %q is not a time Excel reads", c)
			}
		}
		if !slices.Contains(recs[1], "'+1 trick") {
			t.Fatalf("title not neutralised: %q", recs[1])
		}
	})

	t.Run("json", func(t *testing.T) {
		test.Tap(s.export)
		exportAs(t, h, "JSON, for scripts (.json)", "")
		closeDialogs(h.win)
		raw, err := os.ReadFile(h.saved)
		must(t, err)
		var hosts []struct {
			UserName string          `json:"userName"`
			Resource json.RawMessage `json:"resource"`
		}
		must(t, json.Unmarshal(raw, &hosts))
		if len(hosts) != 3 || hosts[1].UserName != "bo.chen@example.com" || len(hosts[1].Resource) == 0 {
			t.Fatalf("json export %s", raw)
		}
	})

	// Each export is recorded through the admin API, with the filter and the file name only.
	page, err := h.svc.admin.Activity(context.Background(), hostsync.ActivityQuery{Action: hostsync.ActionExportCreated})
	must(t, err)
	if len(page.Events) != 3 {
		t.Fatalf("%d export.created events, want 3", len(page.Events))
	}
	var d string
	for _, e := range page.Events {
		if strings.Contains(e.Detail, "XLSX") {
			d = e.Detail
		}
	}
	if !strings.Contains(d, "hosts: 3 rows as XLSX") || !strings.Contains(d, `search "engineering"`) || !strings.Contains(d, ".xlsx") {
		t.Fatalf("export record %q", d)
	}
	if strings.Contains(d, string(os.PathSeparator)) || strings.Contains(d, h.svc.key) {
		t.Fatalf("export record holds a path or a secret: %q", d)
	}
}

func TestExportActivityAndDeleted(t *testing.T) {
	h := newHarness(t)
	ids := seedFour(t, h)
	h.svc.remove(t, ids["bo"])
	h.dir.Start()

	h.show(h.dir.DeletedPage(h.page()))
	h.dir.Export() // Ctrl+E on the screen on display
	exportAs(t, h, "CSV, for other spreadsheets (.csv)", "Comma (,)")
	closeDialogs(h.win)
	raw, err := os.ReadFile(h.saved)
	must(t, err)
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte(bom)))).ReadAll()
	must(t, err)
	if len(recs) != 2 || recs[1][1] != "bo.chen@example.com" || recs[1][11] != "deleted" || recs[0][12] != "Active" || recs[1][12] != "no" {
		t.Fatalf("deleted hosts export:\n%s", raw)
	}

	h.show(h.dir.ActivityPage(h.page()))
	a := h.dir.current.(*activityScreen)
	a.action.SetSelected(ActionWords("host.deleted"))
	h.dir.Export()
	exportAs(t, h, "CSV, for other spreadsheets (.csv)", "Comma (,)")
	closeDialogs(h.win)
	raw, err = os.ReadFile(h.saved)
	must(t, err)
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(string(raw), bom)), "\n")
	if lines[0] != "Entry,When (UTC),By,Actor,Action,Resource type,Resource ID,User name,Changes,Detail" ||
		len(lines) != 2 || !strings.Contains(lines[1], "host.deleted") {
		t.Fatalf("activity export:\n%s", raw)
	}
}

func TestCancelledExportWritesNothing(t *testing.T) {
	h := newHarness(t)
	seedFour(t, h)
	h.dir.Start()
	h.show(h.dir.HostsPage(h.page()))
	h.dir.Export()
	tapOverlayButton(t, h.win, "Cancel")
	if h.saved != "" || h.win.Canvas().Overlays().Top() != nil {
		t.Fatalf("cancelled export saved %q", h.saved)
	}
}

func TestSeparatorFollowsTheLocale(t *testing.T) {
	for locale, want := range map[string]rune{"de-DE": ';', "fr-CA": ';', "nl": ';', "pt_BR": ';', "en-US": ',', "en-GB": ',', "ja-JP": ',', "": ','} {
		if got := localeComma(locale); got != want {
			t.Errorf("localeComma(%q) = %q, want %q", locale, got, want)
		}
	}
}
