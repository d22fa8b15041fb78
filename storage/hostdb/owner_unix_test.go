//go:build unix

package hostdb

import (
	"syscall"
	"testing"
)

// fileOwner is the uid that owns path.
func fileOwner(t *testing.T, path string) int {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return int(st.Uid)
}
