package sqlitedb

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// PrivateFile and PrivateFolder are the modes this package's files and the
// folders it creates get: the user the program runs as, nobody else. A
// database holds the directory and key hashes; others could read it.
const (
	PrivateFile   fs.FileMode = 0o600
	PrivateFolder fs.FileMode = 0o700
)

// CreateFile creates an empty database file at path with mode PrivateFile
// unless a file is there already, whose mode it leaves alone (an admin may
// have chosen one). Call it before SQLite opens path: SQLite would create
// the file 0644, and it gives the -wal and -shm files it creates beside a
// database the database file's mode, so they are private too. An empty file
// is a new database to SQLite. On Windows the mode means nothing and the
// file takes its folder's access rules.
func CreateFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, PrivateFile)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return f.Close()
}
