package hostdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/visitly/hostsync"

	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// Restoring a backup over the database of a stopped service: what is
// checked (backup.go's CheckBackup, backupschema.go), carried over
// (credentials.go) and kept.

// RestoreReport says what a restore did besides putting the backup in place.
type RestoreReport struct {
	// Kept is where the replaced database was kept
	// (<db>.before-restore-<UTC time>); empty when there was none.
	Kept string
	// Revoked are the backup's API keys that were revoked in the replaced
	// database (after the backup was made): they stay revoked.
	Revoked []hostsync.APIKey
	// AdminToken is when the admin credential of the replaced database was
	// made, when it was newer than the backup's and so replaced it (the
	// backup's had been rotated away); zero otherwise.
	AdminToken time.Time
	// Unknown are live keys of the backup that the replaced database never
	// had (no entry of their making in its log), when it had any
	// credential. A backup of another database, or of a history a later
	// restore replaced, has such keys; so does one someone added a key to.
	// Check them, and revoke those nobody made.
	Unknown []hostsync.APIKey
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
	case errors.As(err, &bad), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
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
