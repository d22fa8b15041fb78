package hostdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/visitly/hostsync"
	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

const (
	// keyCacheTTL bounds how long a key revoked by another process on the
	// same file (the CLI) goes on working; one it created is found at once
	// (afterMiss).
	keyCacheTTL = time.Second
	// missReloadEvery is how often at most secrets the cache does not know
	// make it reload (see afterMiss).
	missReloadEvery = 100 * time.Millisecond
)

// keyCache holds the hashes of the live API keys and of the admin token, so
// that authenticating a request reads no table, and every key's IdP, so that
// naming the key behind an event or a removal reads none either.
type keyCache struct {
	snap     atomic.Pointer[keySnapshot]
	gen      atomic.Uint64 // bumped by invalidate
	reloadMu sync.Mutex    // one reload at a time
	reloads  atomic.Int64  // how many reloads ran (tests)
}

type keySnapshot struct {
	loaded time.Time
	keys   []cachedKey
	admin  []byte                  // hash of the admin token; nil when none
	idps   map[string]hostsync.IdP // every key's IdP by key id, revoked keys' too
}

type cachedKey struct {
	id   int64
	hash []byte
	key  hostsync.APIKey
}

// invalidate makes the next authentication reload, after this process changed
// a key. It waits for a reload under way: that one checks gen and stores its
// snapshot under reloadMu, so a snapshot read before the change is never
// stored after it.
func (k *keyCache) invalidate() {
	k.reloadMu.Lock()
	defer k.reloadMu.Unlock()
	k.gen.Add(1)
	k.snap.Store(nil)
}

// current returns a snapshot at most keyCacheTTL old. When a reload fails a
// stale snapshot is still used rather than locking everyone out.
func (k *keyCache) current(ctx context.Context, db *sql.DB) (*keySnapshot, error) {
	return k.loadedSince(ctx, db, time.Now().Add(-keyCacheTTL))
}

// afterMiss returns a snapshot to look a secret up in again after seen did
// not know it, so that a key or admin token another process (the CLI) has
// just created works at once, not up to keyCacheTTL later. The snapshot it
// returns was loaded after the miss; to keep wrong secrets from hammering
// the database, loads for misses happen at most once per missReloadEvery
// for all callers: a miss waits for the next one. ok is false when there is
// nothing newer than seen to look in.
func (k *keyCache) afterMiss(ctx context.Context, db *sql.DB, seen *keySnapshot) (s *keySnapshot, ok bool) {
	missed := time.Now()
	if wait := time.Until(seen.loaded.Add(missReloadEvery)); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, false
		case <-t.C:
		}
	}
	s, err := k.loadedSince(ctx, db, missed)
	if err != nil || s == seen {
		return nil, false
	}
	return s, true
}

// loadedSince returns a snapshot loaded after notBefore, loading one if need be.
func (k *keyCache) loadedSince(ctx context.Context, db *sql.DB, notBefore time.Time) (*keySnapshot, error) {
	if s := k.snap.Load(); s != nil && s.loaded.After(notBefore) {
		return s, nil
	}
	k.reloadMu.Lock()
	defer k.reloadMu.Unlock()
	old := k.snap.Load()
	if old != nil && old.loaded.After(notBefore) {
		return old, nil // another caller reloaded meanwhile
	}
	gen := k.gen.Load()
	k.reloads.Add(1)
	s, err := loadKeys(ctx, db)
	if err != nil {
		if old != nil {
			return old, nil
		}
		return nil, err
	}
	// A key change committed while this reload read the table makes the
	// snapshot stale at once: keep it for this caller only.
	if k.gen.Load() == gen {
		k.snap.Store(s)
	}
	return s, nil
}

func loadKeys(ctx context.Context, db *sql.DB) (*keySnapshot, error) {
	s := &keySnapshot{loaded: time.Now(), idps: map[string]hostsync.IdP{}}
	// Revoked keys too: their events and removals are still named by IdP.
	rows, err := db.QueryContext(ctx, "SELECT id, label, prefix, idp, hash, created, revoked IS NOT NULL FROM api_keys")
	if err != nil {
		return nil, fmt.Errorf("load keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c cachedKey
		var created int64
		var revoked bool
		if err := rows.Scan(&c.id, &c.key.Label, &c.key.Prefix, &c.key.IdP, &c.hash, &created, &revoked); err != nil {
			return nil, fmt.Errorf("load keys: %w", err)
		}
		c.key.ID = strconv.FormatInt(c.id, 10)
		c.key.Created = sqlitedb.Time(created)
		s.idps[c.key.ID] = c.key.IdP
		if !revoked {
			s.keys = append(s.keys, c)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load keys: %w", err)
	}
	err = db.QueryRowContext(ctx, "SELECT hash FROM admin_token WHERE id = 1").Scan(&s.admin)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("load admin token: %w", err)
	}
	return s, nil
}
