package main

import (
	"strconv"
	"syscall"
	"testing"
)

// mountTiny mounts a tmpfs of size bytes on a new folder for the test and
// returns it, or "" where mounting is not permitted.
func mountTiny(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+strconv.Itoa(size)); err != nil {
		t.Logf("no full-disk case: cannot mount a small tmpfs (%v)", err)
		return ""
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}
