package directory

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
)

// seedFour provisions four hosts through SCIM and syncs the mirror through the screens' own sync.
func seedFour(t *testing.T, h *harness) map[string]string {
	t.Helper()
	ids := map[string]string{
		"ann": h.svc.create(t, "ann.lee@example.com", "Ann Lee", "Sales", "Account manager"),
		"bo":  h.svc.create(t, "bo.chen@example.com", "Bo Chen", "Engineering", "Engineer"),
		"cy":  h.svc.create(t, "cy.diaz@example.com", "Cy Díaz", "Engineering", "Architect"),
		"dan": h.svc.create(t, "dana.ek@example.com", "Dana Ek", "Finance", "Controller"),
	}
	return ids
}

func TestHostsSearchNarrowsTheTable(t *testing.T) {
	h := newHarness(t)
	seedFour(t, h)
	h.dir.Start()
	h.show(h.dir.HostsPage(h.page()))
	s := h.dir.current.(*hostsScreen)
	if got := s.count.Text; got != "4 hosts" {
		t.Fatalf("count %q, want 4 hosts", got)
	}
	if got := columnTexts(t, s.table, "Name"); !slices.Equal(got, []string{"Ann Lee", "Bo Chen", "Cy Díaz", "Dana Ek"}) {
		t.Fatalf("names %v", got)
	}
	if got := cellText(t, s.table, 0, "Department"); got != "Sales" {
		t.Fatalf("Ann's department cell %q", got)
	}

	for _, tc := range []struct {
		typed string
		want  []string
	}{
		{"engin", []string{"Bo Chen", "Cy Díaz"}}, // department prefix
		{"diaz", []string{"Cy Díaz"}},             // accent-insensitive
		{"ext-dana", []string{"Dana Ek"}},         // externalId
		{"ann.lee@", []string{"Ann Lee"}},         // email / userName
		{"nobody", []string{}},                    // empty state
		{"", []string{"Ann Lee", "Bo Chen", "Cy Díaz", "Dana Ek"}},
	} {
		t.Run(tc.typed, func(t *testing.T) {
			s.search.SetText("")
			test.Type(s.search, tc.typed)
			if n := h.timers.fire(searchDelay); n != 1 {
				t.Fatalf("%d debounce timers pending, want exactly 1 (one query per pause)", n)
			}
			got := columnTexts(t, s.table, "Name")
			if !slices.Equal(got, tc.want) {
				t.Fatalf("typed %q: rows %v, want %v", tc.typed, got, tc.want)
			}
			if s.table.empty.Visible() != (len(tc.want) == 0) {
				t.Fatalf("typed %q: empty state visible=%v", tc.typed, s.table.empty.Visible())
			}
		})
	}

	t.Run("sort by tapping a header", func(t *testing.T) {
		tapHeader(t, h, "Name") // already ascending: flips
		if got := columnTexts(t, s.table, "Name"); !slices.Equal(got, []string{"Dana Ek", "Cy Díaz", "Bo Chen", "Ann Lee"}) {
			t.Fatalf("descending names %v", got)
		}
		tapHeader(t, h, "Department")
		if got := columnTexts(t, s.table, "Department"); !slices.Equal(got, []string{"Engineering", "Engineering", "Finance", "Sales"}) {
			t.Fatalf("by department %v", got)
		}
	})
}

// tapHeader taps a column header as the user would.
func tapHeader(t *testing.T, h *harness, title string) {
	t.Helper()
	for _, o := range test.LaidOutObjects(h.win.Content()) {
		if c, ok := o.(*headerCell); ok && c.label.Text == title && c.onTap != nil {
			test.Tap(c)
			return
		}
	}
	t.Fatalf("no header %q on screen", title)
}

func TestSelectingAHostShowsDetails(t *testing.T) {
	h := newHarness(t)
	ids := seedFour(t, h)
	h.svc.group(t, "London office", ids["ann"], ids["bo"])
	h.svc.patch(t, ids["ann"], scimclient.PatchOp{Op: "replace", Path: "title", Value: "Sales lead"})
	h.dir.Start()
	h.show(h.dir.HostsPage(h.page()))
	s := h.dir.current.(*hostsScreen)
	s.table.table.Select(widget.TableCellID{Row: 0, Col: 1})
	got := strings.Join(texts(s.details.body), "\n")
	for _, want := range []string{
		"Ann Lee", "Active",
		"How Azure AD matches this host", "ann.lee@example.com", "ext-ann.lee",
		"First name", "Ann", "Last name", "Lee", "Job title", "Sales lead", "Department", "Sales",
		"Employee number", "E-Ann", "Mobile phone", "+44 7700 900123",
		"Groups (1)", "• London office",
		"History in Azure AD", "Updated", "Job title: “Account manager” → “Sales lead”", "Created",
		"Azure AD (key #1)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("details lack %q:\n%s", want, got)
		}
	}
	// Newest first: the update is listed before the creation.
	if strings.Index(got, "Updated") > strings.Index(got, "Created") {
		t.Errorf("history is not newest first:\n%s", got)
	}
}

func TestStateFilter(t *testing.T) {
	h := newHarness(t)
	ids := seedFour(t, h)
	h.svc.patch(t, ids["bo"], scimclient.PatchOp{Op: "replace", Path: "active", Value: false})
	h.dir.Start()
	h.show(h.dir.HostsPage(h.page()))
	s := h.dir.current.(*hostsScreen)
	for _, tc := range []struct {
		choice string
		want   []string
	}{
		{"Deactivated", []string{"Bo Chen"}},
		{"All", []string{"Ann Lee", "Bo Chen", "Cy Díaz", "Dana Ek"}},
		{"Active", []string{"Ann Lee", "Cy Díaz", "Dana Ek"}},
	} {
		t.Run(tc.choice, func(t *testing.T) {
			s.filter.SetSelected(tc.choice)
			if got := columnTexts(t, s.table, "Name"); !slices.Equal(got, tc.want) {
				t.Fatalf("%s: %v, want %v", tc.choice, got, tc.want)
			}
		})
	}
	if got := cellText(t, s.table, 0, "State"); got != "Active" {
		t.Fatalf("state cell %q", got)
	}
}

func TestSyncBringsChangesAndOfflineBanner(t *testing.T) {
	h := newHarness(t)
	ids := seedFour(t, h)
	h.dir.Start()
	h.show(h.dir.HostsPage(h.page()))
	s := h.dir.current.(*hostsScreen)
	if s.st.offline.Visible() || !strings.HasPrefix(s.st.fresh.Text, "Synced ") {
		t.Fatalf("after the first sync: offline=%v, %q", s.st.offline.Visible(), s.st.fresh.Text)
	}

	// The periodic sync picks up Azure AD's next change and the table follows.
	h.svc.patch(t, ids["dan"], scimclient.PatchOp{Op: "replace", Path: "displayName", Value: "Dana Ekholm"})
	if n := h.timers.fire(DefaultSyncEvery); n != 1 {
		t.Fatalf("%d periodic sync timers, want 1", n)
	}
	if got := cellText(t, s.table, 3, "Name"); got != "Dana Ekholm" {
		t.Fatalf("after the periodic sync: %q", got)
	}

	// The service goes away: the mirror stays browsable and the banner says how old it is.
	h.svc.hs.Close()
	test.Tap(s.st.syncBtn)
	if !s.st.offline.Visible() || !strings.HasPrefix(s.st.offlineTitle.Text, "Offline — showing data from ") {
		t.Fatalf("offline banner visible=%v %q", s.st.offline.Visible(), s.st.offlineTitle.Text)
	}
	if !strings.Contains(s.st.offlineTitle.Text, "just now") {
		t.Fatalf("banner lacks the age: %q", s.st.offlineTitle.Text)
	}
	if got := columnTexts(t, s.table, "Name"); len(got) != 4 {
		t.Fatalf("offline table rows %v", got)
	}
	_ = context.Background()
	_ = hostsync.StateAll
}
