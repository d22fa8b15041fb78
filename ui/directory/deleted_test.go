package directory

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/ui"
)

func TestRestoreMovesHostsBack(t *testing.T) {
	h := newHarness(t)
	ids := seedFour(t, h)
	h.svc.remove(t, ids["ann"])                                                                      // DELETE
	h.svc.patch(t, ids["bo"], scimclient.PatchOp{Op: "replace", Path: "active", Value: false})       // active=false
	h.svc.remove(t, ids["cy"])                                                                       // deleted…
	newCy := h.svc.create(t, "cy.diaz@example.com", "Cy Díaz", "Engineering", "Principal architect") // …and re-created
	h.dir.Start()
	h.show(h.dir.DeletedPage(h.page()))
	s := h.dir.current.(*deletedScreen)

	if got := s.count.Text; got != "3 removed hosts" {
		t.Fatalf("count %q", got)
	}
	rows := map[string][]string{}
	for r := range 3 {
		rows[cellText(t, s.table, r, "Email / sign-in")] = []string{cellText(t, s.table, r, "State"), cellText(t, s.table, r, "How"), cellText(t, s.table, r, "By")}
	}
	for user, want := range map[string][]string{
		"ann.lee@example.com": {"Deleted", "Removed in Azure AD", "Azure AD (key #1)"},
		"bo.chen@example.com": {"Deactivated", "Turned off in Azure AD", "Azure AD (key #1)"},
		"cy.diaz@example.com": {"Deleted", "Removed in Azure AD", "Azure AD (key #1)"},
	} {
		if !slices.Equal(rows[user], want) {
			t.Errorf("%s: state/how/by %v, want %v", user, rows[user], want)
		}
	}
	if s.restore.Disabled() == false {
		t.Fatal("Restore is enabled with nothing selected")
	}

	// Pick Ann and Bo, confirm: the dialog explains the lasting fix; both come back.
	pickUser(t, s, "ann.lee@example.com")
	pickUser(t, s, "bo.chen@example.com")
	if s.restore.Text != "Restore 2 hosts…" {
		t.Fatalf("button %q", s.restore.Text)
	}
	test.Tap(s.restore)
	msg := overlayTexts(h.win)
	for _, want := range []string{"Restore 2 hosts?", "re-assign the user", "next change"} {
		if !strings.Contains(msg, want) {
			t.Fatalf("confirm dialog lacks %q:\n%s", want, msg)
		}
	}
	tapOverlayButton(t, h.win, "Restore")
	if got := overlayTexts(h.win); !strings.Contains(got, "Restored 2 hosts: ann.lee@example.com, bo.chen@example.com.") {
		t.Fatalf("outcome %q", got)
	}
	closeDialogs(h.win)
	if got := columnTexts(t, s.table, "Email / sign-in"); !slices.Equal(got, []string{"cy.diaz@example.com"}) {
		t.Fatalf("deleted hosts after restore: %v", got)
	}

	// They are back in Hosts, marked as restored.
	h.show(h.dir.HostsPage(h.page()))
	hs := h.dir.current.(*hostsScreen)
	states := map[string]string{}
	for r := range 4 {
		states[cellText(t, hs.table, r, "Email / sign-in")] = cellText(t, hs.table, r, "State")
	}
	if states["ann.lee@example.com"] != "Active · restored locally" || states["bo.chen@example.com"] != "Active · restored locally" {
		t.Fatalf("states in Hosts: %v", states)
	}

	// Restoring the old Cy conflicts with the re-created one: said clearly, nothing changes.
	h.show(h.dir.DeletedPage(h.page()))
	s = h.dir.current.(*deletedScreen)
	pickUser(t, s, "cy.diaz@example.com")
	test.Tap(s.restore)
	tapOverlayButton(t, h.win, "Restore")
	if got := overlayTexts(h.win); !strings.Contains(got, "cy.diaz@example.com: not restored — a live host now has this userName") ||
		!strings.Contains(got, "Nothing was changed") {
		t.Fatalf("conflict outcome %q", got)
	}
	if !strings.Contains(overlayTexts(h.win), "not restored") {
		t.Fatalf("the conflict is not on screen: %q", overlayTexts(h.win))
	}
	old, err := h.svc.admin.Host(context.Background(), ids["cy"])
	must(t, err)
	live, err := h.svc.admin.Host(context.Background(), newCy)
	must(t, err)
	if old.State != "deleted" || live.State != "active" {
		t.Fatalf("after the conflict: old %s, new %s", old.State, live.State)
	}
	if got := columnTexts(t, s.table, "Email / sign-in"); !slices.Equal(got, []string{"cy.diaz@example.com"}) {
		t.Fatalf("deleted hosts after the conflict: %v", got)
	}
	if s.restore.Disabled() {
		t.Fatal("the conflicting host should stay picked so the admin sees what failed")
	}
}

// pickUser ticks the row of userName.
func pickUser(t *testing.T, s *deletedScreen, userName string) {
	t.Helper()
	rows, _ := s.table.table.Length()
	for r := range rows {
		if cellText(t, s.table, r, "Email / sign-in") == userName {
			h, _ := s.table.pager.row(r)
			s.table.onCheck(h, true)
			return
		}
	}
	t.Fatalf("%s is not listed", userName)
}

func TestDeletedEmptyState(t *testing.T) {
	h := newHarness(t)
	seedFour(t, h)
	h.dir.Start()
	h.show(h.dir.DeletedPage(h.page()))
	s := h.dir.current.(*deletedScreen)
	if !s.table.empty.Visible() {
		t.Fatal("no empty state with nothing removed")
	}
	if got := strings.Join(texts(s.table.empty), "\n"); !strings.Contains(got, "No deleted hosts — nothing has been removed by Azure AD") {
		t.Fatalf("empty state %q", got)
	}
}

func TestMassRemovalBanner(t *testing.T) {
	for _, tc := range []struct {
		name           string
		hosts, removed int
		banner         bool
	}{
		{"ten of twelve", 12, 10, true},
		{"one of twelve", 12, 1, false},
		{"three of twenty", 20, 3, true}, // 5 % of a small directory, floor 3
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			var ids []string
			for i := range tc.hosts {
				ids = append(ids, h.svc.create(t, "u"+string(rune('a'+i))+"@example.com", "User "+string(rune('A'+i)), "Ops", ""))
			}
			for i := range tc.removed {
				if i%2 == 0 {
					h.svc.remove(t, ids[i])
				} else {
					h.svc.patch(t, ids[i], scimclient.PatchOp{Op: "replace", Path: "active", Value: false})
				}
			}
			h.dir.Start()
			h.show(h.dir.HostsPage(h.page()))
			s := h.dir.current.(*hostsScreen)
			if s.st.mass.Visible() != tc.banner {
				t.Fatalf("banner visible=%v, want %v (%q)", s.st.mass.Visible(), tc.banner, s.st.massText.Text)
			}
			if !tc.banner {
				return
			}
			if !strings.HasPrefix(s.st.massText.Text, hostsync.Plural(tc.removed, "host was", "hosts were")+" deactivated or deleted by Azure AD in the last hour") {
				t.Fatalf("banner %q", s.st.massText.Text)
			}
			test.Tap(s.st.review)
			if !slices.Equal(h.visited, []string{ui.PageDeleted}) {
				t.Fatalf("Review went to %v", h.visited)
			}
		})
	}
}
