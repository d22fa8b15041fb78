//go:build unix

package mirror

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMirrorFilesArePrivate: the console's copy of the directory and its
// -wal and -shm are readable by the console's user alone.
func TestMirrorFilesArePrivate(t *testing.T) {
	_, path := openTest(t)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want -rw-------", filepath.Base(p), fi.Mode().Perm())
		}
	}
}
