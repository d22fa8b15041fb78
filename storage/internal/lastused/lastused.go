// Package lastused collects API keys' last calls in memory for a store, which
// writes them in batches: authentication, on every SCIM request, never waits
// for a write. Both stores (hostdb, pgstore) keep them the same way.
package lastused

import (
	"strconv"
	"sync"
	"time"

	"github.com/visitly/hostsync"
)

// Use is a key's last call.
type Use struct {
	At           time.Time
	Method, Path string
}

// Pending holds the last calls not written yet, by key id. The zero value
// is ready.
type Pending struct {
	mu    sync.Mutex
	byKey map[int64]Use
}

// Mark notes a call at t; method and path, when given, replace those of an
// earlier call, and a call at the same time without them keeps them.
func (u *Pending) Mark(id int64, t time.Time, method, path string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.byKey == nil {
		u.byKey = map[int64]Use{}
	}
	p := u.byKey[id]
	switch {
	case t.After(p.At):
		u.byKey[id] = Use{At: t, Method: method, Path: path}
	case t.Equal(p.At) && method != "":
		u.byKey[id] = Use{At: t, Method: method, Path: path}
	}
}

// Overlay returns key with this process's not yet written last call.
func (u *Pending) Overlay(key hostsync.APIKey) hostsync.APIKey {
	id, err := strconv.ParseInt(key.ID, 10, 64)
	if err != nil {
		return key
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if p := u.byKey[id]; p.At.After(key.LastUsed) {
		key.LastUsed, key.LastMethod, key.LastPath = p.At, p.Method, p.Path
	}
	return key
}

// Take removes and returns the pending last calls.
func (u *Pending) Take() map[int64]Use {
	u.mu.Lock()
	defer u.mu.Unlock()
	m := u.byKey
	u.byKey = nil
	return m
}
