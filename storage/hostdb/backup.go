package hostdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/visitly/hostsync"
	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// Backups and restores. A backup is SQLite's VACUUM INTO on a connection of
// its own: one read transaction, so the copy is the database as of one
// commit, while the writer goes on (WAL readers never block it). It is
// written under a temporary name beside the target and renamed only when it
// is complete and synced, so a failed backup leaves no file that looks like
// one. A restore copies the backup the same way, checks and settles the
// copy, and renames it over the database of a stopped service, which it
// keeps (backuprestore.go).

var (
	// ErrBadBackup: a file is not a Visitly host database this program can
	// use. The error is a *BadFileError, which says why.
	ErrBadBackup = errors.New("hostdb: not a usable backup")
	// ErrInUse: the database to restore over is open in a running service.
	ErrInUse = errors.New("hostdb: database is in use")
)

// BadFileError says why the file at Path is not a Visitly host database
// this program can use: not SQLite, damaged, another program's database,
// from a newer version, or a live database rather than a backup. It matches
// ErrBadBackup.
type BadFileError struct {
	Path   string
	Reason string // e.g. "not an SQLite database"
}

func (e *BadFileError) Error() string { return "hostdb: " + e.Path + ": " + e.Reason }

func (e *BadFileError) Is(target error) bool { return target == ErrBadBackup }

// backupLayout names the files BackupInto writes: sortable, no colons
// (Windows), UTC.
const (
	backupPrefix = "hostsync-"
	backupLayout = "2006-01-02T15-04-05Z"
	backupSuffix = ".db"
)

// Backup writes a consistent copy of the database to path, which must not
// exist yet; the store keeps serving reads and writes meanwhile. Every write
// acknowledged before Backup was called is in the copy.
func (s *Store) Backup(ctx context.Context, path string) error {
	src, err := s.file(ctx)
	if err != nil {
		return err
	}
	return backup(ctx, src, path)
}

// BackupInto writes a backup into dir under a name made of the current UTC
// time (the names RotateBackups keeps or removes) and returns its path.
func (s *Store) BackupInto(ctx context.Context, dir string) (string, error) {
	path := filepath.Join(dir, backupPrefix+time.Now().UTC().Format(backupLayout)+backupSuffix)
	return path, s.Backup(ctx, path)
}

// BackupFile backs up the database file db to path without opening a Store,
// so that an older database is copied as it is rather than migrated first
// (a backup before an upgrade should be restorable by the old version). db
// may be in use by a running service. If path is an existing folder, the
// backup goes into it under a BackupInto name; the path written is returned.
func BackupFile(ctx context.Context, db, path string) (string, error) {
	if _, err := os.Stat(db); err != nil {
		return "", fmt.Errorf("hostdb: backup: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, backupPrefix+time.Now().UTC().Format(backupLayout)+backupSuffix)
	}
	return path, backup(ctx, db, path)
}

// file is the path of the store's database file.
func (s *Store) file(ctx context.Context) (string, error) {
	rows, err := s.r.QueryContext(ctx, "PRAGMA database_list")
	if err != nil {
		return "", fmt.Errorf("hostdb: backup: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int
		var name, file string
		if err := rows.Scan(&seq, &name, &file); err != nil {
			return "", fmt.Errorf("hostdb: backup: %w", err)
		}
		if name == "main" {
			return file, nil
		}
	}
	return "", fmt.Errorf("hostdb: backup: no main database: %w", rows.Err())
}

// backup copies the live database src to path through a temporary file.
func backup(ctx context.Context, src, path string) (err error) {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("hostdb: backup: %s: %w", path, fs.ErrExist)
	}
	tmp, err := tempBeside(path)
	if err != nil {
		return fmt.Errorf("hostdb: backup: %w", err)
	}
	defer func() {
		if err != nil {
			removeWithSidecars(tmp)
		}
	}()
	if err := vacuumInto(ctx, src, tmp); err != nil {
		return fmt.Errorf("hostdb: backup to %s: %w", path, err)
	}
	return install(tmp, path)
}

// vacuumInto writes the database src into the empty file tmp.
func vacuumInto(ctx context.Context, src, tmp string) error {
	if err := checkMagic(src); err != nil {
		return err
	}
	db, err := openRead(src, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := checkSchema(ctx, db, src); err != nil {
		return err
	}
	// VACUUM INTO accepts an existing file if it is empty.
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return writeErr(err)
	}
	return nil
}

// CheckBackup reports whether path is an intact Visitly host database this
// version can open: PRAGMA integrity_check passes, the schema is exactly
// what its migrations make at the file's version (nothing more: no trigger
// or view of someone else's), and each API key and the admin credential has
// the activity entry that made it. It reads the file only. A failure wraps
// ErrBadBackup.
func CheckBackup(ctx context.Context, path string) error {
	if err := checkBackupFile(path); err != nil {
		return err
	}
	return checkDB(ctx, path, path)
}

// checkBackupFile catches the mistakes a look at the file shows: not there,
// not SQLite, or a live database (a WAL beside it holds commits a copy of
// the file alone would lose).
func checkBackupFile(path string) error {
	if err := checkMagic(path); err != nil {
		return err
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		return &BadFileError{path, "a write-ahead log is beside it, so it is a live database, not a backup"}
	}
	return nil
}

// checkMagic reports whether path starts as an SQLite database does.
func checkMagic(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("hostdb: %w", err)
	}
	defer f.Close()
	head := make([]byte, 16)
	if _, err := io.ReadFull(f, head); err != nil || string(head) != "SQLite format 3\x00" {
		return &BadFileError{path, "not an SQLite database"}
	}
	return nil
}

// checkDB runs the integrity and schema checks on a file nothing writes
// to; errors name the file as name.
func checkDB(ctx context.Context, path, name string) error {
	db, err := openRead(path, true)
	if err != nil {
		return err
	}
	defer db.Close()
	var first string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check(1)").Scan(&first); err != nil {
		return &BadFileError{name, fmt.Sprintf("damaged (%v)", err)}
	}
	if first != "ok" {
		return &BadFileError{name, "damaged (" + firstLine(first) + ")"}
	}
	if err := checkSchema(ctx, db, name); err != nil {
		return err
	}
	if err := checkExactSchema(ctx, db, name); err != nil {
		return err
	}
	c, err := readCredentials(ctx, db)
	if err != nil {
		return &BadFileError{name, fmt.Sprintf("unreadable credentials (%v)", err)}
	}
	return c.unlogged(name)
}

// checkSchema reports whether db holds a Visitly host database of a schema
// version this program knows; errors name the file as name.
func checkSchema(ctx context.Context, db *sql.DB, name string) error {
	known, err := schema.Version()
	if err != nil {
		return err
	}
	var v, tables int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return &BadFileError{name, err.Error()}
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master
		WHERE type = 'table' AND name IN ('hosts', 'groups', 'activity')`).Scan(&tables); err != nil {
		return &BadFileError{name, err.Error()}
	}
	switch {
	case v == 0 || tables != 3:
		return &BadFileError{name, "not a Visitly host database"}
	case v > known:
		return &BadFileError{name, fmt.Sprintf("made by a newer version (schema %d; this program knows up to %d)", v, known)}
	}
	return nil
}

// checkNotInUse fails with ErrInUse while another connection has path open.
// Every open connection to a database in WAL mode holds a shared lock on
// the file, so an exclusive lock is granted only to a sole user; closing
// that probe checkpoints and removes the WAL of the old file.
func checkNotInUse(ctx context.Context, path string) error {
	base, err := sqlitedb.URI(path)
	if err != nil {
		return err
	}
	db, err := sql.Open("sqlite", base+"?_pragma="+sqlitedb.Untrusted+"&_pragma=busy_timeout(0)&_pragma=locking_mode(EXCLUSIVE)")
	if err != nil {
		return fmt.Errorf("hostdb: restore: %w", err)
	}
	db.SetMaxOpenConns(1)
	_, err = db.ExecContext(ctx, "BEGIN EXCLUSIVE; COMMIT")
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	var e *sqlite.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e) && (e.Code()&0xff == sqlite3.SQLITE_BUSY || e.Code()&0xff == sqlite3.SQLITE_LOCKED):
		return fmt.Errorf("hostdb: restore: %s: %w by another program (is the service still running?)", path, ErrInUse)
	case errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_NOTADB:
		return nil // not a database: nothing can be serving it
	}
	return fmt.Errorf("hostdb: restore: look whether %s is in use: %w", path, err)
}

// openRead opens path for reading on one connection. immutable is for
// files nothing else writes to (a backup, a restore's copy): SQLite then
// opens them read-only, takes no locks and creates no -wal or -shm.
func openRead(path string, immutable bool) (*sql.DB, error) {
	base, err := sqlitedb.URI(path)
	if err != nil {
		return nil, err
	}
	// Not mode=ro for a live file: a read-only connection that is the last
	// to close cannot remove the -wal and -shm it made, and not query_only
	// either, which refuses VACUUM INTO. Only this package's statements
	// run on it; the one write it may do is the checkpoint of the last
	// connection to close, as any process that opens the file does.
	q := "?_pragma=" + sqlitedb.Untrusted + "&_pragma=busy_timeout(10000)"
	if immutable {
		q = "?mode=ro&immutable=1&_pragma=" + sqlitedb.Untrusted
	}
	db, err := sql.Open("sqlite", base+q)
	if err != nil {
		return nil, fmt.Errorf("hostdb: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// tempBeside creates an empty file in path's folder for a file that becomes
// path by rename (same file system, so the rename is atomic).
func tempBeside(path string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".partial-*")
	if err != nil {
		return "", err
	}
	return f.Name(), f.Close()
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	return errors.Join(err, dst.Close())
}

// install syncs tmp, renames it to path and syncs the folder, so that after
// a power loss path is either absent (or the old file) or the whole new one.
func install(tmp, path string) error {
	f, err := os.OpenFile(tmp, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("hostdb: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("hostdb: sync %s: %w", tmp, writeErr(err))
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("hostdb: %w", err)
	}
	syncDir(filepath.Dir(path))
	return nil
}

// syncDir makes a rename in dir durable. Windows cannot open a folder for
// syncing (and its renames are durable without it), so a failure is ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

func removeWithSidecars(path string) {
	for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
}

// writeErr adds ErrNoSpace to an error that means the disk is full.
func writeErr(err error) error {
	var e *sqlite.Error
	if errors.Is(err, syscall.ENOSPC) || errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_FULL {
		return fmt.Errorf("%w (%v)", hostsync.ErrNoSpace, err)
	}
	return err
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// partialAge is how old a partial file of a BackupInto backup must be for
// RotateBackups to take it for the leftover of a process that was killed
// rather than a backup still being written.
const partialAge = 24 * time.Hour

// RotateBackups removes all but the newest keep backups that BackupInto
// wrote in dir, and partial files a killed backup left there, and returns
// the paths it removed. Other files are never touched; keep must be at
// least 1. The console's daily backup is BackupInto, then RotateBackups(dir, 7).
func RotateBackups(dir string, keep int) ([]string, error) {
	if keep < 1 {
		return nil, fmt.Errorf("hostdb: rotate backups: keep %d, want at least 1", keep)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("hostdb: rotate backups: %w", err)
	}
	var names, stale []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "."+backupPrefix) && strings.Contains(e.Name(), backupSuffix+".partial-") {
			if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > partialAge {
				stale = append(stale, e.Name())
			}
			continue
		}
		stamp, ok := strings.CutPrefix(e.Name(), backupPrefix)
		stamp, ok2 := strings.CutSuffix(stamp, backupSuffix)
		if !ok || !ok2 || !e.Type().IsRegular() {
			continue
		}
		if _, err := time.Parse(backupLayout, stamp); err == nil {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names) // the layout sorts by time
	var removed []string
	var errs []error
	for _, n := range slices.Concat(names[:max(len(names)-keep, 0)], stale) {
		p := filepath.Join(dir, n)
		if err := os.Remove(p); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, p)
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("hostdb: rotate backups: %w", err)
	}
	return removed, nil
}
