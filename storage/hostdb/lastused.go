package hostdb

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/visitly/hostsync"
	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// lastUsedFlushInterval bounds how stale API keys' last-used times are in the
// file; authentication itself never writes.
const lastUsedFlushInterval = 10 * time.Second

// lastUsed collects the API keys' last-used times (and the method and path
// of those calls) in memory until the store flushes them (flushLastUsed) in
// one write.
type lastUsed struct {
	mu      sync.Mutex
	pending map[int64]use // by key id
}

// use is a key's last call.
type use struct {
	at           time.Time
	method, path string
}

// mark notes a call at t; method and path, when given, replace those of an
// earlier call, and a call at the same time without them keeps them.
func (u *lastUsed) mark(id int64, t time.Time, method, path string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.pending == nil {
		u.pending = map[int64]use{}
	}
	p := u.pending[id]
	switch {
	case t.After(p.at):
		u.pending[id] = use{at: t, method: method, path: path}
	case t.Equal(p.at) && method != "":
		u.pending[id] = use{at: t, method: method, path: path}
	}
}

// overlay returns key with this process's not yet flushed last-used time.
func (u *lastUsed) overlay(key hostsync.APIKey) hostsync.APIKey {
	id, err := strconv.ParseInt(key.ID, 10, 64)
	if err != nil {
		return key
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if p := u.pending[id]; p.at.After(key.LastUsed) {
		key.LastUsed, key.LastMethod, key.LastPath = p.at, p.method, p.path
	}
	return key
}

// take removes and returns the pending last-used times.
func (u *lastUsed) take() map[int64]use {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.pending) == 0 {
		return nil
	}
	m := u.pending
	u.pending = nil
	return m
}

// flushLastUsed writes the pending last-used times in one write. It is
// bookkeeping, not a directory change, so it records no event.
func (s *Store) flushLastUsed(ctx context.Context) error {
	used := s.used.take()
	if used == nil {
		return nil
	}
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for id, u := range used {
			if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET last_used = ?1, last_method = ?2, last_path = ?3
				WHERE id = ?4 AND coalesce(last_used, 0) <= ?1`,
				sqlitedb.Millis(u.at), u.method, u.path, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for id, u := range used {
			s.used.mark(id, u.at, u.method, u.path) // keep them for the next attempt
		}
		return fmt.Errorf("hostdb: flush last-used times: %w", err)
	}
	return nil
}
