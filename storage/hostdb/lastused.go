package hostdb

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"sync"
	"time"

	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// lastUsedFlushInterval bounds how stale API keys' last-used times are in the
// file; authentication itself never writes.
const lastUsedFlushInterval = 10 * time.Second

// lastUsed collects the API keys' last-used times in memory until the store
// flushes them (flushLastUsed) in one write.
type lastUsed struct {
	mu      sync.Mutex
	pending map[int64]time.Time // by key id
}

func (u *lastUsed) mark(id int64, t time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.pending == nil {
		u.pending = map[int64]time.Time{}
	}
	if t.After(u.pending[id]) {
		u.pending[id] = t
	}
}

// overlay returns key with this process's not yet flushed last-used time.
func (u *lastUsed) overlay(key APIKey) APIKey {
	id, err := strconv.ParseInt(key.ID, 10, 64)
	if err != nil {
		return key
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if t := u.pending[id]; t.After(key.LastUsed) {
		key.LastUsed = t
	}
	return key
}

// take removes and returns the pending last-used times.
func (u *lastUsed) take() map[int64]time.Time {
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
		for id, t := range used {
			if _, err := tx.ExecContext(ctx, "UPDATE api_keys SET last_used = max(coalesce(last_used, 0), ?) WHERE id = ?",
				sqlitedb.Millis(t), id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for id, t := range used {
			s.used.mark(id, t) // keep them for the next attempt
		}
		return fmt.Errorf("hostdb: flush last-used times: %w", err)
	}
	return nil
}
