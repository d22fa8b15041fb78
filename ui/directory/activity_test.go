package directory

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync/scimclient"
)

func TestActivityFiltersAndDetails(t *testing.T) {
	h := newHarness(t)
	ids := seedFour(t, h)
	h.svc.patch(t, ids["ann"], scimclient.PatchOp{Op: "replace", Path: "title", Value: "Sales lead"})
	h.svc.remove(t, ids["dan"])
	h.dir.Start()
	h.show(h.dir.ActivityPage(h.page()))
	s := h.dir.current.(*activityScreen)

	actions := columnTexts(t, s.table, "Action")
	if actions[0] != "Removed in Azure AD" || actions[1] != "Updated" {
		t.Fatalf("not newest first: %v", actions)
	}

	for _, tc := range []struct {
		name   string
		set    func()
		column string
		want   []string
	}{
		{"action", func() { s.action.SetSelected("Created") }, "Host",
			[]string{"dana.ek@example.com", "cy.diaz@example.com", "bo.chen@example.com", "ann.lee@example.com"}},
		{"host", func() { test.Type(s.host, "ann"); h.timers.fire(searchDelay) }, "Action", []string{"Created"}},
		{"all actions for the host", func() { s.action.SetSelected(allActions) }, "Action", []string{"Updated", "Created"}},
		{"date range before any activity", func() { test.Type(s.to, "2001-01-01"); h.timers.fire(searchDelay) }, "Action", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.set()
			if got := columnTexts(t, s.table, tc.column); !slices.Equal(got, tc.want) {
				t.Fatalf("%v, want %v", got, tc.want)
			}
		})
	}

	s.to.SetText("")
	h.timers.fire(searchDelay)
	s.table.table.Select(widget.TableCellID{Row: 0, Col: 0}) // Ann's update
	got := strings.Join(texts(s.detail), "\n")
	for _, want := range []string{"Updated", "Job title: “Account manager” → “Sales lead”", "Azure AD (key #1)", "ann.lee@example.com"} {
		if !strings.Contains(got, want) {
			t.Errorf("details lack %q:\n%s", want, got)
		}
	}
}
