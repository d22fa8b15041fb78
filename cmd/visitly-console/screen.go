package main

import (
	"fyne.io/fyne/v2"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// The window opens to fit the screen: a 1366×768 laptop's usable area (screen minus task bar and
// title bar) at most, a comfortable size on a larger screen, never smaller than what the console
// is built to fit (minWindow).
var (
	comfortable = fyne.NewSize(1280, 800)
	minWindow   = fyne.NewSize(1000, 650)
)

// Room the window manager's title bar and borders take beyond the window's content, in pixels.
const decorationW, decorationH = 16, 48

// windowSize is the content size for a usable screen area of workW×workH pixels at scale.
func windowSize(workW, workH int, scale float32) fyne.Size {
	if scale <= 0 {
		scale = 1
	}
	fit := fyne.NewSize(float32(workW-decorationW)/scale, float32(workH-decorationH)/scale)
	s := comfortable.Min(fit)
	return s.Max(minWindow.Min(fit))
}

// usableScreen is the primary monitor's work area in pixels (the screen minus task bars and
// docks), where the window first opens. It must run on the main thread after the driver started
// GLFW, i.e. after the first NewWindow.
func usableScreen() (w, h int, ok bool) {
	m := glfw.GetPrimaryMonitor()
	if m == nil {
		return 0, 0, false
	}
	_, _, w, h = m.GetWorkarea()
	return w, h, w > 0 && h > 0
}
