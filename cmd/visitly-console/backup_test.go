package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/visitly/hostsync/storage/hostdb"
	"github.com/visitly/hostsync/ui"
)

func connectedBackend(t *testing.T) (*backend, string) {
	t.Helper()
	dir := t.TempDir()
	b := newTestBackend(t, dir, &memKeyring{m: map[string]string{}})
	if _, err := b.Connect(context.Background(), embeddedSettings(dir), ""); err != nil {
		t.Fatal(err)
	}
	return b, dir
}

func TestBackUpNowWritesADatabaseAndKeepsSeven(t *testing.T) {
	ctx := context.Background()
	b, dir := connectedBackend(t)
	if last, err := b.Last(); err != nil || !last.IsZero() {
		t.Fatalf("before any backup: %v, %v", last, err)
	}
	// Eight older backups, as eight earlier days left them.
	if err := os.MkdirAll(b.Folder(), 0o700); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 8; i++ {
		old := filepath.Join(b.Folder(), fmt.Sprintf("hostsync-2026-01-%02dT10-00-00Z.db", i))
		if _, err := hostdb.BackupFile(ctx, filepath.Join(dir, "hostsync.db"), old); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(-time.Duration(10-i) * 24 * time.Hour)
		os.Chtimes(old, at, at)
	}
	path, err := b.BackupNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(path) != filepath.Join(dir, "backups") {
		t.Errorf("backup written to %s", path)
	}
	if err := hostdb.CheckBackup(ctx, path); err != nil {
		t.Errorf("the backup is not a good database: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(b.Folder(), "hostsync-*.db"))
	if len(files) != keepBackups {
		t.Errorf("%d backups kept, want %d: %v", len(files), keepBackups, files)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the new backup was rotated away: %v", err)
	}
	if last, err := b.Last(); err != nil || time.Since(last) > time.Minute {
		t.Errorf("Last = %v, %v; want just now", last, err)
	}
}

func TestDailyBackupOnlyWhenDue(t *testing.T) {
	ctx := context.Background()
	b, _ := connectedBackend(t)
	now := time.Now()
	first, err := b.backupIfDue(ctx, now)
	if err != nil || first == "" {
		t.Fatalf("no backup yet: made %q, %v", first, err)
	}
	if again, err := b.backupIfDue(ctx, now.Add(time.Hour)); err != nil || again != "" {
		t.Errorf("an hour later: made %q, %v; want none", again, err)
	}
	old := now.Add(-25 * time.Hour)
	os.Chtimes(first, old, old)
	if next, err := b.backupIfDue(ctx, now.Add(time.Second)); err != nil || next == "" {
		t.Errorf("a day later: made %q, %v; want one", next, err)
	}
}

func TestBackupErrorsSayWhatToDo(t *testing.T) {
	b, _ := connectedBackend(t)
	// A file where the backups folder should be: the folder cannot be written.
	if err := os.WriteFile(b.Folder(), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := b.BackupNow(context.Background())
	if !errors.Is(err, ui.ErrBackupFolder) {
		t.Fatalf("err = %v, want ErrBackupFolder", err)
	}
	if p := ui.Describe(err); p.Title != "The backups folder cannot be written" || p.Hint == "" {
		t.Errorf("Describe = %+v", p)
	}
	full := fmt.Errorf("write /x/backups/hostsync-1.db.tmp: %w", syscall.ENOSPC)
	if got := backupProblem(full, ui.ErrBackupFolder); got != ui.ErrDiskFull {
		t.Errorf("ENOSPC is %v, want ErrDiskFull", got)
	}
	if p := ui.Describe(fmt.Errorf("x: %w: %w", ui.ErrDiskFull, full)); !strings.Contains(p.Hint, "Free some space") {
		t.Errorf("disk full: %+v", p)
	}
}
