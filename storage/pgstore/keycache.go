package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/visitly/hostsync"
)

const (
	// keysChannel is the NOTIFY channel of key and admin token changes.
	keysChannel = "visitly_keys"
	// keyCacheTTL bounds how long a key revoked by another process goes on
	// working here should its notification be lost (the listening
	// connection broke and is being re-made).
	keyCacheTTL = 500 * time.Millisecond
	// missReloadEvery is how often at most secrets the cache does not know
	// make it reload.
	missReloadEvery = 100 * time.Millisecond
)

// keyCache holds the hashes of the live API keys and of the admin token, so
// that authenticating a request reads no table, and every key's IdP.
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

// invalidate makes the next authentication reload. It waits for a reload
// under way: that one checks gen and stores its snapshot under reloadMu, so
// a snapshot read before the change is never stored after it.
func (k *keyCache) invalidate() {
	k.reloadMu.Lock()
	defer k.reloadMu.Unlock()
	k.gen.Add(1)
	k.snap.Store(nil)
}

// current returns a snapshot at most keyCacheTTL old. When a reload fails a
// stale snapshot is still used rather than locking everyone out.
func (k *keyCache) current(ctx context.Context, s *Store) (*keySnapshot, error) {
	return k.loadedSince(ctx, s, time.Now().Add(-keyCacheTTL))
}

// afterMiss returns a snapshot to look a secret up in again after seen did
// not know it, so that a key another process created a moment ago works at
// once even if its notification has not arrived yet. The snapshot was
// loaded after the miss; to keep wrong secrets from hammering the
// database, loads for misses happen at most once per missReloadEvery for
// all callers: a miss waits for the next one. ok is false when there is
// nothing newer than seen to look in.
func (k *keyCache) afterMiss(ctx context.Context, s *Store, seen *keySnapshot) (*keySnapshot, bool) {
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
	snap, err := k.loadedSince(ctx, s, missed)
	if err != nil || snap == seen {
		return nil, false
	}
	return snap, true
}

func (k *keyCache) loadedSince(ctx context.Context, s *Store, notBefore time.Time) (*keySnapshot, error) {
	if snap := k.snap.Load(); snap != nil && snap.loaded.After(notBefore) {
		return snap, nil
	}
	k.reloadMu.Lock()
	defer k.reloadMu.Unlock()
	old := k.snap.Load()
	if old != nil && old.loaded.After(notBefore) {
		return old, nil // another caller reloaded meanwhile
	}
	gen := k.gen.Load()
	k.reloads.Add(1)
	snap, err := s.loadKeys(ctx)
	if err != nil {
		if old != nil {
			return old, nil
		}
		return nil, err
	}
	// A change notified while this reload read the table makes the
	// snapshot stale at once: keep it for this caller only.
	if k.gen.Load() == gen {
		k.snap.Store(snap)
	}
	return snap, nil
}

// loadKeys reads every key (revoked ones for their IdPs) and the admin
// token in one round trip.
func (s *Store) loadKeys(ctx context.Context) (*keySnapshot, error) {
	snap := &keySnapshot{loaded: time.Now(), idps: map[string]hostsync.IdP{}}
	rows, err := s.pool.Query(ctx, `SELECT id, label, prefix, idp, hash, created, revoked IS NOT NULL FROM api_keys WHERE tenant = $1
		UNION ALL SELECT 0, '', prefix, '', hash, created, false FROM admin_token WHERE tenant = $1`, s.tenant)
	if err != nil {
		return nil, fmt.Errorf("load keys: %w", err)
	}
	var c cachedKey
	var revoked bool
	_, err = pgx.ForEachRow(rows, []any{&c.id, &c.key.Label, &c.key.Prefix, &c.key.IdP, &c.hash, &c.key.Created, &revoked}, func() error {
		if c.id == 0 { // ids start at 1: the admin token
			snap.admin = c.hash
			return nil
		}
		c.key.ID = strconv.FormatInt(c.id, 10)
		c.key.Created = c.key.Created.UTC()
		snap.idps[c.key.ID] = c.key.IdP
		if !revoked {
			snap.keys = append(snap.keys, c)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load keys: %w", err)
	}
	return snap, nil
}

// listenKeys LISTENs on keysChannel on a connection of its own and drops the
// key cache on each notification, until ctx ends. A broken connection is
// re-made after a pause (the cache drops itself meanwhile: while not
// listening, it may have missed a notification).
func (s *Store) listenKeys(ctx context.Context, cfg *pgx.ConnConfig) {
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, cfg)
		if ctx.Err() != nil || errors.Is(err, context.Canceled) {
			return
		}
		s.keys.invalidate()
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func (s *Store) listenOnce(ctx context.Context, cfg *pgx.ConnConfig) error {
	conn, err := pgx.ConnectConfig(ctx, cfg.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+keysChannel); err != nil {
		return err
	}
	// Changes made before LISTEN took effect were not notified here.
	s.keys.invalidate()
	s.listening.Store(true)
	defer s.listening.Store(false)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Payload == s.tenant {
			s.keys.invalidate()
		}
	}
}
