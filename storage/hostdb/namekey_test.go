package hostdb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/visitly/hostsync"

	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// Names people cannot tell apart are one name: the second host or group is
// a conflict, and a lookup by either spelling finds the first, from SQLite
// and from the host cache alike.
func TestLookalikeNamesAreOneName(t *testing.T) {
	for _, cache := range []bool{false, true} {
		t.Run(map[bool]string{false: "SQLite", true: "host cache"}[cache], func(t *testing.T) {
			ctx := context.Background()
			s, _ := openTest(t)
			if !cache {
				s.SetHostCacheLimit(0)
			}
			for _, pair := range [][2]string{
				{"ann@contoso.example", "\uff41nn@contoso.example"},  // fullwidth a
				{"bob@contoso.example", "bo\u200bb@contoso.example"}, // zero-width space
				{"jos\u00e9@contoso.example", "JOSE\u0301@contoso.example"},
				{"strau\u00df@contoso.example", "STRAUSS@contoso.example"},
				{"\u212aim@contoso.example", "kim@contoso.example"}, // Kelvin sign
			} {
				first, err := s.CreateHost(ctx, azure, hostDoc(pair[0], true, nil))
				if err != nil {
					t.Fatal(err)
				}
				_, err = s.CreateHost(ctx, azure, hostDoc(pair[1], true, nil))
				var ce *hostsync.ConflictError
				if !errors.As(err, &ce) || ce.Field != "userName" {
					t.Errorf("create %+q after %+q: err = %v, want a userName conflict", pair[1], pair[0], err)
				}
				if cache {
					waitCacheOn(t, s)
				}
				for _, name := range pair {
					hosts, total, err := s.QueryHosts(ctx, hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldUserName, Value: name}}, Count: 10})
					if err != nil || total != 1 || len(hosts) != 1 || hosts[0].ID != first.ID {
						t.Errorf("userName eq %+q: %d hosts (err %v), want %s", name, total, err, first.ID)
					}
				}
			}
			g, err := s.CreateGroup(ctx, azure, &hostsync.GroupRecord{DisplayName: "Visitors", Attrs: json.RawMessage(`{"displayName":"Visitors"}`)})
			if err != nil {
				t.Fatal(err)
			}
			var ce *hostsync.ConflictError
			if _, err := s.CreateGroup(ctx, azure, &hostsync.GroupRecord{DisplayName: "\uff36ISITORS", Attrs: json.RawMessage(`{}`)}); !errors.As(err, &ce) {
				t.Errorf("second group: err = %v, want a conflict", err)
			}
			groups, total, err := s.QueryGroups(ctx, hostsync.GroupQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldDisplayName, Value: "\uff56isitors"}}, Count: 10})
			if err != nil || total != 1 || groups[0].ID != g.ID {
				t.Errorf("displayName eq fullwidth: %d groups (err %v), want %s", total, err, g.ID)
			}
		})
	}
}

func attrsOf(userName string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"userName": userName, "active": true})
	return b
}

// TestMigrationRekeysNames opens a file of schema version 2, whose keys are
// strings.ToLower of the names, with names that the new key makes equal.
func TestMigrationRekeysNames(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v2.db")
	fsys := fstest.MapFS{}
	for _, f := range []string{"001_init.sql", "002_idp.sql"} {
		b, err := migrationFiles.ReadFile("migrations/" + f)
		if err != nil {
			t.Fatal(err)
		}
		fsys["m/"+f] = &fstest.MapFile{Data: b}
	}
	dsn, err := sqlitedb.DSN(path, sqlitedb.SurvivesCrash)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlitedb.OpenWriter(ctx, dsn, sqlitedb.Schema{FS: fsys, Dir: "m"})
	if err != nil {
		t.Fatal(err)
	}
	hosts := []struct {
		n                int
		id, name, oldKey string
		deleted          bool
		wantKey          string
	}{
		// The older keeps the key it already has; the newer keeps its own.
		{1, "ann", "ann", "ann", false, "ann"},
		{2, "ann-fw", "\uff41nn", "\uff41nn", false, "\uff41nn"},
		// The newer already has the key: it keeps it, the older keeps its own.
		{3, "bob-fw", "\uff42ob", "\uff42ob", false, "\uff42ob"},
		{4, "bob", "Bob", "bob", false, "bob"},
		// Neither has it: the older takes it.
		{5, "carl-fw", "\uff43arl", "\uff43arl", false, "carl"},
		{6, "carl-zw", "ca\u200brl", "ca\u200brl", false, "ca\u200brl"},
		// Deleted and alone: rekeyed.
		{7, "dave", "\uff44ave", "\uff44ave", true, "dave"},
		{8, "jose", "Jose\u0301", "jose\u0301", false, "jos\u00e9"},
		// The dotted capital I: ToLower gives "i", the new key i + U+0307,
		// which another host already has; and "i" is the new key of a third.
		{9, "dotted", "\u0130", "i", false, "\x01dotted"},
		{10, "i-dot", "i\u0307", "i\u0307", false, "i\u0307"},
		{11, "i-fw", "\uff49", "\uff49", false, "i"},
	}
	for _, h := range hosts {
		deleted := any(nil)
		if h.deleted {
			deleted = 5
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO hosts (n, id, seq, state, user_name, user_name_key, display_name, active, attrs, created, modified, deleted_at)
			VALUES (?, ?, 0, 'active', ?, ?, '', 1, ?, 1, 1, ?)`, h.n, h.id, h.name, h.oldKey, string(attrsOf(h.name)), deleted); err != nil {
			t.Fatal(err)
		}
	}
	const staffFW = "\uff33\uff34\uff21\uff26\uff26" // ＳＴＡＦＦ
	if _, err := db.ExecContext(ctx, `INSERT INTO groups (n, id, seq, display_name, display_name_key, attrs, created, modified) VALUES
		(1, 'staff', 0, 'Staff', 'staff', '{"displayName":"Staff"}', 1, 1), (2, 'staff-fw', 0, ?, ?, '{}', 1, 1)`,
		staffFW, strings.ToLower(staffFW)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	var logged bytes.Buffer
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(&logged, nil)))
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("open the version 2 file: %v", err)
	}
	defer s.Close()

	for _, h := range hosts {
		var key string
		if err := s.w.QueryRowContext(ctx, "SELECT user_name_key FROM hosts WHERE id = ?", h.id).Scan(&key); err != nil {
			t.Fatal(err)
		}
		if key != h.wantKey {
			t.Errorf("host %s (%+q): key %+q, want %+q", h.id, h.name, key, h.wantKey)
		}
	}
	var gkey string
	if err := s.w.QueryRowContext(ctx, "SELECT group_concat(display_name_key, '|') FROM (SELECT display_name_key FROM groups ORDER BY n)").Scan(&gkey); err != nil {
		t.Fatal(err)
	}
	if want := "staff|\uff53\uff54\uff41\uff46\uff46"; gkey != want {
		t.Errorf("group keys %+q, want %+q", gkey, want)
	}
	for _, pair := range [][2]string{{"ann", "ann-fw"}, {"bob", "bob-fw"}, {"carl-fw", "carl-zw"}, {"i-dot", "dotted"}, {"staff", "staff-fw"}} {
		if !strings.Contains(logged.String(), "kept_id="+pair[0]) || !strings.Contains(logged.String(), "other_id="+pair[1]) {
			t.Errorf("no warning naming %s (kept) and %s (other) in:\n%s", pair[0], pair[1], logged.String())
		}
	}
	if n := strings.Count(logged.String(), "level=WARN"); n != 5 {
		t.Errorf("%d warnings, want 5:\n%s", n, logged.String())
	}

	// The host that kept its old key is found by neither spelling (both
	// find the first), from the cache as from SQL (a second store on the
	// file, its cache off); it can still be changed, and a rename rekeys it.
	noCache, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer noCache.Close()
	noCache.SetHostCacheLimit(0)
	waitCacheOn(t, s)
	checkCacheMatchesDB(t, s)
	for st, from := range map[*Store]string{s: "cache", noCache: "SQLite"} {
		for _, name := range []string{"ANN", "\uff41nn"} {
			got, total, err := st.QueryHosts(ctx, hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldUserName, Value: name}}, Count: 10})
			if err != nil || total != 1 || got[0].ID != "ann" {
				t.Errorf("%s: userName eq %+q: %d hosts (err %v), want ann", from, name, total, err)
			}
		}
		got, total, err := st.QueryHosts(ctx, hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldID, Value: "ann-fw"}, {Field: hostsync.FieldUserName, Value: "ann"}}, Count: 10})
		if err != nil || total != 0 {
			t.Errorf("%s: id ann-fw and userName ann: %d hosts %v (err %v), want none", from, total, got, err)
		}
	}
	if _, err := s.UpdateHost(ctx, azure, "ann-fw", func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
		cur.DisplayName, cur.Active = "Ann (fullwidth)", false
		return cur, nil
	}); err != nil {
		t.Errorf("deactivate the host that kept its key: %v", err)
	}
	checkCacheMatchesDB(t, s)
	if _, err := s.UpdateGroup(ctx, azure, "staff-fw", func(cur *hostsync.GroupRecord) (*hostsync.GroupChange, error) {
		return &hostsync.GroupChange{DisplayName: cur.DisplayName, ExternalID: "x", Attrs: cur.Attrs}, nil
	}); err != nil {
		t.Errorf("update the group that kept its key: %v", err)
	}
	if _, err := s.UpdateHost(ctx, azure, "ann-fw", func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
		cur.UserName, cur.Attrs = "anna", attrsOf("anna")
		return cur, nil
	}); err != nil {
		t.Fatalf("rename: %v", err)
	}
	checkCacheMatchesDB(t, s)
	got, total, err := s.QueryHosts(ctx, hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldUserName, Value: "ANNA"}}, Count: 10})
	if err != nil || total != 1 || got[0].ID != "ann-fw" {
		t.Errorf("after the rename, userName eq ANNA: %d hosts (err %v), want ann-fw", total, err)
	}
	var ce *hostsync.ConflictError
	if _, err := s.CreateHost(ctx, azure, &hostsync.HostRecord{UserName: "\uff21NN", Active: true, Attrs: attrsOf("\uff21NN")}); !errors.As(err, &ce) {
		t.Errorf("create ＡNN: err = %v, want a conflict with ann", err)
	}
}
