package main

import (
	"errors"
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
