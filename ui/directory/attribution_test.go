package directory

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
)

// TestEachIdPsChangesAreWordedAsItsOwn: Azure AD (key #1), Okta (key #2) and OneLogin (key #3)
// each remove a host of their own. Activity says which IdP turned off or removed whom, its filter
// finds the removals of all three, and Deleted hosts names each remover by its IdP.
func TestEachIdPsChangesAreWordedAsItsOwn(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ids := seedFour(t, h)
	okta, one := h.svc.idp(t, hostsync.IdPOkta), h.svc.idp(t, hostsync.IdPOneLogin)
	eve := createWith(t, okta, "eve.fox@example.com", "Eve Fox", "Sales", "Host")
	if _, err := okta.PatchUser(ctx, eve, scimclient.PatchOp{Op: "replace", Path: "active", Value: false}); err != nil {
		t.Fatal(err)
	}
	gil := createWith(t, one, "gil.ray@example.com", "Gil Ray", "Legal", "Counsel")
	must(t, one.DeleteUser(ctx, gil))
	h.svc.remove(t, ids["ann"])
	h.dir.Start()

	h.show(h.dir.ActivityPage(h.page()))
	a := h.dir.current.(*activityScreen)
	actions, by := columnTexts(t, a.table, "Action"), columnTexts(t, a.table, "By")
	for i, want := range [][2]string{
		{"Removed in Azure AD", "Azure AD (key #1)"},
		{"Removed in OneLogin", "OneLogin (key #3)"},
		{"Created", "OneLogin (key #3)"},
		{"Turned off in Okta", "Okta (key #2)"},
		{"Created", "Okta (key #2)"},
	} {
		if got := [2]string{actions[i], by[i]}; got != want {
			t.Errorf("entry %d, newest first: %q, want %q", i, got, want)
		}
	}
	a.table.table.Select(widget.TableCellID{Row: 1, Col: 1})
	if got := strings.Join(texts(a.detail), "\n"); !strings.Contains(got, "Removed in OneLogin") || strings.Contains(got, "Azure AD") {
		t.Errorf("OneLogin's removal in detail:\n%s", got)
	}
	if !slices.Contains(a.action.Options, "Removed in the IdP") || slices.ContainsFunc(a.action.Options, func(o string) bool {
		return strings.Contains(o, "Azure AD")
	}) {
		t.Errorf("action filter %q: want each IdP's action once, in words for any IdP", a.action.Options)
	}
	a.action.SetSelected("Removed in the IdP")
	if got := columnTexts(t, a.table, "Host"); !slices.Equal(got, []string{"ann.lee@example.com", "gil.ray@example.com"}) {
		t.Errorf("removals of every IdP: %q", got)
	}

	h.show(h.dir.DeletedPage(h.page()))
	d := h.dir.current.(*deletedScreen)
	rows, eveRow := map[string]string{}, -1
	for r := range 3 {
		user := cellText(t, d.table, r, "Email / sign-in")
		rows[user] = cellText(t, d.table, r, "By")
		if user == "eve.fox@example.com" {
			eveRow = r
		}
	}
	want := map[string]string{"ann.lee@example.com": "Azure AD (key #1)", "eve.fox@example.com": "Okta (key #2)",
		"gil.ray@example.com": "OneLogin (key #3)"}
	for user, w := range want {
		if rows[user] != w {
			t.Errorf("%s removed by %q, want %q", user, rows[user], w)
		}
	}
	d.table.table.Select(widget.TableCellID{Row: eveRow, Col: 1})
	if got := strings.Join(texts(d.details.body), "\n"); !strings.Contains(got, "Turned off in Okta on ") ||
		!strings.Contains(got, " by Okta (key #2)") || strings.Contains(got, "API key #") {
		t.Errorf("Eve's removal in details:\n%s", got)
	}
}

// TestMassRemovalBannerNamesTheIdPs: the banner says which identity provider removed the hosts.
func TestMassRemovalBannerNamesTheIdPs(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	okta := h.svc.idp(t, hostsync.IdPOkta)
	for i := range 10 {
		id := createWith(t, okta, "o"+string(rune('a'+i))+"@example.com", "Okta User "+string(rune('A'+i)), "Ops", "")
		must(t, okta.DeleteUser(ctx, id))
	}
	h.dir.Start()
	h.show(h.dir.HostsPage(h.page()))
	s := h.dir.current.(*hostsScreen)
	if want := "10 hosts were deactivated or deleted by Okta in the last hour"; !s.st.mass.Visible() || !strings.HasPrefix(s.st.massText.Text, want) {
		t.Fatalf("banner visible=%v %q, want it to start %q", s.st.mass.Visible(), s.st.massText.Text, want)
	}

	// Azure AD removes some too: both are named.
	ids := seedFour(t, h)
	h.svc.remove(t, ids["ann"])
	h.dir.SyncNow()
	h.show(h.dir.HostsPage(h.page()))
	s = h.dir.current.(*hostsScreen)
	if want := "11 hosts were deactivated or deleted by Azure AD and Okta"; !strings.HasPrefix(s.st.massText.Text, want) {
		t.Fatalf("banner %q, want it to start %q", s.st.massText.Text, want)
	}
}
