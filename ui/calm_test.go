package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// The keyboard resting restAfter on one control puts animations to rest (the text cursor stops
// blinking); moving it wakes them.
func TestAnimationsRestWhenTheKeyboardStaysOnOneControl(t *testing.T) {
	h, s, _ := newShellHarness(t, nil)
	var told []bool
	h.env.Rest = func(rest bool, _ fyne.Focusable) { told = append(told, rest) }
	s.Connect()
	s.Show(PageSettings)
	h.win.Canvas().Focus(s.setting.listen)
	h.timers.fire(focusCheck) // the keyboard arrived: animations run
	for range int(restAfter/focusCheck) + 5 {
		h.timers.fire(focusCheck)
	}
	h.win.Canvas().Focus(s.setting.publicURL)
	h.timers.fire(focusCheck)
	if want := []bool{false, true, false}; len(told) != len(want) || told[0] != want[0] || told[1] != want[1] || told[2] != want[2] {
		t.Errorf("Rest told %v, want %v (wake on arrival, rest after %v, wake when the keyboard moves)", told, want, restAfter)
	}
}

// At rest Fyne's widgets are told not to animate, and the focused field keeps the keyboard and
// stays enabled; woken, they animate again.
func TestCalmRestsTheFocusedField(t *testing.T) {
	a := test.NewTempApp(t)
	c := NewCalm(a)
	t.Cleanup(func() { fyne.SetCurrentApp(a) })
	w := c.NewWindow("calm")
	e := widget.NewEntry()
	b := widget.NewButton("Sync now", nil)
	w.SetContent(container.NewVBox(e, b))
	w.Canvas().Focus(b)
	c.Rest(true, b) // a button does not blink: nothing rests
	if !fyne.CurrentApp().Settings().ShowAnimations() {
		t.Fatal("animations off with a button focused")
	}
	w.Canvas().Focus(e)
	c.Rest(true, e)
	if fyne.CurrentApp().Settings().ShowAnimations() || e.Disabled() || w.Canvas().Focused() != e {
		t.Errorf("at rest: animations %v, field disabled %v, focused %v", fyne.CurrentApp().Settings().ShowAnimations(), e.Disabled(), w.Canvas().Focused() == e)
	}
	test.Type(e, "ann")
	if e.Text != "ann" {
		t.Errorf("typed at rest: %q", e.Text)
	}
	c.Rest(false, e)
	if !fyne.CurrentApp().Settings().ShowAnimations() {
		t.Error("woken: animations still off")
	}
}
