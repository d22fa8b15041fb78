package pgstore

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/pgtest"
)

// TestQueriesUseIndexes: the reads that must not grow with the log or the
// directory are index range scans, checked with EXPLAIN on a table large
// enough that the planner prefers an index when it can use one.
func TestQueriesUseIndexes(t *testing.T) {
	s, _ := openTest(t)
	seedHosts(t, s, 20_000)
	_, err := s.pool.Exec(ctxBg, `INSERT INTO activity (tenant, at, actor, actor_name, idp, action, resource_type, resource_id)
		SELECT $1, now(), 'apikey:1', 'x', 'azuread', 'host.updated', 'User', 'h' || (i % 5000) FROM generate_series(1, 20000) AS i`, s.tenant)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctxBg, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		sql   string
		args  []any
		index string
		sort  bool // a sort is fine: at most one row matches
	}{
		{"one host's history", "SELECT seq FROM activity WHERE tenant = $1 AND xid > $2 AND xid < " + frontierSQL +
			" AND resource_id = $3 ORDER BY xid, seq LIMIT 501", []any{s.tenant, int64(0), "h7"}, "activity_resource", false},
		{"one action", "SELECT seq FROM activity WHERE tenant = $1 AND xid > $2 AND xid < " + frontierSQL +
			" AND action = $3 ORDER BY xid, seq LIMIT 501", []any{s.tenant, int64(0), hostsync.ActionHostDeleted}, "activity_action", false},
		{"an IdP's last change", "SELECT seq FROM activity WHERE tenant = $1 AND idp = $2 AND (resource_type = 'User' OR resource_type = 'Group')" +
			" AND idp <> '' AND action = ANY($3) ORDER BY seq DESC LIMIT 1", []any{s.tenant, "okta", changeActions}, "activity_idp_change", false},
		{"a userName lookup", "SELECT " + hostColumns + " FROM hosts WHERE tenant = $1 AND deleted_at IS NULL AND user_name_key = $2 ORDER BY n LIMIT 100",
			[]any{s.tenant, "seed7"}, "hosts_user_name_live", true},
		{"a page after the memo's row", "SELECT " + hostColumns + " FROM hosts WHERE tenant = $1 AND deleted_at IS NULL AND n > $2 ORDER BY n LIMIT 100",
			[]any{s.tenant, int64(15_000)}, "hosts_live", false},
		{"the memo's check", "SELECT max(state_xid) FROM hosts WHERE tenant = $1", []any{s.tenant}, "hosts_state_xid", false},
		{"the change feed", "SELECT n FROM hosts WHERE tenant = $1 AND xid > $2 AND xid < " + frontierSQL + " ORDER BY xid, n LIMIT 1001",
			[]any{s.tenant, int64(1 << 40)}, "hosts_xid", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := s.pool.Query(ctxBg, "EXPLAIN "+tt.sql, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var line string
				rows.Scan(&line)
				plan = append(plan, line)
			}
			// Walking the index in the order asked for: no sort of all matches.
			if p := strings.Join(plan, "\n"); !strings.Contains(p, tt.index) || !tt.sort && strings.Contains(p, "Sort") {
				t.Errorf("plan does not walk %s in order:\n%s", tt.index, p)
			}
		})
	}
}

// TestGrowingTablesAreAnalyzed: a table filled from empty gets statistics
// from the store within a flush or two, not autovacuum's minute later.
func TestGrowingTablesAreAnalyzed(t *testing.T) {
	url := pgtest.Database(t)
	s, err := open(ctxBg, url, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 150 {
		mustCreateHost(t, s, azure, fmt.Sprintf("grow%d", i))
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var analyzed bool
		if err := s.pool.QueryRow(ctxBg, `SELECT last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL
			FROM pg_stat_user_tables WHERE relname = 'hosts'`).Scan(&analyzed); err != nil {
			t.Fatal(err)
		}
		if analyzed {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("hosts has no statistics 10 s after 150 hosts were created")
		}
	}
}
