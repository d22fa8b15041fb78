package mirror

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/visitly/hostsync"
	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

func TestOpenReopenKeepsDataAndSchemaVersion(t *testing.T) {
	ctx := context.Background()
	m, path := openTest(t)
	if err := m.Apply(ctx, Batch{Hosts: []hostsync.Host{{ID: "a", Seq: 1, State: hostsync.StateActive, UserName: "a@x"}}, ChangesCursor: 1}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	m.Close()
	m2, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer m2.Close()
	var version int
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	if err := m2.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil || version != len(names) || version < 2 {
		t.Fatalf("user_version = %d, %v; want %d, the last migration", version, err, len(names))
	}
	var mode string
	if err := m2.r.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
	}
	if n, err := m2.CountHosts(ctx, hostsync.HostFilter{}); err != nil || n != 1 {
		t.Fatalf("CountHosts after reopen = %d, %v; want 1", n, err)
	}
	if c, _, err := m2.Cursors(ctx); err != nil || c != 1 {
		t.Fatalf("cursor after reopen = %d, %v; want 1", c, err)
	}
}

func TestApply(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 18, 49, 35, 123e6, time.UTC)
	v1 := hostsync.Host{ID: "h1", Seq: 5, State: hostsync.StateActive, UserName: "ann@x", DisplayName: "Ann", Active: true,
		Created: t0, Modified: t0, Resource: json.RawMessage(`{"userName":"ann@x","title":"Engineer"}`)}
	v2 := v1
	v2.Seq, v2.State, v2.Active, v2.DeactivatedAt, v2.DeactivatedBy, v2.RemovedHow =
		9, hostsync.StateDeactivated, false, t0.Add(time.Hour), "apikey:3", "active=false"
	ev := hostsync.Event{Seq: 5, At: t0, Action: "host.created", ResourceID: "h1", UserName: "ann@x"}

	tests := []struct {
		name      string
		batches   []Batch
		wantState hostsync.State
		wantSeq   int64
		wantCur   [2]int64 // changes, activity
		wantEv    int
	}{
		{"insert", []Batch{{Hosts: []hostsync.Host{v1}, Events: []hostsync.Event{ev}, ChangesCursor: 5, ActivityCursor: 5}},
			hostsync.StateActive, 5, [2]int64{5, 5}, 1},
		{"replay is a no-op", []Batch{
			{Hosts: []hostsync.Host{v1}, Events: []hostsync.Event{ev}, ChangesCursor: 5, ActivityCursor: 5},
			{Hosts: []hostsync.Host{v1}, Events: []hostsync.Event{ev}, ChangesCursor: 5, ActivityCursor: 5}},
			hostsync.StateActive, 5, [2]int64{5, 5}, 1},
		{"newer wins", []Batch{{Hosts: []hostsync.Host{v1}, ChangesCursor: 5}, {Hosts: []hostsync.Host{v2}, ChangesCursor: 9}},
			hostsync.StateDeactivated, 9, [2]int64{9, 0}, 0},
		{"older is ignored and cursor never goes back", []Batch{{Hosts: []hostsync.Host{v2}, ChangesCursor: 9}, {Hosts: []hostsync.Host{v1}, ChangesCursor: 5}},
			hostsync.StateDeactivated, 9, [2]int64{9, 0}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			m, _ := openTest(t)
			for _, b := range tc.batches {
				if err := m.Apply(ctx, b); err != nil {
					t.Fatalf("Apply: %v", err)
				}
			}
			d, err := m.HostDetail(ctx, "h1")
			if err != nil {
				t.Fatalf("HostDetail: %v", err)
			}
			if d.Host.State != tc.wantState || d.Host.Seq != tc.wantSeq {
				t.Errorf("host state/seq = %s/%d, want %s/%d", d.Host.State, d.Host.Seq, tc.wantState, tc.wantSeq)
			}
			if !d.Host.Created.Equal(t0) || d.Host.Title != "Engineer" {
				t.Errorf("created/title = %v/%q, want %v/Engineer", d.Host.Created, d.Host.Title, t0)
			}
			c, a, err := m.Cursors(ctx)
			if err != nil || c != tc.wantCur[0] || a != tc.wantCur[1] {
				t.Errorf("cursors = %d,%d (%v), want %v", c, a, err, tc.wantCur)
			}
			if n, _ := m.CountActivity(ctx, hostsync.EventFilter{}); n != tc.wantEv {
				t.Errorf("events = %d, want %d", n, tc.wantEv)
			}
		})
	}
}

func TestApplyIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	m, _ := openTest(t)
	bad := Batch{Hosts: []hostsync.Host{{ID: "ok", Seq: 1, State: hostsync.StateActive}, {ID: "", Seq: 2}},
		Events: []hostsync.Event{{Seq: 1, Action: "host.created"}}, ChangesCursor: 2, ActivityCursor: 1}
	if err := m.Apply(ctx, bad); err == nil {
		t.Fatal("Apply of a host without id succeeded")
	}
	n, _ := m.CountHosts(ctx, hostsync.HostFilter{State: hostsync.StateAll})
	e, _ := m.CountActivity(ctx, hostsync.EventFilter{})
	c, a, _ := m.Cursors(ctx)
	if n != 0 || e != 0 || c != 0 || a != 0 {
		t.Fatalf("after a failed Apply: hosts=%d events=%d cursors=%d,%d; want all 0", n, e, c, a)
	}
	if _, err := m.HostDetail(ctx, "ok"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("HostDetail(ok) = %v, want ErrNotFound", err)
	}
}

func TestApplyGroupMembers(t *testing.T) {
	ctx := context.Background()
	m, _ := openTest(t)
	hosts := []hostsync.Host{{ID: "a", Seq: 1, State: hostsync.StateActive, UserName: "a"}, {ID: "b", Seq: 2, State: hostsync.StateActive, UserName: "b"}}
	steps := []struct {
		name  string
		batch Batch
		want  []string
	}{
		{"create", Batch{Hosts: hosts, Groups: []hostsync.Group{{ID: "g", Seq: 3, DisplayName: "Sales", Members: []string{"b", "a"}}}}, []string{"b", "a"}},
		{"stale update ignored", Batch{Groups: []hostsync.Group{{ID: "g", Seq: 2, DisplayName: "Old", Members: []string{"a"}}}}, []string{"b", "a"}},
		{"remove a member", Batch{Groups: []hostsync.Group{{ID: "g", Seq: 4, DisplayName: "Sales", Members: []string{"a"}}}}, []string{"a"}},
		{"deleted host leaves the list", Batch{Hosts: []hostsync.Host{{ID: "a", Seq: 5, State: hostsync.StateDeleted, UserName: "a"}}}, nil},
		{"restored host comes back", Batch{Hosts: []hostsync.Host{{ID: "a", Seq: 6, State: hostsync.StateActive, UserName: "a"}}}, []string{"a"}},
	}
	for _, s := range steps {
		if err := m.Apply(ctx, s.batch); err != nil {
			t.Fatalf("%s: Apply: %v", s.name, err)
		}
		g, err := m.Group(ctx, "g")
		if err != nil {
			t.Fatalf("%s: Group: %v", s.name, err)
		}
		if len(g.Members) != len(s.want) || (len(s.want) > 0 && g.Members[0] != s.want[0]) {
			t.Fatalf("%s: members = %v, want %v", s.name, g.Members, s.want)
		}
		if g.DisplayName != "Sales" {
			t.Fatalf("%s: displayName = %q, want Sales", s.name, g.DisplayName)
		}
	}
	d, err := m.HostDetail(ctx, "a")
	if err != nil || len(d.Groups) != 1 || d.Groups[0].DisplayName != "Sales" {
		t.Fatalf("HostDetail(a).Groups = %+v, %v; want [Sales]", d, err)
	}
}

// TestMigrateVersion1Mirror opens a mirror written by the first schema (its
// search index kept by triggers) and checks that searches still follow
// changes once Apply keeps the index itself.
func TestMigrateVersion1Mirror(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	dsn, err := sqlitedb.DSN(path, durability)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	v1, err := migrations.ReadFile("migrations/001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{string(v1), "PRAGMA user_version = 1",
		`INSERT INTO hosts(id, seq, state, user_name, display_name, resource) VALUES ('a', 1, 'active', 'ann@x', 'Ann Old', '{"userName":"ann@x"}')`,
		`INSERT INTO sync_state(name, value) VALUES ('changes_cursor', 1)`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("version 1 mirror: %v", err)
		}
	}
	db.Close()

	m, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer m.Close()
	if n, err := m.CountHosts(ctx, hostsync.HostFilter{Search: "old"}); err != nil || n != 1 {
		t.Fatalf("search before the change = %d, %v; want 1", n, err)
	}
	if d, err := m.HostDetail(ctx, "a"); err != nil || string(d.Host.Resource) != `{"userName":"ann@x"}` {
		t.Fatalf("resource after the migrations = %v, %v", d, err)
	}
	if err := m.Apply(ctx, Batch{Hosts: []hostsync.Host{{ID: "a", Seq: 2, State: hostsync.StateActive, UserName: "ann@x", DisplayName: "Ann New"},
		{ID: "b", Seq: 2, State: hostsync.StateActive, UserName: "bo@x", DisplayName: "Bo New"}}}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if d, err := m.HostDetail(ctx, "b"); err != nil || string(d.Host.Resource) != "{}" {
		t.Fatalf("resource of a host sent without one = %v, %v", d, err)
	}
	for search, want := range map[string]int{"old": 0, "new": 2, "ann new": 1} {
		if n, err := m.CountHosts(ctx, hostsync.HostFilter{Search: search}); err != nil || n != want {
			t.Errorf("search %q after the change = %d, %v; want %d", search, n, err, want)
		}
	}
}
