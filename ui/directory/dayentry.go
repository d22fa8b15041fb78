package directory

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// dayEntry is a date field with Fyne's calendar picker that also takes a day typed by hand, in
// the locale's order (03/12/2026) or as 2026-12-03. A text that is no day is an error shown next
// to the field, never a filter silently left out.
type dayEntry struct {
	widget.DateEntry
	layout    string                    // the locale's, as the calendar writes days
	onChanged func()                    // the text changed
	onKey     func(*fyne.KeyEvent) bool // keys the screen handles first (F5)
}

// pickerLayout is the layout the calendar writes days in: Fyne picks it from the locale and keeps
// it to itself, but a day written in a layout is the layout itself when the day is Go's
// reference day.
func pickerLayout() string {
	e := widget.NewDateEntry()
	ref := time.Date(2006, 1, 2, 0, 0, 0, 0, time.UTC)
	e.SetDate(&ref)
	if _, err := time.Parse(e.Text, e.Text); err != nil || e.Text == "" {
		return time.DateOnly
	}
	return e.Text
}

func newDayEntry(layout, label string, onChanged func(), onKey func(*fyne.KeyEvent) bool) *dayEntry {
	e := &dayEntry{layout: layout, onChanged: onChanged, onKey: onKey}
	e.ExtendBaseWidget(e)
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	e.SetPlaceHolder(label + " " + layoutWords(layout))
	return e
}

// CreateRenderer builds Fyne's date entry, then puts in this one's reading of the text: the
// DateEntry's own accepts only the locale's layout and ignores anything else.
func (e *dayEntry) CreateRenderer() fyne.WidgetRenderer {
	r := e.DateEntry.CreateRenderer()
	e.Validator = func(s string) error {
		_, err := parseDay(s, e.layout)
		return err
	}
	e.Entry.OnChanged = func(s string) {
		if t, err := parseDay(s, e.layout); err == nil && !t.IsZero() {
			e.Date = &t
		} else {
			e.Date = nil
		}
		if e.onChanged != nil {
			e.onChanged()
		}
	}
	return r
}

// TypedKey offers keys to the screen first (F5 syncs from here too).
func (e *dayEntry) TypedKey(k *fyne.KeyEvent) {
	if e.onKey != nil && e.onKey(k) {
		return
	}
	e.DateEntry.TypedKey(k)
}

// day is the local day typed or picked; zero when empty, an error when the text is no day.
func (e *dayEntry) day() (time.Time, error) { return parseDay(e.Text, e.layout) }

// layoutWords spells a date layout for people: 01/02/2006 is MM/DD/YYYY.
func layoutWords(layout string) string {
	return strings.NewReplacer("2006", "YYYY", "01", "MM", "02", "DD").Replace(layout)
}

// parseDay reads a local calendar day in the locale's layout, with or without leading zeros, or
// as YYYY-MM-DD; empty is the zero time.
func parseDay(s, layout string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	short := strings.NewReplacer("01", "1", "02", "2").Replace(layout)
	for _, l := range []string{time.DateOnly, layout, short} {
		if t, err := time.ParseInLocation(l, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date: type it as %s or YYYY-MM-DD, or pick it from the calendar", s, layoutWords(layout))
}
