package directory

import (
	"image/color"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync/scimclient"
)

// key types one key into a focused widget, as the window does.
func key(h *harness, name fyne.KeyName) {
	h.win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: name})
}

func TestTheKeyboardDrivesTheHostsTable(t *testing.T) {
	h := newHarness(t)
	seedFour(t, h)
	h.dir.Start()
	h.onLaptop(t, h.dir.HostsPage(h.page()))
	s := h.dir.current.(*hostsScreen)

	// Enter in the search moves into the table, on the first host, with its details.
	h.win.Canvas().Focus(s.search)
	key(h, fyne.KeyReturn)
	if h.win.Canvas().Focused() != s.table.table {
		t.Fatal("Enter in the search does not move into the table")
	}
	if !s.pane.open() || s.details.id == "" || !slices.Contains(texts(s.details.body), "Ann Lee") {
		t.Fatalf("the first host's details are not shown: %q", texts(s.details.body))
	}
	key(h, fyne.KeyDown)
	key(h, fyne.KeyDown)
	if s.table.row != 2 || !slices.Contains(texts(s.details.body), "Cy Díaz") {
		t.Fatalf("down twice: row %d, details %q", s.table.row, texts(s.details.body))
	}
	key(h, fyne.KeyUp)
	if s.table.row != 1 || !slices.Contains(texts(s.details.body), "Bo Chen") {
		t.Fatalf("up: row %d", s.table.row)
	}
	// The selected row is highlighted as a whole, in the focus colour while the table has the keys.
	if got := cellFill(s.table, 1); got != theme.Color(theme.ColorNameFocus) {
		t.Errorf("selected row of the focused table filled %v", got)
	}
	if got := cellFill(s.table, 0); got == theme.Color(theme.ColorNameFocus) || got == theme.Color(theme.ColorNameSelection) {
		t.Errorf("an unselected row is highlighted")
	}
	if !frameShown(s.table, 1) || frameShown(s.table, 0) {
		t.Error("the focus ring is not around the selected row alone")
	}
	h.win.Canvas().Focus(s.search)
	if frameShown(s.table, 1) || cellFill(s.table, 1) != theme.Color(theme.ColorNameSelection) {
		t.Error("the row looks focused while the search has the keyboard")
	}
	h.win.Canvas().Focus(s.table.table)

	key(h, fyne.KeyEscape)
	if s.pane.open() || s.table.row >= 0 {
		t.Fatal("Escape leaves the details open")
	}
	key(h, fyne.KeyReturn)
	if !s.pane.open() || s.table.row != 0 {
		t.Fatalf("Enter with nothing selected: pane %v, row %d", s.pane.open(), s.table.row)
	}

	// Letters typed in the table go to the search.
	h.win.Canvas().Focus(s.table.table)
	h.win.Canvas().Focused().TypedRune('c')
	h.win.Canvas().Focused().TypedRune('y')
	h.timers.fire(searchDelay)
	if h.win.Canvas().Focused() != s.search || s.search.Text != "cy" || s.count.Text != "1 host" {
		t.Fatalf("typing in the table: search %q, %s", s.search.Text, s.count.Text)
	}
	s.search.SetText("")
	h.timers.fire(searchDelay)
	h.win.Canvas().Focus(s.table.table)

	// F5 syncs whatever has the keyboard: a host Azure AD just created appears.
	h.svc.create(t, "eve.fox@example.com", "Eve Fox", "Sales", "Host")
	key(h, fyne.KeyF5)
	if got := s.count.Text; got != "5 hosts" {
		t.Fatalf("F5 in the table: %q", got)
	}
	h.win.Canvas().Focus(s.search)
	h.svc.create(t, "gil.ray@example.com", "Gil Ray", "Sales", "Host")
	key(h, fyne.KeyF5)
	if got := s.count.Text; got != "6 hosts" {
		t.Fatalf("F5 in the search: %q", got)
	}
}

// cellFill is the background of a row's last cell, as the table draws it.
func cellFill[T any](tbl *dataTable[T], row int) color.Color {
	o := tbl.table.CreateCell()
	tbl.table.UpdateCell(widget.TableCellID{Row: row, Col: len(tbl.vis) - 1}, o)
	return o.(*fyne.Container).Objects[0].(*canvas.Rectangle).FillColor
}

// frameShown reports whether a row's first cell shows the focus ring.
func frameShown[T any](tbl *dataTable[T], row int) bool {
	o := tbl.table.CreateCell()
	tbl.table.UpdateCell(widget.TableCellID{Row: row, Col: 0}, o)
	return o.(*fyne.Container).Objects[3].Visible()
}

func TestRestoreFromTheDetailsClearsTheSelection(t *testing.T) {
	h := newHarness(t)
	ids := seedFour(t, h)
	h.svc.remove(t, ids["ann"])
	h.svc.remove(t, ids["bo"])
	h.svc.patch(t, ids["cy"], scimclient.PatchOp{Op: "replace", Path: "active", Value: false})
	h.dir.Start()
	h.onLaptop(t, h.dir.DeletedPage(h.page()))
	s := h.dir.current.(*deletedScreen)
	if s.details.restoreBtn != nil {
		t.Fatal("a Restore button with no host selected")
	}

	// Select Bo with the keyboard, restore him from his details.
	h.win.Canvas().Focus(s.table.table)
	for s.table.row < 0 || s.table.selected != ids["bo"] {
		if s.table.row >= 2 {
			t.Fatal("Bo is not listed")
		}
		key(h, fyne.KeyDown)
	}
	if s.details.restoreBtn == nil {
		t.Fatal("no Restore in the details of a removed host")
	}
	test.Tap(s.details.restoreBtn)
	if msg := overlayTexts(h.win); !strings.Contains(msg, "Restore Bo Chen (bo.chen@example.com)?") {
		t.Fatalf("confirmation: %q", msg)
	}
	tapOverlayButton(t, h.win, "Restore")
	if got := overlayTexts(h.win); !strings.Contains(got, "Restored 1 host: bo.chen@example.com.") {
		t.Fatalf("outcome %q", got)
	}
	tapOverlayButton(t, h.win, "Close")
	if h.win.Canvas().Focused() != s.table.table {
		t.Fatal("after the outcome the keyboard is not back in the list")
	}

	if got := columnTexts(t, s.table, "Email / sign-in"); slices.Contains(got, "bo.chen@example.com") || len(got) != 2 {
		t.Fatalf("removed hosts after the restore: %q", got)
	}
	if s.table.row >= 0 || s.pane.open() || s.details.id != "" {
		t.Fatalf("after the restore: row %d highlighted, details open %v for %q", s.table.row, s.pane.open(), s.details.id)
	}
	for r := range 2 {
		if cellFill(s.table, r) == theme.Color(theme.ColorNameFocus) || cellFill(s.table, r) == theme.Color(theme.ColorNameSelection) {
			t.Errorf("row %d is highlighted after the restore", r)
		}
	}

	// Space ticks the selected host for the toolbar's Restore, without the mouse.
	key(h, fyne.KeyDown)
	key(h, fyne.KeySpace)
	if s.restore.Disabled() || s.restore.Text != "Restore 1 host…" {
		t.Fatalf("Space did not tick the host: %q", s.restore.Text)
	}
}

// TestScreensOpenWithTheKeyboardInTheirSearch: after Ctrl+1/2/3 an office manager types at once.
func TestScreensOpenWithTheKeyboardInTheirSearch(t *testing.T) {
	h := newHarness(t)
	seedFour(t, h)
	h.dir.Start()
	for name, open := range map[string]func() fyne.Focusable{
		"Hosts": func() fyne.Focusable {
			h.onLaptop(t, h.dir.HostsPage(h.page()))
			return h.dir.current.(*hostsScreen).search
		},
		"Deleted hosts": func() fyne.Focusable {
			h.onLaptop(t, h.dir.DeletedPage(h.page()))
			return h.dir.current.(*deletedScreen).search
		},
		"Activity": func() fyne.Focusable {
			h.onLaptop(t, h.dir.ActivityPage(h.page()))
			return h.dir.current.(*activityScreen).host
		},
	} {
		want := open()
		h.timers.fire(0)
		if got := h.win.Canvas().Focused(); got != want {
			t.Errorf("%s opens with %T focused, want its search field", name, got)
		}
	}
}
