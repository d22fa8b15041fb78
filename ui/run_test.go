package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// TestNothingLateTouchesAStoppedUI: once the window is gone, results of background work and timers
// are dropped rather than applied (off the UI goroutine, against a terminated GLFW).
func TestNothingLateTouchesAStoppedUI(t *testing.T) {
	test.NewTempApp(t)
	t.Cleanup(func() { uiStopped.Store(false) })
	ran := make(chan string, 4)
	Background(func() func() { return func() { ran <- "before" } })
	if got := <-ran; got != "before" {
		t.Fatalf("apply before StopUI: %q", got)
	}
	StopUI()
	Background(func() func() { return func() { ran <- "background" } })
	RealAfter(time.Millisecond, func() { ran <- "timer" })
	select {
	case got := <-ran:
		t.Fatalf("%s applied after StopUI", got)
	case <-time.After(200 * time.Millisecond):
	}
}
