package ui

import (
	"log/slog"

	"fyne.io/fyne/v2"
)

// Env is what every screen gets from the shell: the window, the OS services and the timing seams.
type Env struct {
	Window    fyne.Window
	Clipboard fyne.Clipboard
	Secrets   SecretStore
	Run       Runner
	After     AfterFunc
	Delays    Delays
	Log       *slog.Logger
	// Navigate shows a sidebar page by ID (PageHosts…); NewShell sets it.
	Navigate func(page string)
	// Rest puts animations to rest after restAfter on one control, and wakes them when the
	// keyboard moves (Calm.Rest); nil leaves them running.
	Rest func(rest bool, focused fyne.Focusable)
}

func (e *Env) log() *slog.Logger {
	if e.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Log
}
