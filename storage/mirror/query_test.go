package mirror

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/visitly/hostsync"
)

// queryFixture holds five hosts in all states and a few events.
func queryFixture(t *testing.T) *Mirror {
	t.Helper()
	m, _ := openTest(t)
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	h := func(id string, state hostsync.State, user, name, dept, ext string, min int) hostsync.Host {
		x := hostsync.Host{ID: id, Seq: int64(min), State: state, UserName: user, DisplayName: name, Email: user, ExternalID: ext,
			// A DELETE leaves the host's "active" as it was (true), as the service keeps it.
			Active: state != hostsync.StateDeactivated, Created: t0, Modified: t0.Add(time.Duration(min) * time.Minute),
			Resource: userAttrs(user, name, state != hostsync.StateDeactivated, "Engineer", dept)}
		switch state {
		case hostsync.StateDeactivated:
			x.DeactivatedAt, x.DeactivatedBy, x.RemovedHow = x.Modified, "apikey:3", "active=false"
		case hostsync.StateDeleted:
			x.DeletedAt, x.DeletedBy, x.RemovedHow = x.Modified, "apikey:3", "DELETE"
		}
		// Okta provisioned the odd ones, Azure AD the even ones; carl's IdP is not known.
		switch min % 2 {
		case 1:
			x.IdP = hostsync.IdPOkta
		case 0:
			x.IdP = hostsync.IdPAzureAD
		}
		if id == "5" {
			x.IdP = ""
		}
		return x
	}
	hosts := []hostsync.Host{
		h("1", hostsync.StateActive, "ann.smith@example.com", "Ann Smith", "Sales", "e-100", 1),
		h("2", hostsync.StateActive, "jose@example.com", "José Álvarez", "R&D", "e-200", 2),
		h("3", hostsync.StateActive, "zed@example.com", "=cmd|' /C calc'!A0", "-Ops", "e-300", 3),
		h("4", hostsync.StateDeactivated, "bob@example.com", "Bob Smith", "Sales", "e-400", 4),
		h("5", hostsync.StateDeleted, "carl@example.com", "Carl Jones", "Finance", "e-500", 5),
	}
	ev := func(seq int64, action, id, user string, ch ...hostsync.FieldChange) hostsync.Event {
		return hostsync.Event{Seq: seq, At: t0.Add(time.Duration(seq) * time.Hour), Actor: "apikey:3", ActorName: "API key #3",
			Action: action, ResourceType: "User", ResourceID: id, UserName: user, Changes: ch}
	}
	events := []hostsync.Event{
		ev(1, "host.created", "1", "ann.smith@example.com"),
		ev(2, "host.created", "4", "bob@example.com"),
		ev(3, "host.updated", "1", "ann.smith@example.com", hostsync.FieldChange{Field: "title", Old: "Engineer", New: "Lead"}),
		ev(4, "host.deactivated", "4", "bob@example.com"),
		ev(5, "host.deleted", "5", "carl@example.com"),
	}
	groups := []hostsync.Group{{ID: "g1", Seq: 6, DisplayName: "Sales", Members: []string{"1", "4"}}}
	if err := m.Apply(context.Background(), Batch{Hosts: hosts, Events: events, Groups: groups, ChangesCursor: 6, ActivityCursor: 5}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return m
}

func ids(hosts []hostsync.Host) string {
	var s []string
	for _, h := range hosts {
		s = append(s, h.ID)
	}
	return strings.Join(s, ",")
}

func TestHostsQuery(t *testing.T) {
	m := queryFixture(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		q     hostsync.HostFilter
		want  string // ids in order
		count int
	}{
		{"default is active by name", hostsync.HostFilter{}, "3,1,2", 3},
		{"prefix of a last name", hostsync.HostFilter{Search: "smi"}, "1", 1},
		{"all states", hostsync.HostFilter{Search: "smi", State: hostsync.StateAll}, "1,4", 2},
		{"accent-insensitive", hostsync.HostFilter{Search: "jose alv"}, "2", 1},
		{"case-insensitive", hostsync.HostFilter{Search: "ANN"}, "1", 1},
		{"email with punctuation", hostsync.HostFilter{Search: "ann.smith@ex"}, "1", 1},
		{"department", hostsync.HostFilter{Search: "sales", State: hostsync.StateAll}, "1,4", 2},
		{"externalId", hostsync.HostFilter{Search: "e-500", State: hostsync.StateAll}, "5", 1},
		{"FTS syntax is just text", hostsync.HostFilter{Search: `"ann*)(`}, "1", 1},
		{"no match", hostsync.HostFilter{Search: "nobody"}, "", 0},
		{"only punctuation searches nothing", hostsync.HostFilter{Search: "@ ."}, "3,1,2", 3},
		{"deactivated", hostsync.HostFilter{State: hostsync.StateDeactivated}, "4", 1},
		{"deleted", hostsync.HostFilter{State: hostsync.StateDeleted}, "5", 1},
		{"removed newest first", hostsync.HostFilter{State: hostsync.StateRemoved}, "5,4", 2},
		{"sort by userName desc", hostsync.HostFilter{Sort: hostsync.SortUserName, Desc: true}, "3,2,1", 3},
		{"sort by department", hostsync.HostFilter{State: hostsync.StateAll, Sort: hostsync.SortDepartment}, "3,5,2,1,4", 5},
		{"sort by modified", hostsync.HostFilter{State: hostsync.StateAll, Sort: hostsync.SortModified}, "1,2,3,4,5", 5},
		{"page", hostsync.HostFilter{State: hostsync.StateAll, Sort: hostsync.SortModified, Offset: 1, Limit: 2}, "2,3", 5},
		{"provisioned by Okta", hostsync.HostFilter{IdP: hostsync.IdPOkta}, "3,1", 2},
		{"provisioned by Azure AD, all states", hostsync.HostFilter{IdP: hostsync.IdPAzureAD, State: hostsync.StateAll}, "4,2", 2},
		{"Okta and a search", hostsync.HostFilter{IdP: hostsync.IdPOkta, Search: "smith", State: hostsync.StateAll}, "1", 1},
		{"Azure AD and a search", hostsync.HostFilter{IdP: hostsync.IdPAzureAD, Search: "smith", State: hostsync.StateAll}, "4", 1},
		{"OneLogin provisioned none", hostsync.HostFilter{IdP: hostsync.IdPOneLogin, State: hostsync.StateAll}, "", 0},
		{"Okta, removed", hostsync.HostFilter{IdP: hostsync.IdPOkta, State: hostsync.StateRemoved}, "", 0},
		{"Okta, a page", hostsync.HostFilter{IdP: hostsync.IdPOkta, State: hostsync.StateAll, Sort: hostsync.SortModified, Offset: 1, Limit: 1}, "3", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := m.Hosts(ctx, tc.q)
			if err != nil {
				t.Fatalf("Hosts: %v", err)
			}
			if ids(got) != tc.want {
				t.Errorf("Hosts = %s, want %s", ids(got), tc.want)
			}
			n, err := m.CountHosts(ctx, tc.q)
			if err != nil || n != tc.count {
				t.Errorf("CountHosts = %d, %v; want %d", n, err, tc.count)
			}
		})
	}
	for _, q := range []hostsync.HostFilter{{State: "gone"}, {Sort: "password"}} {
		if _, err := m.Hosts(ctx, q); !errors.Is(err, ErrBadQuery) {
			t.Errorf("Hosts(%+v) = %v, want ErrBadQuery", q, err)
		}
	}
	c, err := m.Counts(ctx)
	if err != nil || c != (hostsync.Counts{HostCounts: hostsync.HostCounts{Active: 3, Deactivated: 1, Deleted: 1}, Groups: 1}) {
		t.Errorf("Counts = %+v, %v", c, err)
	}
}

func TestHostDetail(t *testing.T) {
	m := queryFixture(t)
	d, err := m.HostDetail(context.Background(), "1")
	if err != nil {
		t.Fatalf("HostDetail: %v", err)
	}
	if d.Host.Department != "Sales" || d.Host.Title != "Engineer" || !strings.Contains(string(d.Host.Resource), `"userName":"ann.smith@example.com"`) {
		t.Errorf("host = %+v", d.Host)
	}
	if len(d.Groups) != 1 || d.Groups[0].DisplayName != "Sales" {
		t.Errorf("groups = %+v", d.Groups)
	}
	if len(d.History) != 2 || d.History[0].Action != "host.updated" || d.History[0].Changes[0].New != "Lead" {
		t.Errorf("history = %+v, want updated (title → Lead) then created", d.History)
	}
	if _, err := m.HostDetail(context.Background(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("HostDetail(nope) = %v, want ErrNotFound", err)
	}
}

func TestActivityQuery(t *testing.T) {
	m := queryFixture(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		q    hostsync.EventFilter
		want []int64
	}{
		{"all newest first", hostsync.EventFilter{}, []int64{5, 4, 3, 2, 1}},
		{"by action", hostsync.EventFilter{Action: "host.created"}, []int64{2, 1}},
		{"by host id", hostsync.EventFilter{ResourceID: "4"}, []int64{4, 2}},
		{"by userName prefix", hostsync.EventFilter{UserName: "ANN"}, []int64{3, 1}},
		{"by host words, any word", hostsync.EventFilter{Host: "smi"}, []int64{4, 3, 2, 1}},
		{"by host words, accents", hostsync.EventFilter{Host: "CARL jónes"}, []int64{5}},
		{"date range", hostsync.EventFilter{From: t0.Add(2 * time.Hour), To: t0.Add(4 * time.Hour)}, []int64{3, 2}},
		{"since seq", hostsync.EventFilter{SinceSeq: 3}, []int64{5, 4}},
		{"page", hostsync.EventFilter{Offset: 1, Limit: 2}, []int64{4, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := m.Activity(ctx, tc.q)
			if err != nil {
				t.Fatalf("Activity: %v", err)
			}
			var seqs []int64
			for _, e := range got {
				seqs = append(seqs, e.Seq)
			}
			if len(seqs) != len(tc.want) || (len(seqs) > 0 && (seqs[0] != tc.want[0] || seqs[len(seqs)-1] != tc.want[len(tc.want)-1])) {
				t.Errorf("Activity = %v, want %v", seqs, tc.want)
			}
		})
	}
	acts, err := m.Actions(ctx)
	if err != nil || strings.Join(acts, ",") != "host.created,host.deactivated,host.deleted,host.updated" {
		t.Errorf("Actions = %v, %v", acts, err)
	}
}

func TestExport(t *testing.T) {
	m := queryFixture(t)
	ctx := context.Background()
	t.Run("hosts csv", func(t *testing.T) {
		var buf bytes.Buffer
		n, err := m.ExportHosts(ctx, &buf, hostsync.HostFilter{State: hostsync.StateAll, Limit: 1}, hostsync.ExportOptions{Format: hostsync.FormatCSV})
		if err != nil || n != 5 {
			t.Fatalf("ExportHosts = %d, %v; want 5 (paging ignored)", n, err)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF")) {
			t.Fatal("CSV has no UTF-8 BOM")
		}
		recs, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
		if err != nil {
			t.Fatalf("CSV: %v", err)
		}
		col := map[string]int{}
		for i, h := range recs[0] {
			col[h] = i
		}
		byID := map[string][]string{}
		for _, r := range recs[1:] {
			byID[r[col["Host ID"]]] = r
		}
		checks := []struct{ id, field, want string }{
			{"3", "Display name", "'=cmd|' /C calc'!A0"},
			{"3", "Department", "'-Ops"},
			{"2", "Display name", "José Álvarez"},
			{"5", "Deleted (UTC)", "2026-11-01 09:05:00"},
			{"5", "How removed", "DELETE"},
			{"5", "Active", "no"}, // deleted, though its SCIM resource still says active
			{"1", "Active", "yes"},
			{"4", "Deactivated by", "API key #3"},
			{"1", "Work email", "ann.smith@example.com"},
			{"1", "Job title", "Engineer"},
			{"1", "Provisioned by", "Okta"},
			{"2", "Provisioned by", "Azure AD"},
			{"5", "Provisioned by", ""}, // not known: not Azure AD
		}
		for _, c := range checks {
			if got := byID[c.id][col[c.field]]; got != c.want {
				t.Errorf("host %s %s = %q, want %q", c.id, c.field, got, c.want)
			}
		}
	})
	t.Run("hosts json follows the filter", func(t *testing.T) {
		var buf bytes.Buffer
		if _, err := m.ExportHosts(ctx, &buf, hostsync.HostFilter{State: hostsync.StateRemoved}, hostsync.ExportOptions{Format: hostsync.FormatJSON}); err != nil {
			t.Fatal(err)
		}
		var got []map[string]any
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatalf("JSON: %v\n%s", err, buf.String())
		}
		if len(got) != 2 || got[0]["id"] != "5" || got[0]["deletedAt"] != "2026-11-01T09:05:00Z" || got[0]["resource"] == nil || got[0]["active"] != false ||
			got[0]["resource"].(map[string]any)["active"] != false {
			t.Errorf("JSON export = %v", got)
		}
	})
	t.Run("activity csv and json", func(t *testing.T) {
		var c, j bytes.Buffer
		if _, err := m.ExportActivity(ctx, &c, hostsync.EventFilter{ResourceID: "1"}, hostsync.ExportOptions{Format: hostsync.FormatCSV}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(c.String(), `title: ""Engineer"" → ""Lead""`) || strings.Count(c.String(), "\n") != 3 {
			t.Errorf("activity CSV:\n%s", c.String())
		}
		if _, err := m.ExportActivity(ctx, &j, hostsync.EventFilter{Action: "host.deleted"}, hostsync.ExportOptions{Format: hostsync.FormatJSON}); err != nil {
			t.Fatal(err)
		}
		var evs []hostsync.Event
		if err := json.Unmarshal(j.Bytes(), &evs); err != nil || len(evs) != 1 || evs[0].UserName != "carl@example.com" {
			t.Errorf("activity JSON = %+v, %v", evs, err)
		}
	})
	if _, err := m.ExportHosts(ctx, &bytes.Buffer{}, hostsync.HostFilter{}, hostsync.ExportOptions{Format: "xls"}); !errors.Is(err, ErrBadQuery) {
		t.Errorf("unknown format: %v, want ErrBadQuery", err)
	}
}

// TestUpgradeRefetchesHostsForTheirIdP: a mirror made before hosts had an
// IdP gets the column and syncs every host again, from the start of the
// change feed, so that each gets its IdP.
func TestUpgradeRefetchesHostsForTheirIdP(t *testing.T) {
	ctx := context.Background()
	m, path := openTest(t)
	if err := m.Apply(ctx, Batch{Hosts: []hostsync.Host{{ID: "1", Seq: 7, State: hostsync.StateActive, UserName: "ann"}},
		ChangesCursor: 7, ActivityCursor: 7}); err != nil {
		t.Fatal(err)
	}
	// Back to the file as version 5 left it.
	for _, q := range []string{"ALTER TABLE hosts DROP COLUMN idp", "ALTER TABLE hosts DROP COLUMN deactivated_by_name",
		"ALTER TABLE hosts DROP COLUMN deleted_by_name", "ALTER TABLE events DROP COLUMN idp", "PRAGMA user_version = 5"} {
		if _, err := m.w.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	m.Close()
	m2, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("open the version 5 file: %v", err)
	}
	defer m2.Close()
	c, a, err := m2.Cursors(ctx)
	if err != nil || c != 0 || a != 7 {
		t.Errorf("cursors after the upgrade: changes %d, activity %d, %v; want 0 and 7", c, a, err)
	}
	if err := m2.Apply(ctx, Batch{Hosts: []hostsync.Host{{ID: "1", Seq: 7, State: hostsync.StateActive, UserName: "ann", IdP: hostsync.IdPOkta}},
		ChangesCursor: 7}); err != nil {
		t.Fatal(err)
	}
	hs, err := m2.Hosts(ctx, hostsync.HostFilter{IdP: hostsync.IdPOkta})
	if err != nil || len(hs) != 1 || hs[0].IdP != hostsync.IdPOkta {
		t.Errorf("Okta's hosts after the resync: %+v, %v", hs, err)
	}
}
