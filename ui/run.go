package ui

import (
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
)

// Runner runs work off the UI goroutine. work returns what to apply on the UI goroutine (or nil).
type Runner func(work func() (apply func()))

// uiStopped is set once the window is gone (StopUI).
var uiStopped atomic.Bool

// StopUI tells Background and RealAfter that the window is closing: results and timers that come
// later are dropped. Once the loop has ended, fyne.Do runs its function on the caller's goroutine
// against a terminated GLFW (a data race at best, a panic reading the clipboard at worst). Call it
// on the UI goroutine before the app quits.
func StopUI() { uiStopped.Store(true) }

// onUI runs f on the UI goroutine, unless the window is gone; the check runs where f would.
func onUI(f func()) {
	fyne.Do(func() {
		if !uiStopped.Load() {
			f()
		}
	})
}

// Background is the app's Runner: a goroutine per job, results applied on the UI goroutine.
func Background(work func() func()) {
	go func() {
		if apply := work(); apply != nil {
			onUI(apply)
		}
	}()
}

// Inline runs work and its result on the caller's goroutine; tests use it (Fyne's test driver runs
// fyne.Do inline too).
func Inline(work func() func()) {
	if apply := work(); apply != nil {
		apply()
	}
}

// AfterFunc calls f on the UI goroutine after d, unless stop is called first. Tests replace it to
// fire timers on demand.
type AfterFunc func(d time.Duration, f func()) (stop func())

// RealAfter is the app's AfterFunc.
func RealAfter(d time.Duration, f func()) func() {
	t := time.AfterFunc(d, func() { onUI(f) })
	return func() { t.Stop() }
}

// Delays are the page's timings; tests shorten or fire them by hand.
type Delays struct {
	RevealFor      time.Duration // how long a revealed key stays visible
	ClearClipboard time.Duration // after this, a copied key is removed from the clipboard if still there
	CopiedFeedback time.Duration // how long a Copy button says "Copied"
	StatusEvery    time.Duration // health header refresh period
}

// DefaultDelays are the product's timings.
var DefaultDelays = Delays{
	RevealFor:      30 * time.Second,
	ClearClipboard: 60 * time.Second,
	CopiedFeedback: 2 * time.Second,
	StatusEvery:    5 * time.Second, // the header is at most this late; a status read is one indexed query
}
