package hostdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/visitly/hostsync"
	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

const (
	apiKeyPrefix     = "vhs_"
	adminTokenPrefix = "vha_"
	displayPrefixLen = 8
)

// newSecret returns prefix + 32 random bytes (256 bits) in URL-safe base64,
// and the SHA-256 hash that is all the store keeps of it.
func newSecret(prefix string) (secret string, hash []byte) {
	var b [32]byte
	rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	secret = prefix + base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(secret))
	return secret, sum[:]
}

// CreateAPIKey makes a new key for identity provider idp (one of
// hostsync.IdPs; any other is ErrUnknownIdP). The secret is returned once
// and never stored.
func (s *Store) CreateAPIKey(ctx context.Context, a hostsync.Actor, label string, idp hostsync.IdP) (secret string, key hostsync.APIKey, err error) {
	if err := hostsync.CheckIdP(idp); err != nil {
		return "", hostsync.APIKey{}, fmt.Errorf("hostdb: create API key: %w", err)
	}
	secret, hash := newSecret(apiKeyPrefix)
	key = hostsync.APIKey{Label: label, Prefix: secret[:displayPrefixLen], IdP: idp, Created: now()}
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO api_keys (label, prefix, idp, hash, created) VALUES (?, ?, ?, ?, ?)",
			key.Label, key.Prefix, string(key.IdP), hash, key.Created.UnixMilli())
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		key.ID = strconv.FormatInt(id, 10)
		ev := hostsync.Event{Action: hostsync.ActionKeyCreated, ResourceType: TypeKey, ResourceID: key.ID,
			Detail: "label " + strconv.Quote(label)}
		return s.appendEvent(ctx, tx, a, &ev)
	})
	s.keys.invalidate()
	if err != nil {
		return "", hostsync.APIKey{}, fmt.Errorf("hostdb: create API key: %w", err)
	}
	return secret, key, nil
}

// ListAPIKeys returns every key, revoked ones included, oldest first.
func (s *Store) ListAPIKeys(ctx context.Context) ([]hostsync.APIKey, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+keyColumns+" FROM api_keys ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("hostdb: list API keys: %w", err)
	}
	defer rows.Close()
	var keys []hostsync.APIKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("hostdb: list API keys: %w", err)
		}
		keys = append(keys, s.used.Overlay(k))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("hostdb: list API keys: %w", err)
	}
	return keys, nil
}

const keyColumns = "id, label, prefix, idp, created, last_used, last_method, last_path, revoked"

// scanKey reads keyColumns.
func scanKey(sc sqlitedb.Scanner) (hostsync.APIKey, error) {
	var k hostsync.APIKey
	var id, created int64
	var lastUsed, revoked sql.NullInt64
	if err := sc.Scan(&id, &k.Label, &k.Prefix, &k.IdP, &created, &lastUsed, &k.LastMethod, &k.LastPath, &revoked); err != nil {
		return hostsync.APIKey{}, err
	}
	k.ID = strconv.FormatInt(id, 10)
	k.Created = sqlitedb.Time(created)
	k.LastUsed, k.Revoked = sqlitedb.NullTime(lastUsed), sqlitedb.NullTime(revoked)
	return k, nil
}

// RevokeAPIKey revokes a key; revoking a revoked key is a no-op. Every
// process using the file rejects the key within a second.
func (s *Store) RevokeAPIKey(ctx context.Context, a hostsync.Actor, id string) (hostsync.APIKey, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return hostsync.APIKey{}, fmt.Errorf("hostdb: %w", &hostsync.NotFoundError{Kind: "API key", ID: id})
	}
	var key hostsync.APIKey
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		k, err := scanKey(tx.QueryRowContext(ctx,
			"SELECT "+keyColumns+" FROM api_keys WHERE id = ?", n))
		if errors.Is(err, sql.ErrNoRows) {
			return &hostsync.NotFoundError{Kind: "API key", ID: id}
		}
		if key = k; err != nil || !key.Revoked.IsZero() {
			return err
		}
		key.Revoked = now()
		if _, err := tx.ExecContext(ctx, "UPDATE api_keys SET revoked = ? WHERE id = ?", key.Revoked.UnixMilli(), n); err != nil {
			return err
		}
		ev := hostsync.Event{Action: hostsync.ActionKeyRevoked, ResourceType: TypeKey, ResourceID: key.ID,
			Detail: "label " + strconv.Quote(key.Label)}
		return s.appendEvent(ctx, tx, a, &ev)
	})
	s.keys.invalidate()
	if err != nil {
		return hostsync.APIKey{}, fmt.Errorf("hostdb: revoke API key: %w", err)
	}
	return s.used.Overlay(key), nil
}

// AuthenticateAPIKey returns the live key whose secret this is, or
// ErrUnauthorized. It reads an in-memory cache of the key hashes (at most a
// second old, reloaded on a miss at most every 100 ms) and records the use in
// memory only.
func (s *Store) AuthenticateAPIKey(ctx context.Context, secret string) (hostsync.APIKey, error) {
	return s.authenticateAPIKey(ctx, secret, true)
}

// CheckAPIKey is AuthenticateAPIKey without recording the use: for the
// console's own Test connection, which must not look like the IdP's call.
func (s *Store) CheckAPIKey(ctx context.Context, secret string) (hostsync.APIKey, error) {
	return s.authenticateAPIKey(ctx, secret, false)
}

func (s *Store) authenticateAPIKey(ctx context.Context, secret string, record bool) (hostsync.APIKey, error) {
	if !strings.HasPrefix(secret, apiKeyPrefix) {
		return hostsync.APIKey{}, hostsync.ErrUnauthorized
	}
	snap, err := s.keys.current(ctx, s.r)
	if err != nil {
		return hostsync.APIKey{}, fmt.Errorf("hostdb: authenticate: %w", err)
	}
	sum := sha256.Sum256([]byte(secret))
	found := snap.findKey(sum[:])
	if found < 0 {
		// Perhaps a key the CLI created a moment ago.
		var ok bool
		if snap, ok = s.keys.afterMiss(ctx, s.r, snap); ok {
			found = snap.findKey(sum[:])
		}
	}
	if found < 0 {
		return hostsync.APIKey{}, hostsync.ErrUnauthorized
	}
	key := snap.keys[found].key
	if !record {
		return key, nil
	}
	key.LastUsed = now()
	s.used.Mark(snap.keys[found].id, key.LastUsed, "", "")
	return key, nil
}

// NoteCall records the method and path of the call key (as
// AuthenticateAPIKey returned it) was just used for, so that the key's last
// call can be told after a restart. Like the last-used time, it is written
// to the file within 10 s.
func (s *Store) NoteCall(key hostsync.APIKey, method, path string) {
	id, err := strconv.ParseInt(key.ID, 10, 64)
	if err != nil {
		return
	}
	s.used.Mark(id, key.LastUsed, method, path)
}

// KeyIdPs returns every API key's identity provider by key id, revoked keys'
// too, from the in-memory key cache (at most a second old): what names the
// actor "apikey:3" as "Okta (key #3)" when events and hosts are shown. The
// map is shared: read it, never write it.
func (s *Store) KeyIdPs(ctx context.Context) (map[string]hostsync.IdP, error) {
	snap, err := s.keys.current(ctx, s.r)
	if err != nil {
		return nil, fmt.Errorf("hostdb: key IdPs: %w", err)
	}
	return snap.idps, nil
}

// RotateAdminToken replaces the admin credential and returns its secret,
// shown once. The previous token stops working (in other processes within a
// second).
func (s *Store) RotateAdminToken(ctx context.Context, a hostsync.Actor) (string, error) {
	secret, hash := newSecret(adminTokenPrefix)
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO admin_token (id, prefix, hash, created) VALUES (1, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET prefix = excluded.prefix, hash = excluded.hash, created = excluded.created`,
			secret[:displayPrefixLen], hash, now().UnixMilli()); err != nil {
			return err
		}
		ev := hostsync.Event{Action: hostsync.ActionAdminTokenRotated, ResourceType: TypeAuth, ResourceID: "admin"}
		return s.appendEvent(ctx, tx, a, &ev)
	})
	s.keys.invalidate()
	if err != nil {
		return "", fmt.Errorf("hostdb: rotate admin token: %w", err)
	}
	return secret, nil
}

// HasAdminToken reports whether an admin credential exists.
func (s *Store) HasAdminToken(ctx context.Context) (bool, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM admin_token").Scan(&n); err != nil {
		return false, fmt.Errorf("hostdb: admin token: %w", err)
	}
	return n > 0, nil
}

// AuthenticateAdmin checks the admin credential; ErrUnauthorized otherwise.
func (s *Store) AuthenticateAdmin(ctx context.Context, secret string) error {
	if !strings.HasPrefix(secret, adminTokenPrefix) {
		return hostsync.ErrUnauthorized
	}
	snap, err := s.keys.current(ctx, s.r)
	if err != nil {
		return fmt.Errorf("hostdb: authenticate admin: %w", err)
	}
	sum := sha256.Sum256([]byte(secret))
	if snap.isAdmin(sum[:]) {
		return nil
	}
	// Perhaps the token `visitly-scimd admin-token` made a moment ago.
	if snap, ok := s.keys.afterMiss(ctx, s.r, snap); ok && snap.isAdmin(sum[:]) {
		return nil
	}
	return hostsync.ErrUnauthorized
}

// findKey returns the index of the live key with this hash, or -1. It
// compares with every key, without stopping early, in constant time each.
func (snap *keySnapshot) findKey(sum []byte) int {
	found := -1
	for i := range snap.keys {
		if subtle.ConstantTimeCompare(snap.keys[i].hash, sum) == 1 {
			found = i
		}
	}
	return found
}

func (snap *keySnapshot) isAdmin(sum []byte) bool {
	return snap.admin != nil && subtle.ConstantTimeCompare(snap.admin, sum) == 1
}
