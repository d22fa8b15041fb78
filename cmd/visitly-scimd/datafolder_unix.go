//go:build unix

package main

import (
	"fmt"
	"os"
)

// checkDataFolder returns an *openFolderError when dir's mode lets its
// group or other users in: the service creates its files 0600, but a
// folder others may list still shows what is there, and files an admin
// copied in keep their mode. systemd's StateDirectoryMode=0700 avoids it.
func checkDataFolder(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return &openFolderError{dir, fmt.Sprintf("its group or other users (mode %v; chmod 700 %s)", fi.Mode().Perm(), dir)}
	}
	return nil
}
