//go:build unix

package hostdb

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// chownLike gives path the owner and group of like. Only root may give a
// file away: for anyone else the file stays theirs.
func chownLike(path string, like fs.FileInfo) error {
	st, ok := like.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if err := os.Chown(path, int(st.Uid), int(st.Gid)); err != nil && !errors.Is(err, fs.ErrPermission) {
		return err
	}
	return nil
}
