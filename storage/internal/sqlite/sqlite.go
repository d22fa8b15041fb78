// Package sqlitedb is what the service's store (storage/hostdb) and the
// console's mirror (storage/mirror) share about their SQLite files: how a
// file is opened (pragmas in the DSN, one writer connection, a pool of
// readers), the embedded migrations run at open (migrate.go) and how times
// are kept in columns (time.go). Each store keeps its own SQL and migration
// files and hands them to this package.
//
// The folder is storage/internal/sqlite; the package is named sqlitedb so
// that it does not shadow the driver's package, modernc.org/sqlite, whose
// error type the stores match on.
package sqlitedb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// Durability is what a COMMIT waits for before it returns.
type Durability int

const (
	// SurvivesCrash is synchronous=NORMAL in WAL mode: the WAL is synced only
	// at checkpoints. A killed process loses no commit, but power loss or an
	// OS crash may lose the last ones: for a cache that can be filled again.
	SurvivesCrash Durability = iota
	// SurvivesPowerLoss is synchronous=FULL in WAL mode: every COMMIT syncs
	// the WAL before it returns, so a write that was answered is on disk.
	// With group commit one sync covers a whole batch. On macOS fsync does
	// not reach the platter, so fullfsync and checkpoint_fullfsync make
	// SQLite use F_FULLFSYNC instead.
	SurvivesPowerLoss
)

// pragmas returns the DSN pragmas for d on goos (runtime.GOOS but in tests).
func (d Durability) pragmas(goos string) []string {
	if d == SurvivesCrash {
		return []string{"synchronous(NORMAL)"}
	}
	p := []string{"synchronous(FULL)"}
	if goos == "darwin" {
		p = append(p, "fullfsync(1)", "checkpoint_fullfsync(1)")
	}
	return p
}

// DSN returns the URI that opens the SQLite file at path with the pragmas
// every database here sets — a busy timeout, untrusted schema (Untrusted),
// WAL, foreign keys and d's synchronous mode — followed by extra ones, each
// "name(value)".
//
// Pragmas go in the DSN because a pragma run with Exec reaches only one
// pooled connection. The path is made absolute and escaped (URI).
func DSN(path string, d Durability, extra ...string) (string, error) {
	uri, err := URI(path)
	if err != nil {
		return "", err
	}
	all := append([]string{"busy_timeout(10000)", Untrusted, "journal_mode(WAL)"}, d.pragmas(runtime.GOOS)...)
	all = append(all, "foreign_keys(1)")
	all = append(all, extra...)
	return uri + "?_pragma=" + strings.Join(all, "&_pragma="), nil
}

// Untrusted is the pragma every connection here sets, also those opened
// with URI for one job: trusted_schema off, so that the schema of a file —
// which a restored backup or another local user may have written — cannot
// make SQLite run functions or virtual tables that are not marked harmless
// from a view, trigger, CHECK or default. Put first in the DSN, it holds
// before any statement reads the schema.
const Untrusted = "trusted_schema(0)"

// URI returns the SQLite URI of the file at path without parameters, for a
// connection that sets its own. The path is made absolute and escaped so
// that '?', '#' or '%' in a folder name cannot cut the URI short; on Windows
// SQLite expects "file:/C:/...".
func URI(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("sqlite: %w", err)
	}
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p), nil
}

// OpenWriter opens dsn as the database's one writer — a pool of a single
// connection that is never closed for idleness, whose transactions take the
// write lock at BEGIN (so two writers wait on busy_timeout instead of
// failing on upgrade) — and brings the file's schema up to date.
//
// One writer connection because writes are serialised by SQLite anyway, and
// a single connection avoids "database is locked" between our own writers.
func OpenWriter(ctx context.Context, dsn string, s Schema) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := s.migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// OpenReaders opens dsn as a pool of n read-only connections, which WAL
// lets run beside the writer. Open it after OpenWriter, so that its
// connections find the file in WAL mode with its schema in place.
func OpenReaders(dsn string, n int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

// Scanner is a *sql.Row or a *sql.Rows, for a function that reads one row
// of either.
type Scanner interface{ Scan(dest ...any) error }
