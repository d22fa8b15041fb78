//go:build unix

package hostdb

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestFilesArePrivate: the database, its -wal and -shm, backups and a
// restored database are readable by the service's user alone, whatever
// the umask lets through (another local user could read the directory and
// the key hashes).
func TestFilesArePrivate(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	mustCreateHost(t, s, "alice", nil)
	dir := t.TempDir()
	backup := filepath.Join(dir, "b.db")
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	dated, err := s.BackupInto(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	restored := filepath.Join(t.TempDir(), "restored.db")
	if _, err := Restore(ctx, backup, restored, false); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", backup, dated, restored} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want -rw-------", p, fi.Mode().Perm())
		}
	}
}
