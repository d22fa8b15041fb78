package sqlitedb

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestCreateFileIsPrivate: a database created through CreateFile is 0600,
// and so are the -wal and -shm SQLite then creates beside it, whatever the
// umask lets through; an existing file keeps its mode.
func TestCreateFileIsPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are Unix's; Windows uses the folder's access rules")
	}
	path := filepath.Join(t.TempDir(), "a.db")
	if err := CreateFile(path); err != nil {
		t.Fatal(err)
	}
	db, err := openWriter(t, path, SurvivesPowerLoss, schemaOf(map[string]string{"001_t.sql": "CREATE TABLE t (x)"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		assertMode(t, p, PrivateFile)
	}

	chosen := filepath.Join(t.TempDir(), "b.db")
	if err := os.WriteFile(chosen, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := CreateFile(chosen); err != nil {
		t.Fatal(err)
	}
	assertMode(t, chosen, 0o640)
}

func assertMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %v, want %v", filepath.Base(path), got, want)
	}
}
