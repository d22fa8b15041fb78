//go:build unix

package main

import (
	"errors"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The show listener outlives a moment without file descriptors: an accept
// that fails then (EMFILE) is tried again, and once files are free a second
// start brings the window up instead of saying "already open".
func TestShowListenerSurvivesRunningOutOfFiles(t *testing.T) {
	dir := t.TempDir()
	first, _, err := claimInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer first.close()
	var shows atomic.Int32
	first.OnShow(func() { shows.Add(1) })
	port := first.ln.Addr().(*net.TCPAddr).Port

	exhaustFiles(t, func() {
		// The last free descriptor goes to this client: the console's accept
		// of it fails.
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			t.Fatalf("dial with one descriptor free: %v", err)
		}
		time.Sleep(300 * time.Millisecond)
		c.Close()
	})

	second, shown, err := claimInstance(dir)
	if err != nil || !shown || second != nil {
		t.Fatalf("a start after the descriptors came back: shown %v, err %v; want the first window shown", shown, err)
	}
	if shows.Load() != 1 {
		t.Errorf("the window was asked to show %d times, want 1", shows.Load())
	}
}

// exhaustFiles runs f with this process allowed one more open file than it
// has, then gives the limit back.
func exhaustFiles(t *testing.T, f func()) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	low := lim
	low.Cur = 256
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skipf("lower the open-file limit: %v", err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	var fill []*os.File
	defer func() {
		for _, f := range fill {
			f.Close()
		}
	}()
	for {
		f, err := os.Open(os.DevNull)
		if errors.Is(err, syscall.EMFILE) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		fill = append(fill, f)
	}
	if len(fill) == 0 {
		t.Skip("more than 256 files already open")
	}
	fill[len(fill)-1].Close()
	fill = fill[:len(fill)-1]
	f()
}
