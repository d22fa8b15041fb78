package directory

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/ui"
)

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
	seedFour(t, h) // Azure AD's
	okta := h.svc.idp(t, hostsync.IdPOkta)
	createWith(t, okta, "eve.fox@example.com", "Eve Fox", "Sales", "Host")
	createWith(t, okta, "gil.ray@example.com", "Gil Ray", "Legal", "Counsel")
	h.dir.Start()
	h.onLaptop(t, h.dir.HostsPage(h.page()))
	s := h.dir.current.(*hostsScreen)

	if !s.idps.Visible() || !slices.Equal(s.idps.Options, []string{allIdPs, "Azure AD", "Okta"}) {
		t.Fatalf("IdP filter shown %v with %q, want the IdPs that have hosts", s.idps.Visible(), s.idps.Options)
	}
	if w := h.win.Content().(*container.Split).Trailing.MinSize().Width; w > narrowest {
		t.Errorf("with the IdP filter Hosts needs %.0f px", w)
	}
	want := []string{"Azure AD", "Azure AD", "Azure AD", "Azure AD", "Okta", "Okta"} // by name: Ann, Bo, Cy, Dana, Eve, Gil
	if got := columnTexts(t, s.table, "From"); !slices.Equal(got, want) {
		t.Fatalf("From column %q, want %q", got, want)
	}
	fits(t, s.table)
	s.idps.SetSelected("Okta")
	if got := columnTexts(t, s.table, "Name"); !slices.Equal(got, []string{"Eve Fox", "Gil Ray"}) {
		t.Fatalf("Okta's hosts: %q", got)
	}
	s.table.table.Select(widget.TableCellID{Row: 0, Col: 0})
	if got := strings.Join(texts(s.details.body), "|"); !strings.Contains(got, "From|Okta") {
		t.Fatalf("details lack From Okta: %s", got)
	}
	s.idps.SetSelected(allIdPs)
	if got := len(columnTexts(t, s.table, "Name")); got != 6 {
		t.Fatalf("all sources: %d hosts", got)
	}
}

func TestAnOktaHostIsDescribedInOktasWords(t *testing.T) {
	h := newHarness(t)
	seedFour(t, h)
	okta := h.svc.idp(t, hostsync.IdPOkta)
	id := createWith(t, okta, "eve.fox@example.com", "Eve Fox", "Sales", "Host")
	must(t, okta.DeleteUser(context.Background(), id))
	h.dir.Start()
	h.onLaptop(t, h.dir.DeletedPage(h.page()))
	s := h.dir.current.(*deletedScreen)

	if got := cellText(t, s.table, 0, "How"); got != "Removed in Okta" {
		t.Fatalf("How %q", got)
	}
	s.table.table.Select(widget.TableCellID{Row: 0, Col: 1})
	details := strings.Join(texts(s.details.body), "\n")
	for _, want := range []string{"Removed in Okta on ", "How Okta matches this host", "History in Okta"} {
		if !strings.Contains(details, want) {
			t.Errorf("details lack %q:\n%s", want, details)
		}
	}
	test.Tap(s.details.restoreBtn)
	if msg := overlayTexts(h.win); !strings.Contains(msg, "Okta does not learn about it") ||
		!strings.Contains(msg, "Visitly app in Okta again") || strings.Contains(msg, "Azure") {
		t.Fatalf("confirmation in another IdP's words:\n%s", msg)
	}
}
