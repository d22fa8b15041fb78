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

	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// keyCacheTTL bounds how long a key created or revoked by another process on
// the same file (the CLI) goes unnoticed.
const keyCacheTTL = time.Second

// keyCache holds the hashes of the live API keys and of the admin token, so
// that authenticating a request reads no table.
type keyCache struct {
	snap     atomic.Pointer[keySnapshot]
	gen      atomic.Uint64 // bumped by invalidate
	reloadMu sync.Mutex    // one reload at a time
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

// invalidate makes the next authentication reload, after this process changed
// a key.
func (k *keyCache) invalidate() {
	k.gen.Add(1)
	k.snap.Store(nil)
}

// current returns a snapshot at most keyCacheTTL old. When a reload fails a
// stale snapshot is still used rather than locking everyone out.
func (k *keyCache) current(ctx context.Context, db *sql.DB) (*keySnapshot, error) {
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
		c.key.Created = sqlitedb.Time(created)
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
