package pgstore

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/visitly/hostsync"
)

// lastUsedFlushInterval bounds how stale API keys' last-used times (and
// last calls) are in the database, where every process reads them;
// authentication itself never writes.
const lastUsedFlushInterval = 5 * time.Second

// lastUsed collects the API keys' last calls in memory until the store
// flushes them in one statement.
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

// overlay returns key with this process's not yet written last call.
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

// take removes and returns the pending last calls.
func (u *lastUsed) take() map[int64]use {
	u.mu.Lock()
	defer u.mu.Unlock()
	m := u.pending
	u.pending = nil
	return m
}

// flushLastUsed writes the pending last calls in one statement; a later
// call written by another process is kept. It is bookkeeping, not a
// directory change: no event.
func (s *Store) flushLastUsed(ctx context.Context) error {
	used := s.used.take()
	if len(used) == 0 {
		return nil
	}
	var ids []int64
	var ats []time.Time
	var methods, paths []string
	for id, u := range used {
		ids, ats, methods, paths = append(ids, id), append(ats, u.at), append(methods, u.method), append(paths, u.path)
	}
	_, err := s.pool.Exec(ctx, `UPDATE api_keys k SET last_used = u.at, last_method = u.method, last_path = u.path
		FROM unnest($2::bigint[], $3::timestamptz[], $4::text[], $5::text[]) AS u(id, at, method, path)
		WHERE k.tenant = $1 AND k.id = u.id AND (k.last_used IS NULL OR k.last_used <= u.at)`,
		s.tenant, ids, ats, methods, paths)
	if err != nil {
		for id, u := range used {
			s.used.mark(id, u.at, u.method, u.path) // keep them for the next attempt
		}
		return fail("flush last-used times", err)
	}
	return nil
}
