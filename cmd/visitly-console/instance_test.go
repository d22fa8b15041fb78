package main

import (
	"errors"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// A second start on the same data folder brings the first window to the front and does not run;
// once the first has closed, a start runs again.
func TestSecondStartShowsTheFirst(t *testing.T) {
	dir := t.TempDir()
	first, shown, err := claimInstance(dir)
	if err != nil || shown {
		t.Fatalf("first start: shown %v, err %v", shown, err)
	}
	var shows atomic.Int32
	first.OnShow(func() { shows.Add(1) })

	second, shown, err := claimInstance(dir)
	if err != nil || !shown || second != nil {
		t.Fatalf("second start: instance %v, shown %v, err %v", second, shown, err)
	}
	if n := shows.Load(); n != 1 {
		t.Errorf("the first window was asked to show %d times, want 1", n)
	}

	// Another data folder is another console.
	other, shown, err := claimInstance(t.TempDir())
	if err != nil || shown {
		t.Fatalf("other folder: shown %v, err %v", shown, err)
	}
	other.close()

	first.close()
	if _, err := os.Stat(instancePath(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("console.instance left behind: %v", err)
	}
	third, shown, err := claimInstance(dir)
	if err != nil || shown {
		t.Fatalf("start after the first closed: shown %v, err %v", shown, err)
	}
	third.close()
}

// A show request that arrives while the first is still building its window is not lost.
func TestShowBeforeTheWindowExists(t *testing.T) {
	dir := t.TempDir()
	first, _, err := claimInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer first.close()
	if _, shown, err := claimInstance(dir); !shown || err != nil {
		t.Fatalf("second start: shown %v, err %v", shown, err)
	}
	var shows atomic.Int32
	first.OnShow(func() { shows.Add(1) })
	if shows.Load() != 1 {
		t.Error("the early request was dropped")
	}
}

// A console that holds the folder but does not answer (hung, or an instance file that a wrong
// token guards) is reported plainly, not by a second dead window.
func TestSecondStartSaysAlreadyOpenWhenTheFirstDoesNotAnswer(t *testing.T) {
	dir := t.TempDir()
	first, _, err := claimInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer first.close()
	first.token = "something else" // the first will not recognise the request
	defer func(w time.Duration) { showWait = w }(showWait)
	showWait = 300 * time.Millisecond
	_, shown, err := claimInstance(dir)
	if shown || !errors.Is(err, errAlreadyOpen) {
		t.Fatalf("shown %v, err %v; want errAlreadyOpen", shown, err)
	}
}

// Whatever else connects to the show listener (a port scan, a local program
// holding connections), the console holds only a few of those connections
// at once, each a file descriptor of the process that also runs the
// embedded service, and a second start still brings the window up.
func TestShowListenerHoldsFewConnections(t *testing.T) {
	dir := t.TempDir()
	first, _, err := claimInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer first.close()
	var shows atomic.Int32
	first.OnShow(func() { shows.Add(1) })
	addr := first.ln.Addr().String()

	var silent []net.Conn
	for range 20 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		silent = append(silent, c)
	}
	time.Sleep(200 * time.Millisecond)
	open := 0
	for _, c := range silent {
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			open++
		}
	}
	if open > maxShowConns {
		t.Errorf("the console holds %d of 20 silent connections, want at most %d", open, maxShowConns)
	}
	if _, shown, err := claimInstance(dir); !shown || err != nil {
		t.Fatalf("second start beside 20 silent connections: shown %v, err %v", shown, err)
	}
	if shows.Load() != 1 {
		t.Errorf("the window was asked to show %d times, want 1", shows.Load())
	}
}
