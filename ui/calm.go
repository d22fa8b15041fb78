package ui

import (
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
)

// restAfter is how long the keyboard stays on one control before animations rest. Fyne's text
// cursor fades in and out for as long as a field has the keyboard, and each step repaints the
// whole window: about 15 % of a core at 1366×768 with software OpenGL while nobody types. GTK and
// Windows stop blinking after some seconds without input and leave the cursor lit; so does the
// console.
const restAfter = 10 * time.Second

// Calm is the app, with animations that can be put to rest. Fyne's widgets ask the current app's
// settings whether to animate; while at rest, Calm's settings say no.
type Calm struct {
	fyne.App
	settings calmSettings
}

type calmSettings struct {
	fyne.Settings
	rest *atomic.Bool
}

// ShowAnimations is false while at rest.
func (s calmSettings) ShowAnimations() bool { return !s.rest.Load() && s.Settings.ShowAnimations() }

// NewCalm wraps a and makes the wrapper the current app, which Fyne's widgets ask.
func NewCalm(a fyne.App) *Calm {
	c := &Calm{App: a, settings: calmSettings{Settings: a.Settings(), rest: new(atomic.Bool)}}
	fyne.SetCurrentApp(c)
	return c
}

// Settings are the app's, except that animations rest when told.
func (c *Calm) Settings() fyne.Settings { return c.settings }

// Rest puts animations to rest (rest true) while a text field has the keyboard (focused), or
// wakes them. Other controls do not animate on their own, so with one of them focused nothing
// rests and a tapped button still ripples. The field keeps its cursor lit and still: Fyne stops a
// cursor's animation only when its field is disabled or loses the keyboard, and starts none while
// animations rest, so the field is disabled and enabled again at once (no frame is painted in
// between, and unlike a focus change it runs no validation). Typing still shows the cursor where
// it is.
func (c *Calm) Rest(rest bool, focused fyne.Focusable) {
	f, ok := focused.(textField)
	if rest && (!ok || f.Disabled()) {
		return // nothing blinks
	}
	if c.settings.rest.Swap(rest) == rest || !rest {
		return
	}
	f.Disable()
	f.Enable()
}

// textField is what Rest needs of a focused text field (widget.Entry and types embedding it).
type textField interface {
	Disable()
	Enable()
	Disabled() bool
	SelectedText() string
}
