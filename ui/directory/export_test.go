package directory

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/visitly/hostsync"
)

const bom = "\uFEFF"

func TestExportFollowsTheFilter(t *testing.T) {
	h := newHarness(t)
	seedFour(t, h)
	h.svc.create(t, "eve@example.com", "=HYPERLINK(\"http://x\") Eve", "Engineering", "+1 trick")
	h.dir.Start()
	h.show(h.dir.HostsPage(h.page()))
	s := h.dir.current.(*hostsScreen)
	test.Type(s.search, "engineering")
	h.timers.fire(searchDelay)

	t.Run("csv", func(t *testing.T) {
		test.Tap(s.export)
		if got := overlayTexts(h.win); !strings.Contains(got, "Exported 3 rows to export.csv (CSV") {
			t.Fatalf("message %q", got)
		}
		closeDialogs(h.win)
		raw, err := os.ReadFile(h.saved)
		must(t, err)
		if !strings.HasPrefix(string(raw), bom+"host_id,user_name,display_name,given_name,family_name,email_work,") {
			t.Fatalf("file starts %q", raw[:min(len(raw), 80)])
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(raw), bom))).ReadAll()
		must(t, err)
		if len(recs) != 4 {
			t.Fatalf("%d records, want header + 3", len(recs))
		}
		var names, created []string
		for _, r := range recs[1:] {
			names = append(names, r[2])
			created = append(created, r[13])
		}
		if !slices.Equal(names, []string{"'=HYPERLINK(\"http://x\") Eve", "Bo Chen", "Cy Díaz"}) {
			t.Fatalf("exported names %q", names)
		}
		for _, c := range created {
			if !strings.HasSuffix(c, "Z") {
				t.Fatalf("created_at %q is not UTC", c)
			}
		}
		if !slices.Contains(recs[1], "'+1 trick") {
			t.Fatalf("title not neutralised: %q", recs[1])
		}
	})

	t.Run("json", func(t *testing.T) {
		h.saved = filepath.Join(t.TempDir(), "hosts.json")
		test.Tap(s.export)
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
	if len(page.Events) != 2 {
		t.Fatalf("%d export.created events, want 2", len(page.Events))
	}
	d := page.Events[0].Detail
	if !strings.Contains(d, "hosts: 3 rows as CSV") || !strings.Contains(d, `search "engineering"`) || !strings.Contains(d, "export.csv") {
		t.Fatalf("export record %q", d)
	}
	if strings.Contains(d, string(os.PathSeparator)+"export.csv") || strings.Contains(d, h.svc.key) {
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
	closeDialogs(h.win)
	raw, err := os.ReadFile(h.saved)
	must(t, err)
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(string(raw), bom)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "bo.chen@example.com") || !strings.Contains(lines[1], ",deleted,") {
		t.Fatalf("deleted hosts export:\n%s", raw)
	}

	h.show(h.dir.ActivityPage(h.page()))
	a := h.dir.current.(*activityScreen)
	a.action.SetSelected(ActionWords("host.deleted"))
	h.dir.Export()
	closeDialogs(h.win)
	raw, err = os.ReadFile(h.saved)
	must(t, err)
	lines = strings.Split(strings.TrimSpace(strings.TrimPrefix(string(raw), bom)), "\n")
	if lines[0] != "seq,at,actor,actor_name,action,resource_type,resource_id,user_name,changes,detail" ||
		len(lines) != 2 || !strings.Contains(lines[1], "host.deleted") {
		t.Fatalf("activity export:\n%s", raw)
	}
}
