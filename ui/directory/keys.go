package directory

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// keyEntry is an entry that offers its keys to the screen first: F5 syncs from wherever the
// keyboard is (the window's own F5 handler only hears keys no widget took), and Enter or Down in
// a search moves into the table.
type keyEntry struct {
	widget.Entry
	onKey func(*fyne.KeyEvent) bool // reports whether it used the key
}

func newKeyEntry(onKey func(*fyne.KeyEvent) bool) *keyEntry {
	e := &keyEntry{onKey: onKey}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey gives the key to onKey, and to the entry when onKey leaves it.
func (e *keyEntry) TypedKey(k *fyne.KeyEvent) {
	if e.onKey != nil && e.onKey(k) {
		return
	}
	e.Entry.TypedKey(k)
}

// typeInto moves the keyboard to e and types r there: typing in a table searches.
func typeInto(w fyne.Window, e *keyEntry, r rune) {
	w.Canvas().Focus(e)
	e.TypedRune(r)
}
