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

	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// Backups and restores. A backup is SQLite's VACUUM INTO on a connection of
// its own: one read transaction, so the copy is the database as of one
// commit, while the writer goes on (WAL readers never block it). It is
// written under a temporary name beside the target and renamed only when it
// is complete and synced, so a failed backup leaves no file that looks like
// one. A restore copies the backup the same way, checks the copy, and renames
// it over the database of a stopped service.

var (
	// ErrBadBackup: a file is not a Visitly host database this program can
	// use. The error is a *BadFileError, which says why.
	ErrBadBackup = errors.New("hostdb: not a usable backup")
	// ErrInUse: the database to restore over is open in a running service.
	ErrInUse = errors.New("hostdb: database is in use")
	// ErrNoSpace: the disk had no room for the file being written.
	ErrNoSpace = errors.New("hostdb: no space left on the disk")
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

// RestoreReport says what a restore did besides putting the backup in place.
type RestoreReport struct {
	// Kept is where the replaced database was kept
	// (<db>.before-restore-<UTC time>); empty when there was none.
	Kept string
	// Revoked are the backup's API keys that were revoked in the replaced
	// database (after the backup was made): they stay revoked.
	Revoked []APIKey
	// AdminToken is when the admin credential of the replaced database was
	// made, when it was newer than the backup's and so replaced it (the
	// backup's had been rotated away); zero otherwise.
	AdminToken time.Time
	// Unknown are live keys of the backup that the replaced database never
	// had (no entry of their making in its log). A backup of another
	// database, or of a history a later restore replaced, has such keys;
	// so does one someone added a key to. Check them, and revoke those
	// nobody made.
	Unknown []APIKey
	// Unread is why the replaced database could not be read, when it could
	// not (damaged, not a database): then nothing was carried over from it.
	Unread error
}

// Restore replaces the database file to with the backup from, for a service
// that is stopped: it refuses while a process has it open (ErrInUse) and, if
// to exists, unless force is set.
//
// The backup is copied beside to, and the copy checked (CheckBackup: intact,
// exactly the schema of its version, its credentials made as this program
// makes them), then opened as the service opens it (a backup of an older
// schema is migrated) and read. What the replaced database knows and the
// backup cannot is carried over (credentials.go): revoked keys stay
// revoked, a newer admin credential stays, keys it never had are listed,
// and a backup whose key has another secret than the same key there is
// refused. The copy gets the old file's permissions and owner (a restore
// run as root must leave a file the service's user can open), is synced
// and renamed over to. The replaced database stays beside it as the
// report's Kept, with its write-ahead log if it had one, so that SQLite
// cannot replay that log into the restored file.
func Restore(ctx context.Context, from, to string, force bool) (rep RestoreReport, err error) {
	if err := checkBackupFile(from); err != nil {
		return rep, err
	}
	old, statErr := os.Stat(to)
	exists := statErr == nil
	if exists {
		if src, err := os.Stat(from); err == nil && os.SameFile(src, old) {
			return rep, fmt.Errorf("hostdb: restore: %s is the backup itself", to)
		}
		if !force {
			return rep, fmt.Errorf("hostdb: restore: %s: %w", to, fs.ErrExist)
		}
	}
	tmp, err := tempBeside(to)
	if err != nil {
		return rep, fmt.Errorf("hostdb: restore: %w", err)
	}
	defer func() {
		if err != nil {
			removeWithSidecars(tmp)
		}
	}()
	if err := copyFile(from, tmp); err != nil {
		return rep, fmt.Errorf("hostdb: restore: copy %s: %w", from, writeErr(err))
	}
	if err := checkDB(ctx, tmp, from); err != nil {
		return rep, err
	}
	var cur *credentials
	if exists {
		// Also checkpoints the old file's WAL, so that what is read next
		// holds every commit of it.
		if err := checkNotInUse(ctx, to); err != nil {
			return rep, err
		}
		if cur, err = readLiveCredentials(ctx, to); err != nil {
			rep.Unread, cur = err, nil
		}
	}
	if err := settleCopy(ctx, tmp, from, cur, &rep); err != nil {
		return rep, err
	}
	if exists {
		if err := os.Chmod(tmp, old.Mode().Perm()); err != nil {
			return rep, fmt.Errorf("hostdb: restore: %w", err)
		}
		if err := chownLike(tmp, old); err != nil {
			return rep, fmt.Errorf("hostdb: restore: %w", err)
		}
		// As late as possible, to leave a service little time to start
		// between the look and the rename.
		if err := checkNotInUse(ctx, to); err != nil {
			return rep, err
		}
		if rep.Kept, err = keepReplaced(to); err != nil {
			return rep, err
		}
	} else {
		// Left by a database removed by hand: SQLite would apply a WAL's
		// frames to the restored file.
		for _, suffix := range []string{"-wal", "-shm", "-journal"} {
			if err := os.Remove(to + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return rep, fmt.Errorf("hostdb: restore: %w", err)
			}
		}
	}
	return rep, install(tmp, to)
}

// readLiveCredentials reads the credentials of the database file path,
// which no one else has open.
func readLiveCredentials(ctx context.Context, path string) (*credentials, error) {
	if err := checkMagic(path); err != nil {
		return nil, err
	}
	db, err := openRead(path, false)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	c, err := readCredentials(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("hostdb: read %s: %w", path, err)
	}
	return c, nil
}

// settleCopy opens the restore's copy tmp of the backup from as the service
// would (which migrates an older schema), carries cur's revocations into it
// (cur is nil when there is no database to replace, or it could not be
// read), and reads it all, as a service's start and a console's first sync
// do; closing it leaves no -wal behind.
func settleCopy(ctx context.Context, tmp, from string, cur *credentials, rep *RestoreReport) error {
	s, err := Open(ctx, tmp)
	if err != nil {
		return &BadFileError{from, fmt.Sprintf("cannot be opened as the service opens it (%v)", err)}
	}
	err = func() error {
		if cur != nil {
			c, err := s.settleCredentials(ctx, cur, from)
			if err != nil {
				return err
			}
			rep.Revoked, rep.AdminToken, rep.Unknown = c.revoked, c.adminToken, c.unknown
		}
		return s.readAll(ctx)
	}()
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	var bad *BadFileError
	switch {
	case errors.As(err, &bad):
		return err
	case err != nil:
		return &BadFileError{from, fmt.Sprintf("cannot be read as the service reads it (%v)", err)}
	}
	return nil
}

// readAll reads every host, group and key of s through the store's own
// queries.
func (s *Store) readAll(ctx context.Context) error {
	if err := s.Ready(ctx); err != nil {
		return err
	}
	if _, err := s.ListAPIKeys(ctx); err != nil {
		return err
	}
	if _, err := s.Counts(ctx); err != nil {
		return err
	}
	for since, more := int64(0), true; more; {
		var err error
		if _, since, more, err = s.Changes(ctx, since, 5000); err != nil {
			return err
		}
	}
	return nil
}

// keepReplaced keeps the database to, which a restore is about to replace,
// as to.before-restore-<UTC time>: a hard link (no copy, and to stays in
// place until the rename replaces it, so that a service starting meanwhile
// finds no missing file and creates no empty one), or a copy where the file
// system has no links. A write-ahead log or rollback journal of it goes
// along; its shared-memory file, which SQLite rebuilds, goes.
func keepReplaced(to string) (string, error) {
	base := to + ".before-restore-" + time.Now().UTC().Format(backupLayout)
	kept := base
	var err error
	for i := 2; ; i++ {
		if err = os.Link(to, kept); err == nil || !errors.Is(err, fs.ErrExist) || i > 100 {
			break
		}
		kept = fmt.Sprintf("%s.%d", base, i) // two restores in one second
	}
	if err != nil && !errors.Is(err, fs.ErrExist) {
		err = copyNew(to, kept)
	}
	if err != nil {
		return "", fmt.Errorf("hostdb: restore: keep the replaced database: %w", writeErr(err))
	}
	for _, suffix := range []string{"-wal", "-journal"} {
		if err := os.Rename(to+suffix, kept+suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("hostdb: restore: %w", err)
		}
	}
	if err := os.Remove(to + "-shm"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("hostdb: restore: %w", err)
	}
	return kept, nil
}

// copyNew copies from to a new private file to, synced.
func copyNew(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	f, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, sqlitedb.PrivateFile)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, src)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(to)
	}
	return err
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
		return fmt.Errorf("%w (%v)", ErrNoSpace, err)
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
