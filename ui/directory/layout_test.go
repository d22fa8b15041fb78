package directory

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
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

// narrowest is the widest a page may need: a 1000 px window (the smallest the console is made for)
// less the shell's sidebar.
const narrowest = 720

func TestPagesFitASmallWindow(t *testing.T) {
	h := newHarness(t)
	ids := seedFour(t, h)
	h.svc.remove(t, ids["dan"])
	h.dir.Start()
	for name, build := range map[string]func(context.Context) fyne.CanvasObject{
		"Hosts": h.dir.HostsPage, "Deleted hosts": h.dir.DeletedPage, "Activity": h.dir.ActivityPage} {
		page := build(h.page())
		h.show(page)
		h.dir.current.(interface{ status() *statusView }).status().show(SyncStatus{Err: errors.New("unreachable")}, time.Now())
		if w := page.MinSize().Width; w > narrowest {
			t.Errorf("%s needs %.0f px, more than a 1000 px window leaves it", name, w)
		}
	}
}

func TestCellAndDetailWords(t *testing.T) {
	for _, tc := range []struct {
		h    hostsync.Host
		want string
	}{
		{hostsync.Host{UserName: "ann@x.com", Email: "ann@x.com"}, "ann@x.com"},
		{hostsync.Host{UserName: "ANN@x.com", Email: "ann@x.com"}, "ann@x.com"},
		{hostsync.Host{UserName: "ann@x.com"}, "ann@x.com"},
		{hostsync.Host{UserName: "alee", Email: "ann@x.com"}, "ann@x.com (sign-in alee)"},
	} {
		if got := signIn(tc.h); got != tc.want {
			t.Errorf("signIn(%q, %q) = %q, want %q", tc.h.UserName, tc.h.Email, got, tc.want)
		}
	}
	w := wrapPoint
	for in, want := range map[string]string{
		"ann@x.com": "ann@x.com", // short: as it is
		"noah.müller@contoso-international.com (primary)": "noah." + w + "müller@" + w + "contoso-" + w + "international." + w + "com (primary)",
		"Research and development":                        "Research and development",
	} {
		if got := breakable(in); got != want {
			t.Errorf("breakable(%q) = %q, want %q", in, got, want)
		}
	}
	us := "01/02/2006"
	for in, want := range map[string]string{"03/12/2026": "2026-03-12", "3/12/2026": "2026-03-12", "2026-12-03": "2026-12-03", " ": ""} {
		got, err := parseDay(in, us)
		if err != nil || (want == "" && !got.IsZero()) || (want != "" && got.Format(time.DateOnly) != want) {
			t.Errorf("parseDay(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"31/12/2026", "2026-13-01", "yesterday"} {
		if _, err := parseDay(in, us); err == nil {
			t.Errorf("parseDay(%q) took it", in)
		}
	}
	if got := layoutWords("02.01.2006"); got != "DD.MM.YYYY" {
		t.Errorf("layoutWords = %q", got)
	}
}
