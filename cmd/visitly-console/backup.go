package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/visitly/hostsync/storage/hostdb"
	"github.com/visitly/hostsync/ui"
)

// Backups of the embedded service's database: Settings › Back up now and a daily one while the
// window is open, into <data folder>/backups, the newest keepBackups kept. *backend implements
// ui.Backups.
const (
	keepBackups = 7
	backupEvery = 24 * time.Hour
	// backupCheck is how often the window checks whether the daily backup is due: a laptop that
	// slept through the due time catches up within the hour.
	backupCheck = time.Hour
)

// errNoEmbeddedStore: a backup was asked for while the console uses a remote service.
var errNoEmbeddedStore = errors.New("the embedded service is not running: back up a remote service on its server with visitly-scimd backup")

// Folder implements ui.Backups.
func (b *backend) Folder() string { return filepath.Join(b.dir, "backups") }

// Last implements ui.Backups: when the newest backup file was written.
func (b *backend) Last() (time.Time, error) {
	files, err := filepath.Glob(filepath.Join(b.Folder(), "hostsync-*.db"))
	if err != nil {
		return time.Time{}, err
	}
	var last time.Time
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && fi.ModTime().After(last) {
			last = fi.ModTime()
		}
	}
	return last, nil
}

// BackupNow implements ui.Backups: a consistent copy while the service serves, then the oldest
// beyond keepBackups are removed. Errors say whether the disk is full or the folder unwritable.
func (b *backend) BackupNow(ctx context.Context) (string, error) {
	// Held so that Close (and a settings change) waits for a backup in progress.
	b.connMu.Lock()
	defer b.connMu.Unlock()
	if b.svc == nil {
		return "", errNoEmbeddedStore
	}
	dir := b.Folder()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("%s: %w: %w", dir, backupProblem(err, ui.ErrBackupFolder), err)
	}
	path, err := b.svc.BackupInto(ctx, dir)
	if errors.Is(err, fs.ErrExist) {
		// Names have a one-second resolution: a second backup within it waits for the next.
		time.Sleep(time.Second)
		path, err = b.svc.BackupInto(ctx, dir)
	}
	if err != nil {
		return "", fmt.Errorf("back up into %s: %w: %w", dir, backupProblem(err, ui.ErrBackupFolder), err)
	}
	if _, err := hostdb.RotateBackups(dir, keepBackups); err != nil {
		b.log.Warn("remove old backups", "dir", dir, "err", err) // the new backup is good all the same
	}
	b.log.Info("database backed up", "file", path)
	return path, nil
}

// backupProblem classifies a failed write: a full disk, else fallback.
func backupProblem(err, fallback error) error {
	if isDiskFull(err) {
		return ui.ErrDiskFull
	}
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.ENOTDIR) {
		return ui.ErrBackupFolder
	}
	return fallback
}

// isDiskFull reports a write that failed for lack of space: ENOSPC, Windows' ERROR_DISK_FULL
// (112) and ERROR_HANDLE_DISK_FULL (39), or SQLite's SQLITE_FULL (13).
func isDiskFull(err error) bool {
	var errno syscall.Errno
	if errors.Is(err, syscall.ENOSPC) || (errors.As(err, &errno) && (errno == 112 || errno == 39)) {
		return true
	}
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code()&0xff == 13
}

// backupIfDue makes the daily backup when the newest one is older than backupEvery.
func (b *backend) backupIfDue(ctx context.Context, now time.Time) (string, error) {
	last, err := b.Last()
	if err != nil {
		return "", err
	}
	if !last.IsZero() && now.Sub(last) < backupEvery {
		return "", nil
	}
	return b.BackupNow(ctx)
}

// dailyBackups runs backupIfDue every backupCheck until ctx ends, while the embedded service runs.
// The first check waits a minute, so that it never competes with start-up.
func (b *backend) dailyBackups(ctx context.Context) {
	t := time.NewTimer(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if b.embeddedRunning() {
			if _, err := b.backupIfDue(ctx, time.Now()); err != nil && ctx.Err() == nil {
				b.log.Error("daily backup", "err", err)
			}
		}
		t.Reset(backupCheck)
	}
}

func (b *backend) embeddedRunning() bool {
	b.connMu.Lock()
	defer b.connMu.Unlock()
	return b.emb != nil && b.svc != nil
}
