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
	return mountTmpfs(t, 0, size)
}

// mountReadOnly mounts an empty read-only file system on a new folder for
// the test and returns it, or "" where mounting is not permitted.
func mountReadOnly(t *testing.T) string {
	t.Helper()
	return mountTmpfs(t, syscall.MS_RDONLY, 64<<10)
}

func mountTmpfs(t *testing.T, flags uintptr, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", flags, "size="+strconv.Itoa(size)); err != nil {
		t.Logf("cannot mount a tmpfs (%v): a case is left out", err)
		return ""
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}
