package hostdb

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/visitly/hostsync"
	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// The host cache keeps every live host in memory, so that the reads Azure AD
// sends most — GET /Users/{id}, the filter userName eq "…" before each POST
// and the snapshot a PATCH is computed on — need no SQLite statement. Under
// WAL every commit empties the readers' page caches, so each such read cost
// a handful of pread calls and a B-tree walk; profiles of the 40/30/30 mix
// showed them as a quarter of the server's CPU.
//
// Correctness rests on one rule: only the committer goroutine changes the
// cache, after the COMMIT that made a change durable and before any caller
// of that batch hears back (see runBatch). So the cache moves in commit
// order, never shows an uncommitted write, and a read after an acknowledged
// write sees it. The cache is filled once, lazily, by a job on the writer
// itself (so no write can slip between the snapshot and the first update);
// until then, and whenever it is off, reads go to SQLite as before.
//
// Memory: about 1 KB per host with Azure AD's full body, some 2 KB of
// process memory with the garbage collector's headroom (visitly-scimd over
// 100,000 hosts: 205 MB resident, 15 MB without the cache). So the cache
// switches itself off above a limit (SetHostCacheLimit); the store then
// serves everything from SQLite, correct and only slower.

// DefaultHostCacheLimit is the number of live hosts the cache holds before it
// switches off (about 400 MB of process memory at that size).
const DefaultHostCacheLimit = 200_000

const (
	cacheUnloaded = iota // not filled yet: the first host read starts the fill
	cacheLoading
	cacheOn
	cacheOff // over the limit or disabled; stays off
)

type cachedHost struct {
	n   int64
	h   *hostsync.HostRecord // never changed once cached: readers get clones
	key string               // its stored user_name_key (see byName)
}

// The state moves from cacheOn, and to it, only with mu held, so a reader
// holding mu sees the state and the maps agree; only cacheUnloaded ->
// cacheLoading (which touches no map) is a bare compare-and-swap.
type hostCache struct {
	state atomic.Int32
	limit atomic.Int64

	mu sync.RWMutex
	// drops counts the times the maps were dropped (guarded by mu): a fill
	// installs its snapshot only if none happened since it read it, for a
	// drop means the snapshot may lack what another process committed.
	drops uint64
	byID  map[string]cachedHost
	// byName holds live hosts by their stored user_name_key, which is
	// userNameKey(userName) except for a host whose name came to share its
	// key with another's when the key changed (rekey.go): it keeps its old
	// key, and a lookup by name finds the other, as in SQL.
	byName map[string]*hostsync.HostRecord
	byN    map[int64]*hostsync.HostRecord // by row number, for pages of the whole list
}

// SetHostCacheLimit sets how many live hosts the in-memory host cache may
// hold; 0 switches it off. Call it before the store serves requests.
func (s *Store) SetHostCacheLimit(n int) {
	s.hosts.limit.Store(int64(n))
	if n <= 0 {
		s.hosts.switchOff()
	}
}

// cachedLive returns a live host from the cache. on is false when the cache
// cannot answer (not filled, or off): the caller asks SQLite. With on true, a
// nil host means there is no live host with that id.
func (s *Store) cachedLive(id string) (n int64, h *hostsync.HostRecord, on bool) {
	c := &s.hosts
	if !s.cacheReady() {
		return 0, nil, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.state.Load() != cacheOn {
		return 0, nil, false // dropped since cacheReady looked
	}
	e, ok := c.byID[id]
	if !ok {
		return 0, nil, true
	}
	return e.n, e.h, true
}

// cachedByUserName is cachedLive by userName (case-insensitively).
func (s *Store) cachedByUserName(userName string) (h *hostsync.HostRecord, on bool) {
	c := &s.hosts
	if !s.cacheReady() {
		return nil, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.state.Load() != cacheOn {
		return nil, false // dropped since cacheReady looked
	}
	return c.byName[userNameKey(userName)], true
}

// cacheReady reports whether the cache is on, starting its fill on the first
// call.
func (s *Store) cacheReady() bool {
	c := &s.hosts
	switch c.state.Load() {
	case cacheOn:
		return true
	case cacheUnloaded:
		if c.limit.Load() > 0 && c.state.CompareAndSwap(cacheUnloaded, cacheLoading) {
			go s.fillHostCache()
		}
	}
	return false
}

// fillHostCache reads every live host on the writer connection, as a job of
// the writer, and installs the maps right after that job's commit.
func (s *Store) fillHostCache() {
	c := &s.hosts
	err := s.write(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
		limit := int(c.limit.Load())
		c.mu.RLock()
		drops := c.drops
		c.mu.RUnlock()
		rows, err := tx.QueryContext(ctx, "SELECT "+hostColumns+", user_name_key FROM hosts WHERE deleted_at IS NULL")
		if err != nil {
			return err
		}
		defer rows.Close()
		byID, byName, byN := map[string]cachedHost{}, map[string]*hostsync.HostRecord{}, map[int64]*hostsync.HostRecord{}
		for rows.Next() {
			var key string
			n, h, err := scanHost(withKey{rows, &key})
			if err != nil {
				return err
			}
			if len(byID) >= limit {
				c.switchOff()
				return nil
			}
			byID[h.ID], byName[key], byN[n] = cachedHost{n, h, key}, h, h
		}
		if err := rows.Err(); err != nil {
			return err
		}
		// What other processes had committed is in this snapshot: the
		// watcher compares later looks with this one.
		var v int64
		if err := tx.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
			return err
		}
		s.dataVersion.Store(v)
		s.afterCommit(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.drops != drops || c.state.Load() == cacheOff {
				// Dropped since the snapshot was read: the fill a later read
				// starts brings a fresh one.
				return
			}
			c.byID, c.byName, c.byN = byID, byName, byN
			c.state.Store(cacheOn)
		})
		return nil
	})
	if err != nil {
		// Closed or failed: stay on SQLite; a later read may try again.
		c.state.CompareAndSwap(cacheLoading, cacheUnloaded)
	}
}

// cacheHost records h, stored as row n, once the running write commits: a
// live host is (re)placed, a deleted one dropped. Every write of a host row
// calls it.
func (s *Store) cacheHost(n int64, h *hostsync.HostRecord) {
	c := &s.hosts
	s.afterCommit(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.state.Load() != cacheOn {
			return // the fill to come reads it from the database
		}
		// saveHost writes the key only when the userName changes.
		key := userNameKey(h.UserName)
		if old, ok := c.byID[h.ID]; ok {
			if old.h.UserName == h.UserName {
				key = old.key
			}
			if c.byName[old.key] == old.h {
				delete(c.byName, old.key)
			}
		}
		if !h.DeletedAt.IsZero() {
			delete(c.byID, h.ID)
			delete(c.byN, n)
			return
		}
		c.byID[h.ID], c.byName[key], c.byN[n] = cachedHost{n, h, key}, h, h
		if int64(len(c.byID)) > c.limit.Load() {
			c.dropLocked()
			c.state.Store(cacheOff)
		}
	})
}

// invalidate forgets everything after a write whose outcome is unknown; the
// next read refills the cache from the database.
func (c *hostCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Load() == cacheOff {
		return
	}
	c.dropLocked()
	c.state.Store(cacheUnloaded)
}

func (c *hostCache) switchOff() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropLocked()
	c.state.Store(cacheOff)
}

func (c *hostCache) dropLocked() {
	c.byID, c.byName, c.byN = nil, nil, nil
	c.drops++
}

// cachedRows returns copies of the live hosts stored as rows ns; ok is false
// unless the cache is on and holds every one.
func (s *Store) cachedRows(ns []int64) (hosts []*hostsync.HostRecord, ok bool) {
	c := &s.hosts
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.state.Load() != cacheOn {
		return nil, false
	}
	hosts = make([]*hostsync.HostRecord, 0, len(ns))
	for _, n := range ns {
		h, ok := c.byN[n]
		if !ok {
			return nil, false
		}
		hosts = append(hosts, h.Clone())
	}
	return hosts, true
}

// queryCached answers q from the cache when a condition on userName or id
// narrows it to at most one host; ok is false when the cache cannot answer.
func (s *Store) queryCached(q hostsync.LiveHostQuery, offset int) (hosts []*hostsync.HostRecord, total int, ok bool) {
	var h *hostsync.HostRecord
	found := false
	for _, c := range q.Conds {
		switch c.Field {
		case hostsync.FieldUserName:
			h, ok = s.cachedByUserName(c.Value)
			found = true
		case hostsync.FieldID:
			_, h, ok = s.cachedLive(c.Value)
			found = true
		}
		if found {
			break
		}
	}
	if !found || !ok {
		return nil, 0, false
	}
	if h == nil || !hostMeets(h, q.Conds) || q.Match != nil && !q.Match(h.Clone()) {
		return nil, 0, true
	}
	for _, c := range q.Conds {
		// A host that kept an old key (rekey.go) is not found by its
		// userName in SQL, whatever hostMeets says. (By id: a write may
		// have replaced the cached copy meanwhile.)
		if c.Field != hostsync.FieldUserName {
			continue
		}
		byName, on := s.cachedByUserName(c.Value)
		if !on {
			return nil, 0, false
		}
		if byName == nil || byName.ID != h.ID {
			return nil, 0, true
		}
	}
	if offset == 0 && q.Count > 0 {
		hosts = []*hostsync.HostRecord{h.Clone()}
	}
	return hosts, 1, true
}

// hostMeets evaluates conditions as hostCond's SQL does. userName compares
// userNameKey of both sides (queryCached also checks that the host is the
// one its stored key finds); the other case-insensitive fields compare
// strings.ToLower of both sides, not
// strings.EqualFold: the SQL compares lower-cased key columns, and EqualFold
// folds pairs that ToLower keeps apart (the Kelvin sign and "k").
func hostMeets(h *hostsync.HostRecord, conds []hostsync.Cond) bool {
	for _, c := range conds {
		var ok bool
		switch c.Field {
		case hostsync.FieldID:
			ok = h.ID == c.Value
		case hostsync.FieldUserName:
			ok = userNameKey(h.UserName) == userNameKey(c.Value)
		case hostsync.FieldExternalID:
			ok = h.ExternalID == c.Value
		case hostsync.FieldDisplayName:
			//lint:ignore SA6005 the SQL's rule (see above)
			ok = strings.ToLower(h.DisplayName) == strings.ToLower(c.Value)
		case hostsync.FieldEmail:
			//lint:ignore SA6005 the SQL's rule (see above)
			ok = strings.ToLower(h.Email) == strings.ToLower(c.Value)
		case hostsync.FieldActive:
			switch strings.ToLower(c.Value) {
			case "true":
				ok = h.State() == StateActive
			case "false":
				ok = h.State() == StateDeactivated
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// noteOtherWriters drops the host cache and the page memo when a connection
// other than this store's writer — another process on the same file — has
// committed since the last look: both assume this store made every change.
// PRAGMA data_version on the writer connection moves only for such commits.
func (s *Store) noteOtherWriters(ctx context.Context) {
	var v int64
	if err := s.w.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		return
	}
	if old := s.dataVersion.Swap(v); old != 0 && old != v {
		s.hosts.invalidate()
		s.gen.Add(1)
	}
}

// WarmHostCache starts filling the host cache in the background, so that the
// first requests after start find it ready. A service calls it once opened.
func (s *Store) WarmHostCache() { s.cacheReady() }

// withKey scans a host row followed by its user_name_key.
type withKey struct {
	sqlitedb.Scanner
	key *string
}

func (w withKey) Scan(dest ...any) error { return w.Scanner.Scan(append(dest, w.key)...) }
