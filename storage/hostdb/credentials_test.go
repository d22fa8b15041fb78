package hostdb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/visitly/hostsync"
)

// keyDB is a stopped service's database with three keys and an admin
// credential, and a backup of it taken before key b was revoked and the
// admin credential rotated; key c came after the backup.
type keyDB struct {
	live, backup   string
	a, b           string // secrets of keys in the backup
	bID            string
	token1, token2 string // the admin credential in the backup, and since
	revokedB       hostsync.APIKey
}

func newKeyDB(t *testing.T) keyDB {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	k := keyDB{live: filepath.Join(dir, "hostsync.db"), backup: filepath.Join(dir, "b.db")}
	s, err := Open(ctx, k.live)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustCreateHost(t, s, "alice", nil)
	k.a, _ = mustCreateKey(t, s, "Azure AD")
	var kb hostsync.APIKey
	k.b, kb = mustCreateKey(t, s, "Okta")
	k.bID = kb.ID
	if k.token1, err = s.RotateAdminToken(ctx, admin); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, k.backup); err != nil {
		t.Fatal(err)
	}
	if k.revokedB, err = s.RevokeAPIKey(ctx, admin, kb.ID); err != nil {
		t.Fatal(err)
	}
	if k.token2, err = s.RotateAdminToken(ctx, admin); err != nil {
		t.Fatal(err)
	}
	mustCreateKey(t, s, "after the backup")
	return k
}

// TestRestoreKeepsRevocations: restoring a genuine older backup over the
// database it came from brings back its hosts, not the key revoked since
// nor the admin credential rotated away; the report lists both and the
// log says so.
func TestRestoreKeepsRevocations(t *testing.T) {
	ctx := context.Background()
	k := newKeyDB(t)
	rep, err := Restore(ctx, k.backup, k.live, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Revoked) != 1 || rep.Revoked[0].ID != k.bID || !rep.Revoked[0].Revoked.Equal(k.revokedB.Revoked) {
		t.Errorf("report's revoked keys %+v, want key %s revoked at %v", rep.Revoked, k.bID, k.revokedB.Revoked)
	}
	if rep.AdminToken.IsZero() || len(rep.Unknown) != 0 || rep.Unread != nil {
		t.Errorf("report %+v, want the newer admin credential kept and no unknown key", rep)
	}
	s, err := Open(ctx, k.live)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.AuthenticateAPIKey(ctx, k.b); !errors.Is(err, hostsync.ErrUnauthorized) {
		t.Errorf("key revoked after the backup: %v, want ErrUnauthorized", err)
	}
	if _, err := s.AuthenticateAPIKey(ctx, k.a); err != nil {
		t.Errorf("key live in both: %v", err)
	}
	if err := s.AuthenticateAdmin(ctx, k.token1); !errors.Is(err, hostsync.ErrUnauthorized) {
		t.Errorf("admin credential rotated away after the backup: %v, want ErrUnauthorized", err)
	}
	if err := s.AuthenticateAdmin(ctx, k.token2); err != nil {
		t.Errorf("the current admin credential: %v", err)
	}
	evs, err := s.Activity(ctx, hostsync.ActivityQuery{Action: hostsync.ActionKeyRevoked})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].ResourceID != k.bID || !strings.Contains(evs[0].Detail, "restore") {
		t.Errorf("revocation events after the restore: %+v", evs)
	}
}

// TestRestoreOfAlteredKeys: a backup in which someone un-revoked a key,
// gave a key another secret, or added a key with a matching log entry.
func TestRestoreOfAlteredKeys(t *testing.T) {
	ctx := context.Background()
	const planted = "vhs_plantedplantedplantedplantedplantedplant"
	sum := sha256.Sum256([]byte(planted))
	tests := []struct {
		name    string
		alter   []string
		refused string // in the error; "" when the restore goes through
		unknown []string
	}{
		{name: "a revoked key made live again in the backup", alter: []string{"UPDATE api_keys SET revoked = NULL"}},
		{name: "a known key given another secret", alter: []string{"UPDATE api_keys SET hash = ?1 WHERE id = 1"},
			refused: "another secret"},
		{name: "a key added with its log entry", alter: []string{
			"INSERT INTO api_keys (id, label, prefix, hash, created, idp) VALUES (99, 'x', 'vhs_plan', ?1, 0, 'azuread')",
			"INSERT INTO activity (at, actor, actor_name, action, resource_type, resource_id) VALUES (1, 'cli', 'x', 'apikey.created', 'Key', '99')"},
			unknown: []string{"99"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKeyDB(t)
			db, err := sql.Open("sqlite", "file:"+k.backup)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range tt.alter {
				if _, err := db.Exec(q, sum[:]); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			db.Close()
			rep, err := Restore(ctx, k.backup, k.live, true)
			if tt.refused != "" {
				if !errors.Is(err, ErrBadBackup) || !strings.Contains(err.Error(), tt.refused) {
					t.Fatalf("Restore = %v, want ErrBadBackup saying %q", err, tt.refused)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var unknown []string
			for _, u := range rep.Unknown {
				unknown = append(unknown, u.ID)
			}
			if !slices.Equal(unknown, tt.unknown) {
				t.Errorf("keys the replaced database never had: %q, want %q", unknown, tt.unknown)
			}
			s, err := Open(ctx, k.live)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.AuthenticateAPIKey(ctx, k.b); !errors.Is(err, hostsync.ErrUnauthorized) {
				t.Errorf("key revoked in the replaced database: %v, want ErrUnauthorized", err)
			}
		})
	}
}

// TestRestoreOfAnOlderSchema: a backup made before the last migration has
// exactly the schema of its version, restores, and is migrated by it.
func TestRestoreOfAnOlderSchema(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	old := filepath.Join(dir, "v1.db")
	first, err := migrationFiles.ReadFile("migrations/001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+old)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{string(first), "PRAGMA user_version = 1"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if err := CheckBackup(ctx, old); err != nil {
		t.Fatalf("CheckBackup of a version-1 file: %v", err)
	}
	live := filepath.Join(dir, "hostsync.db")
	if _, err := Restore(ctx, old, live, false); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, live)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ready(ctx); err != nil {
		t.Errorf("restored version-1 file: %v", err)
	}
}

// TestRestoreOverANewDatabase: over a database that holds no credential
// yet (a service started once on a new machine), the backup's keys come
// back without being listed as unknown, and they work.
func TestRestoreOverANewDatabase(t *testing.T) {
	ctx := context.Background()
	k := newKeyDB(t)
	fresh := filepath.Join(t.TempDir(), "hostsync.db")
	s, err := Open(ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	mustCreateHost(t, s, "made on the new machine", nil)
	s.Close()
	rep, err := Restore(ctx, k.backup, fresh, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Unknown) != 0 || len(rep.Revoked) != 0 || !rep.AdminToken.IsZero() || rep.Kept == "" {
		t.Errorf("report %+v, want the new database kept and nothing else", rep)
	}
	s, err = Open(ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.AuthenticateAPIKey(ctx, k.b); err != nil {
		t.Errorf("the backup's key: %v", err)
	}
}
