package pgstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/visitly/hostsync"
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

// notifyKeys, run inside a transaction that changed a key or the admin
// token, tells every process on the database to drop its key cache once the
// change commits (keycache.go).
const notifyKeys = "SELECT pg_notify('" + keysChannel + "', $1)"

// CreateAPIKey makes a new key for identity provider idp (one of
// hostsync.IdPs; any other is ErrUnknownIdP). The secret is returned once
// and never stored.
func (s *Store) CreateAPIKey(ctx context.Context, a hostsync.Actor, label string, idp hostsync.IdP) (secret string, key hostsync.APIKey, err error) {
	if err := hostsync.CheckIdP(idp); err != nil {
		return "", hostsync.APIKey{}, fmt.Errorf("pgstore: create API key: %w", err)
	}
	secret, hash := newSecret(apiKeyPrefix)
	key = hostsync.APIKey{Label: label, Prefix: secret[:displayPrefixLen], IdP: idp, Created: now()}
	err = s.write(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, "INSERT INTO api_keys (tenant, label, prefix, idp, hash, created) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
			s.tenant, key.Label, key.Prefix, string(key.IdP), hash, key.Created).Scan(&id); err != nil {
			return err
		}
		key.ID = strconv.FormatInt(id, 10)
		ev := hostsync.Event{Action: hostsync.ActionKeyCreated, ResourceType: hostsync.ResourceKey, ResourceID: key.ID,
			Detail: "label " + strconv.Quote(label)}
		if err := s.appendEvent(ctx, tx, a, &ev, ""); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, notifyKeys, s.tenant)
		return err
	})
	s.keys.invalidate()
	if err != nil {
		return "", hostsync.APIKey{}, fail("create API key", err)
	}
	return secret, key, nil
}

const keyColumns = "id, label, prefix, idp, created, last_used, last_method, last_path, revoked"

func scanKey(row pgx.Row) (hostsync.APIKey, error) {
	var k hostsync.APIKey
	var id int64
	var lastUsed, revoked *time.Time
	if err := row.Scan(&id, &k.Label, &k.Prefix, &k.IdP, &k.Created, &lastUsed, &k.LastMethod, &k.LastPath, &revoked); err != nil {
		return hostsync.APIKey{}, err
	}
	k.ID = strconv.FormatInt(id, 10)
	k.Created = k.Created.UTC()
	k.LastUsed, k.Revoked = timeOf(lastUsed), timeOf(revoked)
	return k, nil
}

// ListAPIKeys returns every key, revoked ones included, oldest first, with
// this process's last calls not yet written.
func (s *Store) ListAPIKeys(ctx context.Context) ([]hostsync.APIKey, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+keyColumns+" FROM api_keys WHERE tenant = $1 ORDER BY id", s.tenant)
	if err != nil {
		return nil, fail("list API keys", err)
	}
	defer rows.Close()
	var keys []hostsync.APIKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, fail("list API keys", err)
		}
		keys = append(keys, s.used.Overlay(k))
	}
	if err := rows.Err(); err != nil {
		return nil, fail("list API keys", err)
	}
	return keys, nil
}

// RevokeAPIKey revokes a key; revoking a revoked key is a no-op. Every
// process on the database refuses the key as soon as it commits (NOTIFY),
// and within keyCacheTTL should a notification be lost.
func (s *Store) RevokeAPIKey(ctx context.Context, a hostsync.Actor, id string) (hostsync.APIKey, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return hostsync.APIKey{}, fmt.Errorf("pgstore: %w", &hostsync.NotFoundError{Kind: "API key", ID: id})
	}
	var key hostsync.APIKey
	err = s.write(ctx, func(tx pgx.Tx) error {
		k, err := scanKey(tx.QueryRow(ctx, "SELECT "+keyColumns+" FROM api_keys WHERE tenant = $1 AND id = $2 FOR UPDATE", s.tenant, n))
		if errors.Is(err, pgx.ErrNoRows) {
			return &hostsync.NotFoundError{Kind: "API key", ID: id}
		}
		if key = k; err != nil || !key.Revoked.IsZero() {
			return err
		}
		key.Revoked = now()
		if _, err := tx.Exec(ctx, "UPDATE api_keys SET revoked = $3 WHERE tenant = $1 AND id = $2", s.tenant, n, key.Revoked); err != nil {
			return err
		}
		ev := hostsync.Event{Action: hostsync.ActionKeyRevoked, ResourceType: hostsync.ResourceKey, ResourceID: key.ID,
			Detail: "label " + strconv.Quote(key.Label)}
		if err := s.appendEvent(ctx, tx, a, &ev, ""); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, notifyKeys, s.tenant)
		return err
	})
	s.keys.invalidate()
	if err != nil {
		return hostsync.APIKey{}, fail("revoke API key", err)
	}
	return s.used.Overlay(key), nil
}

// AuthenticateAPIKey returns the live key whose secret this is, or
// ErrUnauthorized. It reads the in-memory key cache and records the use in
// memory only (written within lastUsedFlushInterval).
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
	sum := sha256.Sum256([]byte(secret))
	snap, err := s.keys.current(ctx, s)
	if err != nil {
		return hostsync.APIKey{}, fail("authenticate", err)
	}
	found := snap.findKey(sum[:])
	if found < 0 {
		// Perhaps a key another process created a moment ago.
		if newer, ok := s.keys.afterMiss(ctx, s, snap); ok {
			snap, found = newer, newer.findKey(sum[:])
		}
	}
	if found < 0 {
		return hostsync.APIKey{}, hostsync.ErrUnauthorized
	}
	key := snap.keys[found].key
	if record {
		key.LastUsed = now()
		s.used.Mark(snap.keys[found].id, key.LastUsed, "", "")
	}
	return key, nil
}

// NoteCall records the method and path of the call key (as
// AuthenticateAPIKey returned it) was just used for; like the last-used
// time, it is written within lastUsedFlushInterval.
func (s *Store) NoteCall(key hostsync.APIKey, method, path string) {
	id, err := strconv.ParseInt(key.ID, 10, 64)
	if err != nil {
		return
	}
	s.used.Mark(id, key.LastUsed, method, path)
}

// KeyIdPs returns every API key's identity provider by key id, revoked keys'
// too, from the key cache. The map is shared: read it, never write it.
func (s *Store) KeyIdPs(ctx context.Context) (map[string]hostsync.IdP, error) {
	snap, err := s.keys.current(ctx, s)
	if err != nil {
		return nil, fail("key IdPs", err)
	}
	return snap.idps, nil
}

// RotateAdminToken replaces the admin credential and returns its secret,
// shown once. The previous token stops working everywhere at once.
func (s *Store) RotateAdminToken(ctx context.Context, a hostsync.Actor) (string, error) {
	secret, hash := newSecret(adminTokenPrefix)
	err := s.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO admin_token (tenant, prefix, hash, created) VALUES ($1, $2, $3, $4)
			ON CONFLICT (tenant) DO UPDATE SET prefix = excluded.prefix, hash = excluded.hash, created = excluded.created`,
			s.tenant, secret[:displayPrefixLen], hash, now()); err != nil {
			return err
		}
		ev := hostsync.Event{Action: hostsync.ActionAdminTokenRotated, ResourceType: hostsync.ResourceAuth, ResourceID: "admin"}
		if err := s.appendEvent(ctx, tx, a, &ev, ""); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, notifyKeys, s.tenant)
		return err
	})
	s.keys.invalidate()
	if err != nil {
		return "", fail("rotate admin token", err)
	}
	return secret, nil
}

// HasAdminToken reports whether an admin credential exists.
func (s *Store) HasAdminToken(ctx context.Context) (bool, error) {
	var ok bool
	if err := s.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM admin_token WHERE tenant = $1)", s.tenant).Scan(&ok); err != nil {
		return false, fail("admin token", err)
	}
	return ok, nil
}

// AuthenticateAdmin checks the admin credential; ErrUnauthorized otherwise.
func (s *Store) AuthenticateAdmin(ctx context.Context, secret string) error {
	if !strings.HasPrefix(secret, adminTokenPrefix) {
		return hostsync.ErrUnauthorized
	}
	snap, err := s.keys.current(ctx, s)
	if err != nil {
		return fail("authenticate admin", err)
	}
	sum := sha256.Sum256([]byte(secret))
	if snap.isAdmin(sum[:]) {
		return nil
	}
	if snap, ok := s.keys.afterMiss(ctx, s, snap); ok && snap.isAdmin(sum[:]) {
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
