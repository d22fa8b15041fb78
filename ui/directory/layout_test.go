package directory

import (
	"context"
	"image/color"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/storage/mirror"
	"github.com/visitly/hostsync/ui"
)

// onLaptop shows page as the shell does (a sidebar taking a fifth of the width) in a window of a
// 1366x768 laptop, and lays it out.
func (h *harness) onLaptop(t *testing.T, page fyne.CanvasObject) {
	t.Helper()
	h.win.Resize(fyne.NewSize(1366, 768))
	split := container.NewHSplit(widget.NewLabel("sidebar"), page)
	split.Offset = 0.2
	h.show(split)
	relayout(h.win.Content())
}

// fits checks that the columns on display fit the table's width, with their separators.
func fits[T any](t *testing.T, tbl *dataTable[T]) {
	t.Helper()
	var sum float32
	for _, w := range tbl.widths {
		sum += w + theme.Padding()
	}
	if w := tbl.table.Size().Width; sum > w || w < 300 {
		t.Errorf("columns %q take %.0f px of a %.0f px table", tbl.visible(), sum, w)
	}
}

func TestTablesFitALaptopScreen(t *testing.T) {
	h := newHarness(t)
	ids := seedFour(t, h)
	h.svc.create(t, "noah.muller-schwarzenegger@contoso-international.example.com", "Noah Müller-Schwarzenegger",
		"Research and development", "Principal solutions architect")
	h.svc.remove(t, ids["dan"])
	h.dir.Start()

	t.Run("Hosts", func(t *testing.T) {
		h.onLaptop(t, h.dir.HostsPage(h.page()))
		s := h.dir.current.(*hostsScreen)
		want := []string{"Name", "Email / sign-in", "Department", "Title", "Last changed", "State"}
		if got := s.table.visible(); !slices.Equal(got, want) {
			t.Fatalf("columns %q, want %q (no From column with one IdP, no userName repeating the email)", got, want)
		}
		fits(t, s.table)
		if s.pane.open() {
			t.Fatal("the details pane takes room with no host selected")
		}
		if s.table.table.StickyColumnCount != 1 {
			t.Errorf("%d sticky columns, want the name", s.table.table.StickyColumnCount)
		}

		s.table.table.Select(widget.TableCellID{Row: 3, Col: 0}) // Noah, whose values are long
		relayout(h.win.Content())
		if !s.pane.open() || s.details.id == "" {
			t.Fatal("selecting a host does not show its details")
		}
		got := s.table.visible()
		for _, c := range []string{"Name", "Email / sign-in", "State"} {
			if !slices.Contains(got, c) {
				t.Errorf("with the details open the table lost %q: %q", c, got)
			}
		}
		fits(t, s.table)
		if w := s.pane.pane.Size().Width; w < paneMin || w > paneMax {
			t.Errorf("details pane %.0f px wide", w)
		}
		// The long email wraps after its @ and dots in the details, not inside a word.
		for _, l := range texts(s.details.body) {
			if strings.Contains(l, "noah.muller-schwarzenegger@") && !strings.Contains(l, "@"+wrapPoint+"contoso-") {
				t.Errorf("email shown without break points: %q", l)
			}
		}

		test.Tap(s.pane.close)
		if s.pane.open() || s.table.row >= 0 {
			t.Fatal("Close leaves the details or the selection")
		}
	})

	t.Run("Deleted hosts", func(t *testing.T) {
		h.onLaptop(t, h.dir.DeletedPage(h.page()))
		s := h.dir.current.(*deletedScreen)
		want := []string{"", "Name", "Email / sign-in", "State", "How", "When", "By"}
		if got := s.table.visible(); !slices.Equal(got, want) {
			t.Fatalf("columns %q, want %q", got, want)
		}
		fits(t, s.table)
		if s.table.table.StickyColumnCount != 2 {
			t.Errorf("%d sticky columns, want the checkbox and the name", s.table.table.StickyColumnCount)
		}
		s.table.table.Select(widget.TableCellID{Row: 0, Col: 1})
		relayout(h.win.Content())
		fits(t, s.table)
		if got := s.table.visible(); !slices.Contains(got, "Name") || !slices.Contains(got, "When") {
			t.Errorf("with the details open: %q", got)
		}
	})

	t.Run("Activity", func(t *testing.T) {
		h.onLaptop(t, h.dir.ActivityPage(h.page()))
		s := h.dir.current.(*activityScreen)
		if got := s.table.visible(); len(got) != 5 {
			t.Fatalf("columns %q", got)
		}
		fits(t, s.table)
		if s.pane.open() {
			t.Fatal("the details pane takes room with no entry selected")
		}
		s.table.table.Select(widget.TableCellID{Row: 0, Col: 0})
		relayout(h.win.Content())
		if !s.pane.open() {
			t.Fatal("selecting an entry does not show it")
		}
		fits(t, s.table)
		if got, want := s.table.visible(), []string{"When", "Action", "Host", "By"}; !slices.Equal(got, want) {
			t.Errorf("with the details open: %q, want %q (Changes are in the details)", got, want)
		}
	})
}

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

func TestActivityDatesAndHostFilter(t *testing.T) {
	h := newHarness(t) // LANG=en_US: the calendar writes MM/DD/YYYY
	ids := seedFour(t, h)
	h.svc.patch(t, ids["cy"], scimclient.PatchOp{Op: "replace", Path: "title", Value: "Chief architect"})
	h.dir.Start()
	h.onLaptop(t, h.dir.ActivityPage(h.page()))
	s := h.dir.current.(*activityScreen)
	all := len(columnTexts(t, s.table, "Action"))

	typeIn := func(e fyne.Focusable, text string) {
		t.Helper()
		e.(interface{ SetText(string) }).SetText("")
		test.Type(e, text)
		h.timers.fire(searchDelay)
	}
	t.Run("host filter matches names like the Hosts search", func(t *testing.T) {
		for _, q := range []string{"diaz", "DÍAZ", "cy", "Cy D"} {
			typeIn(s.host, q)
			got := columnTexts(t, s.table, "Host")
			if len(got) != 2 || got[0] != "cy.diaz@example.com" || got[1] != "cy.diaz@example.com" {
				t.Errorf("host %q: %q", q, got)
			}
		}
		typeIn(s.host, "")
	})
	t.Run("dates in the locale's order or ISO", func(t *testing.T) {
		for _, d := range []string{"12/31/2000", "2000-12-31", "1/2/2001"} {
			typeIn(s.to, d)
			if s.dateErr.Visible() {
				t.Fatalf("%q refused: %s", d, s.dateErr.Text)
			}
			if got := columnTexts(t, s.table, "Action"); len(got) != 0 {
				t.Fatalf("To %q keeps %d entries", d, len(got))
			}
		}
		typeIn(s.to, "")
		if got := columnTexts(t, s.table, "Action"); len(got) != all {
			t.Fatalf("cleared To: %d entries, want %d", len(got), all)
		}
		// A day picked in the calendar is written in the locale's order and read back.
		picked := time.Date(2000, 12, 31, 0, 0, 0, 0, time.UTC)
		s.to.SetDate(&picked)
		h.timers.fire(searchDelay)
		if s.to.Text != "12/31/2000" || s.dateErr.Visible() || len(columnTexts(t, s.table, "Action")) != 0 {
			t.Fatalf("picked %q: error %q, %d entries", s.to.Text, s.dateErr.Text, len(columnTexts(t, s.table, "Action")))
		}
		typeIn(s.to, "")
	})
	t.Run("a date that is no date is said, not ignored", func(t *testing.T) {
		typeIn(s.to, "12/31/2000")
		typeIn(s.from, "31/12/2026")
		if !s.dateErr.Visible() || !strings.Contains(s.dateErr.Text, "is not a date") || !strings.Contains(s.dateErr.Text, "MM/DD/YYYY") {
			t.Fatalf("no inline error: %v %q", s.dateErr.Visible(), s.dateErr.Text)
		}
		if s.from.Validate() == nil {
			t.Error("the field itself does not show the error")
		}
		typeIn(s.from, "01/01/2001")
		if !s.dateErr.Visible() || !strings.Contains(s.dateErr.Text, "after the To date") {
			t.Fatalf("From after To: %q", s.dateErr.Text)
		}
		typeIn(s.to, "")
		typeIn(s.from, "")
		if s.dateErr.Visible() {
			t.Fatalf("error stays after clearing: %q", s.dateErr.Text)
		}
	})
}

func TestSearchingHostsForARemovedPersonLeadsToDeletedHosts(t *testing.T) {
	h := newHarness(t)
	ids := seedFour(t, h)
	h.svc.remove(t, ids["dan"])
	h.dir.Start()
	h.onLaptop(t, h.dir.HostsPage(h.page()))
	s := h.dir.current.(*hostsScreen)

	test.Type(s.search, "dana")
	h.timers.fire(searchDelay)
	if s.count.Text != "0 hosts" || !s.elsewhere.Visible() ||
		!strings.Contains(s.elsewhereText.Text, "1 removed host matching \u201cdana\u201d is in Deleted hosts") {
		t.Fatalf("count %q, hint %v %q", s.count.Text, s.elsewhere.Visible(), s.elsewhereText.Text)
	}
	test.Tap(s.elsewhereGo)
	if !slices.Equal(h.visited, []string{ui.PageDeleted}) {
		t.Fatalf("went to %q", h.visited)
	}
	h.onLaptop(t, h.dir.DeletedPage(h.page()))
	d := h.dir.current.(*deletedScreen)
	if d.search.Text != "dana" || !slices.Equal(columnTexts(t, d.table, "Email / sign-in"), []string{"dana.ek@example.com"}) {
		t.Fatalf("Deleted hosts: search %q, rows %q", d.search.Text, columnTexts(t, d.table, "Email / sign-in"))
	}

	// A search that matches only active hosts says nothing more.
	h.onLaptop(t, h.dir.HostsPage(h.page()))
	s = h.dir.current.(*hostsScreen)
	test.Type(s.search, "ann")
	h.timers.fire(searchDelay)
	if s.elsewhere.Visible() {
		t.Fatalf("hint for a search without removed hosts: %q", s.elsewhereText.Text)
	}
}

func TestTheIdPFilterHidesWithOneIdP(t *testing.T) {
	h := newHarness(t)
	seedFour(t, h)
	h.dir.Start()
	h.onLaptop(t, h.dir.HostsPage(h.page()))
	s := h.dir.current.(*hostsScreen)
	if s.idps.Visible() || slices.Contains(s.table.visible(), "From") {
		t.Fatal("an IdP filter with one IdP")
	}
	if got := idpName(""); got != "" {
		t.Errorf("an unknown IdP is named %q", got)
	}
}

func TestHostsFromTwoIdPsCanBeFiltered(t *testing.T) {
	h := newHarness(t)
	seedFour(t, h)
	m := idpMirror{h.m, map[string]hostsync.IdP{"ann.lee@example.com": hostsync.IdPOkta, "bo.chen@example.com": hostsync.IdPOkta,
		"cy.diaz@example.com": hostsync.IdPAzureAD}} // Dana's IdP is not known
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h.dir = New(ctx, h.env, Deps{Mirror: m, Source: h.svc.admin, Admin: h.svc.admin})
	h.dir.Start()
	h.onLaptop(t, h.dir.HostsPage(h.page()))
	s := h.dir.current.(*hostsScreen)

	if !s.idps.Visible() {
		t.Fatal("no IdP filter with hosts from Okta and Azure AD")
	}
	if got := columnTexts(t, s.table, "From"); !slices.Equal(got, []string{"Okta", "Okta", "Azure AD", ""}) {
		t.Fatalf("From column %q", got)
	}
	fits(t, s.table)
	s.idps.SetSelected("Okta")
	if got := columnTexts(t, s.table, "Name"); !slices.Equal(got, []string{"Ann Lee", "Bo Chen"}) {
		t.Fatalf("Okta's hosts: %q", got)
	}
	s.table.table.Select(widget.TableCellID{Row: 0, Col: 0})
	if got := strings.Join(texts(s.details.body), "|"); !strings.Contains(got, "From|Okta") {
		t.Fatalf("details lack From Okta: %s", got)
	}
	s.idps.SetSelected(allIdPs)
	if got := len(columnTexts(t, s.table, "Name")); got != 4 {
		t.Fatalf("all sources: %d hosts", got)
	}
}

// idpMirror is the mirror with hosts' IdPs as the service will fill them (by userName here),
// honouring HostFilter.IdP.
type idpMirror struct {
	*mirror.Mirror
	idps map[string]hostsync.IdP
}

func (m idpMirror) Hosts(ctx context.Context, q hostsync.HostFilter) ([]hostsync.Host, error) {
	off, lim, idp := q.Offset, q.Limit, q.IdP
	q.Offset, q.Limit, q.IdP = 0, 0, ""
	all, err := m.Mirror.Hosts(ctx, q)
	var out []hostsync.Host
	for _, h := range all {
		h.IdP = m.idps[h.UserName]
		if idp == "" || h.IdP == idp {
			out = append(out, h)
		}
	}
	out = out[min(off, len(out)):]
	if lim > 0 {
		out = out[:min(lim, len(out))]
	}
	return out, err
}

func (m idpMirror) CountHosts(ctx context.Context, q hostsync.HostFilter) (int, error) {
	q.Offset, q.Limit = 0, 0
	hosts, err := m.Hosts(ctx, q)
	return len(hosts), err
}

func (m idpMirror) HostDetail(ctx context.Context, id string) (*hostsync.HostDetail, error) {
	hd, err := m.Mirror.HostDetail(ctx, id)
	if hd != nil {
		hd.Host.IdP = m.idps[hd.Host.UserName]
	}
	return hd, err
}
