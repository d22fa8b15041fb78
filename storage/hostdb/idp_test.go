package hostdb

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/visitly/hostsync"
	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// TestMigratingAnOldDatabase opens a file made by the schema before IdPs
// (version 1) with data as the service wrote it then: its keys become Azure
// AD's (the only page that made keys), its hosts get the IdP of the key that
// created them (the command line's keep none), and the last refusals logged
// are there for the status after the upgrade.
func TestMigratingAnOldDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	init, err := migrationFiles.ReadFile("migrations/001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	old := sqlitedb.Schema{FS: fstest.MapFS{"m/001_init.sql": {Data: init}}, Dir: "m"}
	dsn, err := sqlitedb.DSN(path, sqlitedb.SurvivesCrash)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlitedb.OpenWriter(ctx, dsn, old)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO api_keys (id, label, prefix, hash, created, last_used) VALUES (1, 'Azure AD', 'vhs_aaaa', x'01', 1, 5), (2, 'Second', 'vhs_bbbb', x'02', 2, NULL)`,
		`INSERT INTO activity (seq, at, actor, actor_name, action, resource_type, resource_id, user_name, detail) VALUES
			(1, 10, 'apikey:1', 'Azure AD (key #1)', 'host.created', 'User', 'h-ann', 'ann', ''),
			(2, 11, 'cli', 'Command line', 'host.created', 'User', 'h-cli', 'cli', ''),
			(3, 12, 'apikey:2', 'Second (key #2)', 'host.created', 'User', 'h-bob', 'bob', ''),
			(4, 13, 'apikey:2', 'Second (key #2)', 'host.updated', 'User', 'h-ann', 'ann', ''),
			(5, 14, 'system', 'System', 'auth.rejected', 'Auth', '10.0.0.1', '', 'unknown or revoked API key (from 10.0.0.1)'),
			(6, 15, 'system', 'System', 'auth.rejected', 'Auth', '10.0.0.2', '', 'admin API: wrong admin credential (from 10.0.0.2)'),
			(7, 16, 'system', 'System', 'auth.rejected', 'Auth', '10.0.0.3', '', 'no bearer token (from 10.0.0.3)')`,
		`INSERT INTO hosts (id, seq, state, user_name, user_name_key, display_name, active, attrs, created, modified) VALUES
			('h-ann', 4, 'active', 'ann', 'ann', 'Ann Lee', 1, '{"userName":"ann"}', 10, 13),
			('h-cli', 2, 'active', 'cli', 'cli', '', 1, '{"userName":"cli"}', 11, 11),
			('h-bob', 3, 'active', 'bob', 'bob', 'Bob', 1, '{"userName":"bob"}', 12, 12)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("open the old file: %v", err)
	}
	defer s.Close()
	keys, err := s.ListAPIKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].IdP != hostsync.IdPAzureAD || keys[1].IdP != hostsync.IdPAzureAD {
		t.Errorf("keys after migration %+v: want both Azure AD's", keys)
	}
	for id, want := range map[string]hostsync.IdP{"h-ann": hostsync.IdPAzureAD, "h-bob": hostsync.IdPAzureAD, "h-cli": ""} {
		h, err := s.AdminHost(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if h.IdP != want {
			t.Errorf("host %s: IdP %q, want %q", id, h.IdP, want)
		}
	}
	scim, adm, err := s.LastRejected(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if scim == nil || scim.Remote != "10.0.0.3" || !scim.At.Equal(time.UnixMilli(16)) || scim.Admin {
		t.Errorf("last SCIM refusal %+v: want the one from 10.0.0.3", scim)
	}
	if adm == nil || adm.Remote != "10.0.0.2" || !adm.Admin {
		t.Errorf("last admin refusal %+v: want the one from 10.0.0.2", adm)
	}
	changes, err := s.LastChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c := changes[hostsync.IdPAzureAD]; c.Seq != 4 || c.Action != hostsync.ActionHostUpdated || c.Target != "Ann Lee" || c.Actor != "apikey:2" {
		t.Errorf("Azure AD's last change %+v: want seq 4, host.updated of Ann Lee by apikey:2", c)
	}
}

func TestKeyIdPRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	secret, key, err := s.CreateAPIKey(ctx, admin, "Okta", hostsync.IdPOkta)
	if err != nil || key.IdP != hostsync.IdPOkta {
		t.Fatalf("CreateAPIKey: %+v, %v", key, err)
	}
	if _, _, err := s.CreateAPIKey(ctx, admin, "x", "google"); !errors.Is(err, hostsync.ErrUnknownIdP) {
		t.Errorf("CreateAPIKey for google: %v, want hostsync.ErrUnknownIdP", err)
	}
	if _, _, err := s.CreateAPIKey(ctx, admin, "x", ""); !errors.Is(err, hostsync.ErrUnknownIdP) {
		t.Errorf("CreateAPIKey without an IdP: %v, want hostsync.ErrUnknownIdP", err)
	}
	got, err := s.AuthenticateAPIKey(ctx, secret)
	if err != nil || got.IdP != hostsync.IdPOkta {
		t.Fatalf("AuthenticateAPIKey: %+v, %v", got, err)
	}
	s.NoteCall(got, "PATCH", "/Users/x")
	a := hostsync.Actor{Kind: hostsync.ActorAPIKey, ID: got.ID, IdP: got.IdP}
	h, err := s.CreateHost(ctx, a, hostDoc("ann", true, nil))
	if err != nil || h.IdP != hostsync.IdPOkta {
		t.Fatalf("CreateHost by an Okta key: %+v, %v", h, err)
	}
	if _, err := s.CreateHost(ctx, azure, hostDoc("ANN", true, nil)); !errors.Is(err, hostsync.ErrConflict) {
		t.Fatalf("second ann: %v, want a conflict", err)
	} else if c := (*hostsync.ConflictError)(nil); !errors.As(err, &c) || c.HolderIdP != hostsync.IdPOkta {
		t.Errorf("conflict %+v: want it to name Okta as the holder's IdP", c)
	}
	cli, err := s.CreateHost(ctx, hostsync.Actor{Kind: hostsync.ActorCLI}, hostDoc("cli", true, nil))
	if err != nil || cli.IdP != "" {
		t.Fatalf("CreateHost by the command line: %+v, %v", cli, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	keys, err := s2.ListAPIKeys(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %+v, %v", keys, err)
	}
	if k := keys[0]; k.IdP != hostsync.IdPOkta || k.LastMethod != "PATCH" || k.LastPath != "/Users/x" || !k.LastUsed.Equal(got.LastUsed) {
		t.Errorf("key after reopening %+v: want Okta's, last used for PATCH /Users/x at %v", k, got.LastUsed)
	}
	back, err := s2.AdminHost(ctx, h.ID)
	if err != nil || back.IdP != hostsync.IdPOkta {
		t.Errorf("host after reopening: %+v, %v", back, err)
	}
	changes, err := s2.LastChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := changes[hostsync.IdPOkta]; !ok || c.Action != hostsync.ActionHostCreated || c.Target != "Name of ann" || len(changes) != 1 {
		t.Errorf("last changes after reopening %+v: want only Okta's creation of ann (the command line is no IdP)", changes)
	}
}

// TestLastChangeFollowsCommits: a change is an IdP's last only once
// committed, and a failed write leaves the last change as it was.
func TestLastChangeFollowsCommits(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	okta := hostsync.Actor{Kind: hostsync.ActorAPIKey, ID: "7", IdP: hostsync.IdPOkta}
	if ch, err := s.LastChanges(ctx); err != nil || len(ch) != 0 {
		t.Fatalf("a new store's last changes: %v, %v", ch, err)
	}
	h := mustCreateHostAs(t, s, okta, "ann")
	if _, err := s.CreateHost(ctx, okta, hostDoc("ann", true, nil)); err == nil {
		t.Fatal("a second ann was created")
	}
	ch, _ := s.LastChanges(ctx)
	if c := ch[hostsync.IdPOkta]; c.Seq != h.Seq || c.Action != hostsync.ActionHostCreated {
		t.Errorf("after a refused create: %+v, want the creation of ann (seq %d)", c, h.Seq)
	}
	if err := s.DeleteHost(ctx, okta, h.ID); err != nil {
		t.Fatal(err)
	}
	ch, _ = s.LastChanges(ctx)
	if c := ch[hostsync.IdPOkta]; c.Action != hostsync.ActionHostDeleted || c.Target != "Name of ann" || c.Actor != "apikey:7" {
		t.Errorf("after the delete: %+v", c)
	}
}

func mustCreateHostAs(t *testing.T, s *Store, a hostsync.Actor, userName string) *hostsync.HostRecord {
	t.Helper()
	h, err := s.CreateHost(context.Background(), a, hostDoc(userName, true, nil))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestRejectedCallsPerDoor(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	s.RecordRejected(ctx, hostsync.RejectedCall{Method: "GET", Path: "/v1/usersync/SCIM/Users", Remote: "10.0.0.1", Reason: "unknown or revoked API key"})
	// The same second: another door is not throttled by the first.
	s.RecordRejected(ctx, hostsync.RejectedCall{Admin: true, Method: "GET", Path: "/v1/admin/status", Remote: "127.0.0.1", Reason: "wrong admin credential"})
	evs := events(t, s)
	if len(evs) != 2 || evs[0].Detail != `unknown or revoked API key: GET "/v1/usersync/SCIM/Users" (from 10.0.0.1)` ||
		evs[1].Detail != `admin API: wrong admin credential: GET "/v1/admin/status" (from 127.0.0.1)` {
		t.Fatalf("events %+v", evs)
	}
	s.Close()
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	scim, adm, err := s2.LastRejected(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if scim == nil || scim.Admin || scim.Method != "GET" || scim.Path != "/v1/usersync/SCIM/Users" || scim.Remote != "10.0.0.1" {
		t.Errorf("SCIM refusal after reopening: %+v", scim)
	}
	if adm == nil || !adm.Admin || adm.Path != "/v1/admin/status" || adm.Reason != "wrong admin credential" {
		t.Errorf("admin refusal after reopening: %+v", adm)
	}
}

// TestLastChangesAcrossRestarts: a process writes the IdPs' last changes at
// close; the next reads them from there and the activity log only after
// them, so a change made by a process that did not write them is found too.
func TestLastChangesAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hostsync.db")
	okta := hostsync.Actor{Kind: hostsync.ActorAPIKey, ID: "1", IdP: hostsync.IdPOkta}
	onelogin := hostsync.Actor{Kind: hostsync.ActorAPIKey, ID: "2", IdP: hostsync.IdPOneLogin}
	run := func(fn func(s *Store)) {
		t.Helper()
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		fn(s)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	run(func(s *Store) {
		for _, p := range []hostsync.IdP{hostsync.IdPOkta, hostsync.IdPOneLogin} {
			if _, _, err := s.CreateAPIKey(ctx, admin, string(p), p); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.LastChanges(ctx); err != nil { // seeded: Close writes them
			t.Fatal(err)
		}
		mustCreateHostAs(t, s, okta, "ann")
	})
	run(func(s *Store) {
		var n int
		if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM idp_last_changes WHERE idp = 'okta'").Scan(&n); err != nil || n != 1 {
			t.Errorf("Okta's last change stored: %d rows, %v", n, err)
		}
		// Not seeded here: this process's change is in the log only.
		mustCreateHostAs(t, s, onelogin, "bob")
	})
	run(func(s *Store) {
		ch, err := s.LastChanges(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ch[hostsync.IdPOkta].Target != "Name of ann" || ch[hostsync.IdPOneLogin].Target != "Name of bob" || len(ch) != 2 {
			t.Errorf("last changes %+v: want Okta's ann (from the table) and OneLogin's bob (from the log)", ch)
		}
	})
	// What the table says is believed, and the log before it is not read.
	run(func(s *Store) {
		if _, err := s.w.ExecContext(ctx, `UPDATE idp_last_changes SET target = 'from the table'`); err != nil {
			t.Fatal(err)
		}
	})
	run(func(s *Store) {
		ch, _ := s.LastChanges(ctx)
		if ch[hostsync.IdPOkta].Target != "from the table" {
			t.Errorf("Okta's last change %+v: want the stored one", ch[hostsync.IdPOkta])
		}
	})
}
