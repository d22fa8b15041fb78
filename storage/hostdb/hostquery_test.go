package hostdb

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/visitly/hostsync"
)

// seedQueryHosts creates user0..user9 (user3 deactivated, user7 deleted,
// externalId ext-N, displayName "Team A" for even N).
func seedQueryHosts(t *testing.T, s *Store) []*hostsync.HostRecord {
	t.Helper()
	ctx := context.Background()
	var hs []*hostsync.HostRecord
	for i := range 10 {
		team := "Team B"
		if i%2 == 0 {
			team = "Team A"
		}
		h := mustCreateHost(t, s, fmt.Sprintf("User%d", i), map[string]any{
			"externalId": fmt.Sprintf("ext-%d", i), "displayName": team})
		hs = append(hs, h)
	}
	if _, err := s.UpdateHost(ctx, azure, hs[3].ID, withAttr("active", false)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteHost(ctx, azure, hs[7].ID); err != nil {
		t.Fatal(err)
	}
	return hs
}

func userNames(hs []*hostsync.HostRecord) string {
	var names []string
	for _, h := range hs {
		names = append(names, h.UserName)
	}
	return strings.Join(names, ",")
}

func TestQueryHosts(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	hs := seedQueryHosts(t, s)
	tests := []struct {
		name      string
		q         hostsync.LiveHostQuery
		want      string
		wantTotal int
	}{
		{"all live in creation order", hostsync.LiveHostQuery{Count: 100}, "User0,User1,User2,User3,User4,User5,User6,User8,User9", 9},
		{"page 2 of 4", hostsync.LiveHostQuery{StartIndex: 5, Count: 4}, "User4,User5,User6,User8", 9},
		{"last short page", hostsync.LiveHostQuery{StartIndex: 8, Count: 4}, "User8,User9", 9},
		{"past the end", hostsync.LiveHostQuery{StartIndex: 20, Count: 4}, "", 9},
		{"start index below 1", hostsync.LiveHostQuery{StartIndex: -3, Count: 2}, "User0,User1", 9},
		{"count only", hostsync.LiveHostQuery{}, "", 9},
		{"userName any case", hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldUserName, Value: "uSeR5"}}, Count: 10}, "User5", 1},
		{"deleted userName", hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldUserName, Value: "user7"}}, Count: 10}, "", 0},
		{"externalId exact", hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldExternalID, Value: "ext-2"}}, Count: 10}, "User2", 1},
		{"externalId other case", hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldExternalID, Value: "EXT-2"}}, Count: 10}, "", 0},
		{"id", hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldID, Value: hs[4].ID}}, Count: 10}, "User4", 1},
		{"id of deleted", hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldID, Value: hs[7].ID}}, Count: 10}, "", 0},
		{"displayName any case", hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldDisplayName, Value: "team a"}}, Count: 10}, "User0,User2,User4,User6,User8", 5},
		{"email any case", hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldEmail, Value: "USER1@example.COM"}}, Count: 10}, "User1", 1},
		{"active false", hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldActive, Value: "false"}}, Count: 10}, "User3", 1},
		{"active true count", hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldActive, Value: "True"}}}, "", 8},
		{"active nonsense", hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldActive, Value: "yes"}}, Count: 10}, "", 0},
		{"two conds", hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldDisplayName, Value: "Team B"}, {Field: hostsync.FieldActive, Value: "true"}}, Count: 10}, "User1,User5,User9", 3},
		{"match", hostsync.LiveHostQuery{Match: func(h *hostsync.HostRecord) bool { return strings.HasSuffix(h.UserName, "1") || h.UserName == "User9" }, Count: 10}, "User1,User9", 2},
		{"conds then match, paged", hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldDisplayName, Value: "Team A"}},
			Match: func(h *hostsync.HostRecord) bool { return h.UserName != "User0" }, StartIndex: 2, Count: 2}, "User4,User6", 4},
		{"match count only", hostsync.LiveHostQuery{Match: func(h *hostsync.HostRecord) bool { return h.Active }}, "", 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := s.QueryHosts(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if userNames(got) != tt.want || total != tt.wantTotal {
				t.Errorf("got %q total %d, want %q total %d", userNames(got), total, tt.want, tt.wantTotal)
			}
		})
	}
}

func TestAdminHosts(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	seedQueryHosts(t, s)
	tests := []struct {
		state     hostsync.State
		start, n  int
		want      string
		wantTotal int
	}{
		{"all", 1, 100, "User0,User1,User2,User3,User4,User5,User6,User7,User8,User9", 10},
		{"active", 1, 3, "User0,User1,User2", 8},
		{"active", 7, 3, "User8,User9", 8},
		{"deactivated", 1, 10, "User3", 1},
		{"deleted", 1, 10, "User7", 1},
		{"removed", 1, 10, "User3,User7", 2},
		{"removed", 1, 0, "", 2},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %d+%d", tt.state, tt.start, tt.n), func(t *testing.T) {
			got, total, err := s.AdminHosts(ctx, tt.state, tt.start, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if userNames(got) != tt.want || total != tt.wantTotal {
				t.Errorf("got %q total %d, want %q total %d", userNames(got), total, tt.want, tt.wantTotal)
			}
		})
	}
	if _, _, err := s.AdminHosts(ctx, "gone", 1, 1); err == nil {
		t.Error("AdminHosts accepted an unknown state")
	}
}

// TestQueriesUseIndexes checks the query plans of the hot reads: no full
// table scan, and no temporary sort for paging.
func TestQueriesUseIndexes(t *testing.T) {
	s, _ := openTest(t)
	tests := []struct {
		name     string
		query    string
		args     []any
		covering bool // walks the index only, never the table
	}{
		{"page", "SELECT n FROM hosts WHERE deleted_at IS NULL ORDER BY n LIMIT ? OFFSET ?", []any{1000, 99000}, true},
		{"count", "SELECT count(*) FROM hosts WHERE deleted_at IS NULL", nil, true},
		{"page start", liveStart, []any{99000}, true},
		{"page from", liveFrom, []any{99000, 1000}, false},
		{"page rows", "SELECT " + hostColumns + " FROM hosts WHERE n IN (SELECT n FROM hosts WHERE deleted_at IS NULL ORDER BY n LIMIT ? OFFSET ?) ORDER BY n", []any{1000, 99000}, false},
		{"first page rows", "SELECT " + hostColumns + " FROM hosts WHERE deleted_at IS NULL ORDER BY n LIMIT ? OFFSET ?", []any{100, 0}, false},
		{"first page by displayName", "SELECT " + hostColumns + " FROM hosts WHERE deleted_at IS NULL AND display_name_key = ? ORDER BY n LIMIT ? OFFSET ?", []any{"a", 100, 0}, false},
		{"first page active", "SELECT " + hostColumns + " FROM hosts WHERE deleted_at IS NULL AND state = ? ORDER BY n LIMIT ? OFFSET ?", []any{"active", 100, 0}, false},
		{"userName", "SELECT n FROM hosts WHERE deleted_at IS NULL AND user_name_key = ? ORDER BY n LIMIT ? OFFSET ?", []any{"a", 10, 0}, false},
		{"externalId", "SELECT n FROM hosts WHERE deleted_at IS NULL AND external_id = ? ORDER BY n LIMIT ? OFFSET ?", []any{"a", 10, 0}, true},
		{"displayName", "SELECT n FROM hosts WHERE deleted_at IS NULL AND display_name_key = ? ORDER BY n LIMIT ? OFFSET ?", []any{"a", 10, 0}, true},
		{"email", "SELECT n FROM hosts WHERE deleted_at IS NULL AND email_key = ? ORDER BY n LIMIT ? OFFSET ?", []any{"a", 10, 0}, true},
		{"active", "SELECT n FROM hosts WHERE deleted_at IS NULL AND state = ? ORDER BY n LIMIT ? OFFSET ?", []any{"active", 10, 0}, true},
		{"get by id", "SELECT " + hostColumns + " FROM hosts WHERE id = ? AND deleted_at IS NULL", []any{"x"}, false},
		{"feed", "SELECT " + hostColumns + " FROM hosts WHERE seq > ? ORDER BY seq, n LIMIT ?", []any{0, 10}, false},
		{"group feed", "SELECT " + groupColumns + " FROM groups WHERE seq > ? ORDER BY seq, n LIMIT ?", []any{0, 10}, false},
		{"members", `SELECT h.id FROM memberships m JOIN hosts h ON h.n = m.host_n
			WHERE m.group_n = ? AND h.deleted_at IS NULL ORDER BY m.pos`, []any{1}, false},
		{"admin state", "SELECT n FROM hosts WHERE state <> 'active' AND state = ? ORDER BY n LIMIT ? OFFSET ?", []any{"deleted", 10, 0}, true},
		{"admin removed", "SELECT n FROM hosts WHERE state <> 'active' ORDER BY n LIMIT ? OFFSET ?", []any{10, 0}, true},
		{"admin active", "SELECT n FROM hosts WHERE deleted_at IS NULL AND state = ? ORDER BY n LIMIT ? OFFSET ?", []any{"active", 10, 0}, true},
		{"removed counts", "SELECT count(*) FILTER (WHERE state = 'deactivated'), count(*) FILTER (WHERE state = 'deleted') FROM hosts WHERE state <> 'active'", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := s.r.Query("EXPLAIN QUERY PLAN "+tt.query, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, notused int
				var detail string
				if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			t.Logf("%q", plan)
			for _, step := range plan {
				fullScan := strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, "INDEX")
				if fullScan || strings.Contains(step, "TEMP B-TREE") || tt.covering && !strings.Contains(step, "COVERING INDEX") {
					t.Errorf("plan %q", plan)
				}
			}
		})
	}
}

func TestQueryHostsReturnsStoredFields(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	h := mustCreateHost(t, s, "hal", map[string]any{"externalId": "e"})
	got, _, err := s.QueryHosts(ctx, hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldUserName, Value: "HAL"}}, Count: 1})
	if err != nil || len(got) != 1 {
		t.Fatalf("got %d hosts, err %v", len(got), err)
	}
	if !reflect.DeepEqual(got[0], h) {
		t.Errorf("QueryHosts = %+v, want %+v", got[0], h)
	}
}

// TestPagingAcrossWrites pages through the live hosts the way a SCIM client
// does while hosts are created, deleted and restored between pages: every
// page must equal what a fresh, memo-free read of the same range returns,
// so the page memo never serves a position or total a write has changed.
func TestPagingAcrossWrites(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	var hs []*hostsync.HostRecord
	for i := range 60 {
		hs = append(hs, mustCreateHost(t, s, fmt.Sprintf("p%02d", i), nil))
	}
	all := func(h *hostsync.HostRecord) bool { return true } // Match forces the plain path
	check := func(start, count int) {
		t.Helper()
		got, gotTotal, err := s.QueryHosts(ctx, hostsync.LiveHostQuery{StartIndex: start, Count: count})
		if err != nil {
			t.Fatal(err)
		}
		want, wantTotal, err := s.QueryHosts(ctx, hostsync.LiveHostQuery{StartIndex: start, Count: count, Match: all})
		if err != nil {
			t.Fatal(err)
		}
		if userNames(got) != userNames(want) || gotTotal != wantTotal {
			t.Fatalf("page %d+%d: got %s (total %d), want %s (total %d)", start, count, userNames(got), gotTotal, userNames(want), wantTotal)
		}
	}
	for pass := range 3 {
		for start := 1; start <= 70; start += 7 {
			check(start, 7)
			check(start, 7) // the same page again comes from the memo
			switch start {
			case 15:
				if err := s.DeleteHost(ctx, azure, hs[3+pass].ID); err != nil {
					t.Fatal(err)
				}
			case 29:
				mustCreateHost(t, s, fmt.Sprintf("late%d", pass), nil)
			case 43:
				if _, err := s.RestoreHost(ctx, azure, hs[3+pass].ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		check(200, 5) // past the end
		check(1, 0)   // count only
	}
}
