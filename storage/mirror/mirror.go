// Package mirror is the console's local SQLite copy of the service's hosts,
// groups and activity, for instant search, offline audit and export.
//
// The mirror is filled only from the service's change feed and activity log
// (see Sync); every batch is committed with its cursor in one transaction so
// an interrupted sync resumes without loss or duplicates. It never holds a
// secret.
//
// Its rows and queries are hostsync's types (Host, Event, HostFilter,
// EventFilter…), so that the screens, which declare the few methods they
// need, never import this package or SQL.
package mirror

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// FileName is the embedded service's mirror file name inside the console's
// data folder.
const FileName = "mirror.db"

// Path is where the mirror of a service lives in the data folder: FileName
// for the embedded service (serviceURL ""), and one file per remote service
// URL so that switching services never mixes two directories.
func Path(dataDir, serviceURL string) string {
	if serviceURL == "" {
		return filepath.Join(dataDir, FileName)
	}
	sum := sha256.Sum256([]byte(strings.TrimRight(serviceURL, "/")))
	return filepath.Join(dataDir, "mirror-"+hex.EncodeToString(sum[:6])+".db")
}

var (
	// ErrNotFound is returned for an id the mirror does not hold.
	ErrNotFound = errors.New("mirror: not found")
	// ErrBadQuery is returned for a query naming an unknown state, sort
	// column or format.
	ErrBadQuery = errors.New("mirror: bad query")
)

//go:embed migrations/*.sql
var migrations embed.FS

// schema is the mirror's embedded migrations, run at open. A new file gets
// 8 KiB pages first (pageSize8K).
var schema = sqlitedb.Schema{FS: migrations, Dir: "migrations", Create: pageSize8K}

// Mirror is an open mirror file: one writer connection (writes are
// serialised anyway, and a single connection avoids "database is locked"
// between our own writers) and a small pool of readers, which WAL lets run
// alongside the writer.
type Mirror struct {
	w, r   *sql.DB
	syncMu sync.Mutex // one Sync at a time per process
	now    func() time.Time
}

// writerCacheKiB is the writer's page cache (in KiB, negative as PRAGMA
// cache_size takes it). 64 MiB made a first sync no faster than 16 MiB, and
// cost the console ~90 MB of memory (its bar is 300 MB) once filled.
const writerCacheKiB = -16 << 10

// durability: the mirror is a cache filled again from the service's change
// feed, so a commit waits only for what a killed process cannot lose
// (synchronous=NORMAL): power loss may cost the last pages of a sync, and the
// next sync fetches them again, since their cursor is lost with them.
const durability = sqlitedb.SurvivesCrash

// writerPragmas are the writer connection's, beyond those every database here
// sets (sqlitedb.DSN).
var writerPragmas = []string{fmt.Sprintf("cache_size(%d)", writerCacheKiB), "analysis_limit(1000)",
	"wal_autocheckpoint(10000)", "temp_store(MEMORY)"}

// Open opens the mirror at path, creating it or migrating it as needed.
func Open(ctx context.Context, path string) (*Mirror, error) {
	wdsn, err := sqlitedb.DSN(path, durability, writerPragmas...)
	if err != nil {
		return nil, fmt.Errorf("mirror: %w", err)
	}
	rdsn, err := sqlitedb.DSN(path, durability)
	if err != nil {
		return nil, fmt.Errorf("mirror: %w", err)
	}
	// A new file 0600, which its -wal and -shm inherit: it holds the
	// directory.
	if err := sqlitedb.CreateFile(path); err != nil {
		return nil, fmt.Errorf("mirror: open %s: %w", path, err)
	}
	w, err := sqlitedb.OpenWriter(ctx, wdsn, schema)
	if err != nil {
		return nil, fmt.Errorf("mirror: open %s: %w", path, err)
	}
	if err := ensureSortIndexes(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("mirror: open %s: %w", path, err)
	}
	r, err := sqlitedb.OpenReaders(rdsn, 4)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("mirror: open %s: %w", path, err)
	}
	return &Mirror{w: w, r: r, now: time.Now}, nil
}

// Close closes the file.
func (m *Mirror) Close() error {
	return errors.Join(m.r.Close(), m.w.Close())
}

// pageSize8K gives a new file 8 KiB pages (the page size of a WAL file is
// fixed once written, hence the detour). Over 4 KiB they made a first sync
// of 100,000 hosts 10-20% faster (fewer page splits and WAL frames for rows
// of ~1 KB); 16 KiB pages gained nothing more there but made an incremental
// sync write twice as much to the WAL.
func pageSize8K(ctx context.Context, db *sql.DB) error {
	for _, q := range []string{"PRAGMA journal_mode = DELETE", "PRAGMA page_size = 8192", "VACUUM", "PRAGMA journal_mode = WAL"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("page size: %w", err)
		}
	}
	return nil
}

// Reset empties the mirror (hosts, groups, activity, cursors) so that the
// next Sync is a full one. Sync calls it itself when the service's latest seq
// is behind the stored cursor, i.e. the service's database was replaced.
func (m *Mirror) Reset(ctx context.Context) error {
	tx, err := m.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mirror: reset: %w", err)
	}
	defer tx.Rollback()
	// Sort indexes off first, so the rows go without index upkeep; the
	// search index is emptied at once. The next sync is a bulk load (the
	// fts_bulk row), which builds both again when it ends.
	if err := dropSortIndexes(ctx, tx); err != nil {
		return err
	}
	for _, q := range []string{"INSERT INTO hosts_fts(hosts_fts) VALUES ('delete-all')",
		"DELETE FROM hosts", "DELETE FROM host_resources", "DELETE FROM sync_state", "DELETE FROM groups", "DELETE FROM memberships",
		"DELETE FROM events", "INSERT INTO sync_state(name, value) VALUES ('" + keyFTSBulk + "', 1)"} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("mirror: reset: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mirror: reset: %w", err)
	}
	return nil
}
