package pgstore

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/visitly/hostsync/storage/pgtest"

	"github.com/visitly/hostsync"
)

// TestSynchronousCommitIsOn: even when the database's default is off, the
// store's connections commit synchronously: an acknowledged write is on disk.
func TestSynchronousCommitIsOn(t *testing.T) {
	url := pgtest.Database(t)
	c := sqlConn(t, url)
	var name string
	if err := c.QueryRow(ctxBg, "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctxBg, "ALTER DATABASE "+name+" SET synchronous_commit = off"); err != nil {
		t.Fatal(err)
	}
	s := openURL(t, url)
	for range 3 { // several pool connections
		var v string
		if err := s.pool.QueryRow(ctxBg, "SHOW synchronous_commit").Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v != "on" {
			t.Fatalf("synchronous_commit = %q on a pool connection, want on", v)
		}
		if err := s.pool.QueryRow(ctxBg, "SHOW idle_in_transaction_session_timeout").Scan(&v); err != nil || v != "30s" {
			t.Fatalf("idle_in_transaction_session_timeout = %q, %v; want 30s", v, err)
		}
	}
}

// TestEveryTableHasATenant: every table the migrations make has a tenant
// column, first in its primary key, except schema_migrations, whose one
// schema every tenant shares.
func TestEveryTableHasATenant(t *testing.T) {
	_, url := openTest(t)
	c := sqlConn(t, url)
	rows, err := c.Query(ctxBg, `SELECT t.table_name,
		EXISTS (SELECT 1 FROM information_schema.columns c WHERE c.table_schema = t.table_schema
			AND c.table_name = t.table_name AND c.column_name = 'tenant'),
		coalesce((SELECT a.attname = 'tenant' FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
			AND a.attnum = i.indkey[0] WHERE i.indrelid = (t.table_schema || '.' || t.table_name)::regclass
			AND i.indisprimary), false)
		FROM information_schema.tables t WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE'
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var table string
		var has, first bool
		if err := rows.Scan(&table, &has, &first); err != nil {
			t.Fatal(err)
		}
		if table == "schema_migrations" {
			continue
		}
		n++
		if !has || !first {
			t.Errorf("table %s: tenant column %v, first in the primary key %v", table, has, first)
		}
	}
	if n < 7 { // activity, hosts, groups, memberships, api_keys, admin_token, rejected_calls
		t.Errorf("only %d tables checked", n)
	}
	// Every unique index leads with tenant too.
	var bad []string
	rows, err = c.Query(ctxBg, `SELECT indexrelid::regclass::text FROM pg_index i JOIN pg_attribute a
		ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
		WHERE i.indisunique AND i.indrelid::regclass::text <> 'schema_migrations'
		AND i.indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace) AND a.attname <> 'tenant'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var idx string
		rows.Scan(&idx)
		bad = append(bad, idx)
	}
	if len(bad) > 0 {
		t.Errorf("unique indexes without tenant first: %v", bad)
	}
}

// TestMigrationsRunOnceWhenReplicasStartTogether: Opens racing on an empty
// database apply each step once (the advisory lock), and a program older
// than the schema refuses to start.
func TestMigrationsRunOnceWhenReplicasStartTogether(t *testing.T) {
	url := pgtest.Database(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(ctxBg, url)
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
	}
	c := sqlConn(t, url)
	var n, max int
	if err := c.QueryRow(ctxBg, "SELECT count(*), max(version) FROM schema_migrations").Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	if n != SchemaVersion() || max != SchemaVersion() {
		t.Errorf("schema_migrations has %d rows up to %d, want %d", n, max, SchemaVersion())
	}

	// A newer program migrated further.
	if _, err := c.Exec(ctxBg, "INSERT INTO schema_migrations (version, name) VALUES ($1, 'from_the_future.sql')", SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctxBg, url)
	if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), "upgrade this program") {
		t.Fatalf("Open over a newer schema: %v, want ErrSchemaTooNew saying to upgrade", err)
	}
}

// TestRevokedKeyIsRefusedByAnotherProcess: a key revoked through one Store
// is refused by another on the same database within a second (NOTIFY makes
// it at once; the cache's TTL bounds it should a notification be lost),
// and a key created by one works in the other at once.
func TestRevokedKeyIsRefusedByAnotherProcess(t *testing.T) {
	a, url := openTest(t)
	b := openURL(t, url)
	waitListening(t, b)
	secret, key, err := a.CreateAPIKey(ctxBg, admin, "Azure AD", hostsync.IdPAzureAD)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.AuthenticateAPIKey(ctxBg, secret); err != nil {
		t.Fatalf("the other process does not know a new key: %v", err)
	}
	// Warm b's cache so that only an invalidation can make it refuse.
	for range 3 {
		if _, err := b.AuthenticateAPIKey(ctxBg, secret); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.RevokeAPIKey(ctxBg, admin, key.ID); err != nil {
		t.Fatal(err)
	}
	revoked := time.Now()
	for {
		_, err := b.AuthenticateAPIKey(ctxBg, secret)
		if errors.Is(err, hostsync.ErrUnauthorized) {
			break
		}
		if time.Since(revoked) > time.Second {
			t.Fatalf("the other process still accepts a revoked key after %v (%v)", time.Since(revoked), err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("refused by the other process %v after the revoke", time.Since(revoked).Round(time.Millisecond))

	// Without NOTIFY (the listener gone), the TTL alone bounds it.
	c, key2 := mustKey(t, a)
	b.closing() // stops b's listener and flusher
	b.wg.Wait()
	if _, err := b.AuthenticateAPIKey(ctxBg, c); err != nil {
		t.Fatal(err)
	}
	if _, err := a.RevokeAPIKey(ctxBg, admin, key2.ID); err != nil {
		t.Fatal(err)
	}
	revoked = time.Now()
	for !errors.Is(func() error { _, err := b.AuthenticateAPIKey(ctxBg, c); return err }(), hostsync.ErrUnauthorized) {
		if time.Since(revoked) > time.Second {
			t.Fatalf("without notifications a revoked key still works after %v", time.Since(revoked))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mustKey(t *testing.T, s *Store) (string, hostsync.APIKey) {
	t.Helper()
	secret, key, err := s.CreateAPIKey(ctxBg, admin, "key", hostsync.IdPOkta)
	if err != nil {
		t.Fatal(err)
	}
	return secret, key
}

func waitListening(t *testing.T, s *Store) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !s.listening.Load(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the key listener did not start")
		}
	}
}

// TestConflictsAreTyped: unique violations, unknown ids and bad members
// come back as the domain's typed errors, and a full disk as ErrNoSpace.
func TestConflictsAreTyped(t *testing.T) {
	s, _ := openTest(t)
	ann := mustCreateHost(t, s, okta, "ann@example.com")
	bob := mustCreateHost(t, s, azure, "bob@example.com")
	g, err := s.CreateGroup(ctxBg, azure, &hostsync.GroupRecord{DisplayName: "Sales", Attrs: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want error
		kind any
	}{
		{"a new host's taken userName", func() error {
			_, err := s.CreateHost(ctxBg, azure, hostDoc("Ann@Example.com", true))
			if c := (*hostsync.ConflictError)(nil); errors.As(err, &c) && c.HolderIdP != hostsync.IdPOkta {
				return fmt.Errorf("HolderIdP %q, want okta", c.HolderIdP)
			}
			return err
		}(), hostsync.ErrConflict, nil},
		{"an update to a taken userName", func() error {
			_, err := s.UpdateHost(ctxBg, azure, bob.ID, func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
				cur.UserName = "ANN@example.com"
				return cur, nil
			})
			return err
		}(), hostsync.ErrConflict, nil},
		{"a taken group displayName", func() error {
			_, err := s.CreateGroup(ctxBg, azure, &hostsync.GroupRecord{DisplayName: "sales", Attrs: []byte(`{}`)})
			return err
		}(), hostsync.ErrConflict, nil},
		{"a rename to a taken group displayName", func() error {
			o, err := s.CreateGroup(ctxBg, azure, &hostsync.GroupRecord{DisplayName: "Ops", Attrs: []byte(`{}`)})
			if err != nil {
				return err
			}
			_, err = s.UpdateGroup(ctxBg, azure, o.ID, func(cur *hostsync.GroupRecord) (*hostsync.GroupChange, error) {
				return &hostsync.GroupChange{DisplayName: "SALES", Attrs: []byte(`{}`)}, nil
			})
			return err
		}(), hostsync.ErrConflict, nil},
		{"an unknown host", func() error { _, err := s.GetHost(ctxBg, "nope"); return err }(), hostsync.ErrNotFound, nil},
		{"an update of an unknown host", func() error {
			_, err := s.UpdateHost(ctxBg, azure, "nope", withTitle("x"))
			return err
		}(), hostsync.ErrNotFound, nil},
		{"a delete of an unknown host", s.DeleteHost(ctxBg, azure, "nope"), hostsync.ErrNotFound, nil},
		{"an unknown group", func() error { _, err := s.GetGroup(ctxBg, "nope", true); return err }(), hostsync.ErrNotFound, nil},
		{"an unknown key", func() error { _, err := s.RevokeAPIKey(ctxBg, admin, "99"); return err }(), hostsync.ErrNotFound, nil},
		{"a member that is no host", func() error {
			_, err := s.UpdateGroup(ctxBg, azure, g.ID, func(*hostsync.GroupRecord) (*hostsync.GroupChange, error) {
				return &hostsync.GroupChange{Add: []string{ann.ID, "nope"}}, nil
			})
			return err
		}(), hostsync.ErrInvalidMember, nil},
		{"a wrong API key", func() error { _, err := s.AuthenticateAPIKey(ctxBg, "vhs_wrong"); return err }(), hostsync.ErrUnauthorized, nil},
		{"a wrong admin token", s.AuthenticateAdmin(ctxBg, "vha_wrong"), hostsync.ErrUnauthorized, nil},
		{"an unknown IdP", func() error { _, _, err := s.CreateAPIKey(ctxBg, admin, "x", "ping"); return err }(), hostsync.ErrUnknownIdP, nil},
		{"a full disk", fail("create host", &pgconn.PgError{Code: "53100", Message: "could not extend file"}), hostsync.ErrNoSpace, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, tt.want) {
				t.Errorf("error %v, want %v", tt.err, tt.want)
			}
		})
	}
	// Nothing half-written: the bad member left the group empty.
	got, err := s.GetGroup(ctxBg, g.ID, true)
	if err != nil || len(got.Members) != 0 {
		t.Errorf("group after a refused change: %+v, %v", got, err)
	}
}

// TestNewKeyWorksAtOnceInAnotherProcess: a key just created by another
// process works even before its notification arrives (here: never, the
// listener is stopped) and with a warm cache: a miss reloads.
func TestNewKeyWorksAtOnceInAnotherProcess(t *testing.T) {
	a, url := openTest(t)
	b := openURL(t, url)
	b.closing() // no notifications
	b.wg.Wait()
	if _, err := b.KeyIdPs(ctxBg); err != nil { // warm the cache
		t.Fatal(err)
	}
	secret, key := mustKey(t, a)
	got, err := b.AuthenticateAPIKey(ctxBg, secret)
	if err != nil || got.ID != key.ID || got.IdP != hostsync.IdPOkta {
		t.Fatalf("AuthenticateAPIKey = %+v, %v; want key %s", got, err, key.ID)
	}
	token, err := a.RotateAdminToken(ctxBg, admin)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.AuthenticateAdmin(ctxBg, token); err != nil {
		t.Errorf("a new admin token: %v", err)
	}
}
