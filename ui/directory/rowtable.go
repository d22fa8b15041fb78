package directory

import (
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// newFocusFrame is a cell's share of the focus ring around a row: lines along its top and bottom
// edges and, in the first column, its left edge.
func newFocusFrame() *fyne.Container {
	line := func(w, h float32) *canvas.Rectangle {
		r := canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
		r.SetMinSize(fyne.NewSize(w, h))
		return r
	}
	f := container.NewBorder(line(0, 2), line(0, 2), line(3, 0), nil)
	f.Hide()
	return f
}

func showFrame(f *fyne.Container, on, first bool) {
	if !on {
		f.Hide()
		return
	}
	c := theme.Color(theme.ColorNamePrimary)
	for i, o := range f.Objects {
		r := o.(*canvas.Rectangle)
		if r.FillColor != c {
			r.FillColor = c
			r.Refresh()
		}
		if i == 2 && !first {
			r.Hide()
		} else {
			r.Show()
		}
	}
	f.Show()
}

// rowTable is Fyne's table with the keyboard of a list of rows (dataTable.typedKey), columns
// fitted to its width on every resize, and a visible focus.
type rowTable struct {
	widget.Table
	onKey    func(*fyne.KeyEvent) bool
	onResize func(fyne.Size) bool // reports whether the columns changed
	onFocus  func(bool)
	onRune   func(rune) // text typed while the table has the keyboard
	focused  bool
}

// Resize fits the columns to the new width, then lays the cells out again: the table itself only
// moves the cells it has when it is resized.
func (r *rowTable) Resize(s fyne.Size) {
	if r.onResize == nil || !r.onResize(s) {
		r.Table.Resize(s)
		return
	}
	r.Table.Resize(s)
	r.Table.Refresh()
}

// Tapped selects the cell and gives the table the keyboard. Fyne's own Tapped looks its canvas
// up by the embedded Table, which the desktop driver does not know, so it never focuses an
// extended table.
func (r *rowTable) Tapped(e *fyne.PointEvent) {
	r.Table.Tapped(e)
	if c := fyne.CurrentApp().Driver().CanvasForObject(r); c != nil && c.Focused() != r {
		c.Focus(r)
	}
}

// TypedKey handles the row keys and leaves the rest (left and right) to the table.
func (r *rowTable) TypedKey(e *fyne.KeyEvent) {
	if r.onKey != nil && r.onKey(e) {
		return
	}
	r.Table.TypedKey(e)
}

// TypedRune hands letters typed in the table to onRune (the screen's search); spaces are keys
// (Space ticks a row), not text.
func (r *rowTable) TypedRune(c rune) {
	if r.onRune != nil && !unicode.IsSpace(c) {
		r.onRune(c)
	}
}

// FocusGained shows that the table has the keyboard.
func (r *rowTable) FocusGained() {
	r.focused = true
	r.Table.FocusGained()
	if r.onFocus != nil {
		r.onFocus(true)
	}
}

// FocusLost shows that it no longer has.
func (r *rowTable) FocusLost() {
	r.focused = false
	r.Table.FocusLost()
	if r.onFocus != nil {
		r.onFocus(false)
	}
}
