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
)

const (
	// keyCacheTTL bounds how long a key created or revoked by another process
	// on the same file (the CLI) goes unnoticed.
	keyCacheTTL = time.Second
	// lastUsedFlushInterval bounds how stale last-used times are in the file;
	// authentication itself never writes.
	lastUsedFlushInterval = 10 * time.Second
)

// keyRing caches the hashes of the live API keys and of the admin token, and
// collects last-used times in memory.
type keyRing struct {
	snap     atomic.Pointer[keySnapshot]
	gen      atomic.Uint64 // bumped by invalidate
	reloadMu sync.Mutex    // one reload at a time

	usedMu sync.Mutex
	used   map[int64]time.Time // pending last-used times by key id
}

type keySnapshot struct {
	loaded time.Time
	keys   []cachedKey
	admin  []byte // hash of the admin token; nil when none
}

type cachedKey struct {
	id   int64
	hash []byte
	key  APIKey
}

func newKeyRing() *keyRing { return &keyRing{used: map[int64]time.Time{}} }

// invalidate makes the next authentication reload, after this process changed
// a key.
func (k *keyRing) invalidate() {
	k.gen.Add(1)
	k.snap.Store(nil)
}

// current returns a snapshot at most keyCacheTTL old. When a reload fails a
// stale snapshot is still used rather than locking everyone out.
func (k *keyRing) current(ctx context.Context, db *sql.DB) (*keySnapshot, error) {
	if s := k.snap.Load(); s != nil && time.Since(s.loaded) < keyCacheTTL {
		return s, nil
	}
	k.reloadMu.Lock()
	defer k.reloadMu.Unlock()
	old := k.snap.Load()
	if old != nil && time.Since(old.loaded) < keyCacheTTL {
		return old, nil // another caller reloaded meanwhile
	}
	gen := k.gen.Load()
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
	s := &keySnapshot{loaded: time.Now()}
	rows, err := db.QueryContext(ctx, "SELECT id, label, prefix, hash, created FROM api_keys WHERE revoked IS NULL")
	if err != nil {
		return nil, fmt.Errorf("load keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c cachedKey
		var created int64
		if err := rows.Scan(&c.id, &c.key.Label, &c.key.Prefix, &c.hash, &created); err != nil {
			return nil, fmt.Errorf("load keys: %w", err)
		}
		c.key.ID = strconv.FormatInt(c.id, 10)
		c.key.Created = time.UnixMilli(created).UTC()
		s.keys = append(s.keys, c)
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

func (k *keyRing) markUsed(id int64, t time.Time) {
	k.usedMu.Lock()
	defer k.usedMu.Unlock()
	if t.After(k.used[id]) {
		k.used[id] = t
	}
}

// withPending overlays this process's not yet flushed last-used time.
func (k *keyRing) withPending(key APIKey) APIKey {
	id, err := strconv.ParseInt(key.ID, 10, 64)
	if err != nil {
		return key
	}
	k.usedMu.Lock()
	defer k.usedMu.Unlock()
	if t := k.used[id]; t.After(key.LastUsed) {
		key.LastUsed = t
	}
	return key
}

// take removes and returns the pending last-used times.
func (k *keyRing) take() map[int64]time.Time {
	k.usedMu.Lock()
	defer k.usedMu.Unlock()
	if len(k.used) == 0 {
		return nil
	}
	m := k.used
	k.used = map[int64]time.Time{}
	return m
}

// tick runs fn every period until Close, then closes ended.
func (s *Store) tick(every time.Duration, ended chan struct{}, fn func()) {
	defer close(ended)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			fn()
		}
	}
}

// flushLastUsed writes the pending last-used times in one write. It is
// bookkeeping, not a directory change, so it records no event.
func (s *Store) flushLastUsed(ctx context.Context) error {
	used := s.keys.take()
	if used == nil {
		return nil
	}
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for id, t := range used {
			if _, err := tx.ExecContext(ctx, "UPDATE api_keys SET last_used = max(coalesce(last_used, 0), ?) WHERE id = ?",
				t.UnixMilli(), id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for id, t := range used {
			s.keys.markUsed(id, t) // keep them for the next attempt
		}
		return fmt.Errorf("hostdb: flush last-used times: %w", err)
	}
	return nil
}
