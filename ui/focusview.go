package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Fyne moves the keyboard focus on Tab but does not scroll to it, and tells nobody: the shell looks
// at the focused control every focusCheck and scrolls each scroll container around it so that it
// is in view.
const focusCheck = 200 * time.Millisecond

// scrollIntoView scrolls every scroll container in root that holds obj, outermost first, until
// obj is inside each one's visible part; it reports whether anything moved.
func scrollIntoView(root fyne.CanvasObject, obj fyne.CanvasObject) bool {
	path := pathTo(root, obj)
	if path == nil {
		return false
	}
	d := fyne.CurrentApp().Driver()
	moved := false
	for _, o := range path {
		s, ok := o.(*container.Scroll)
		if !ok || s.Content == nil {
			continue
		}
		// A margin, so that the focus ring around obj shows too.
		const margin = 8
		top := d.AbsolutePositionForObject(obj).Y - d.AbsolutePositionForObject(s).Y - margin
		bottom := top + obj.Size().Height + 2*margin
		view := s.Size().Height
		off := s.Offset.Y
		switch {
		case top < 0:
			off += top
		case bottom > view:
			off += min(bottom-view, top) // a control taller than the view shows its top
		default:
			continue
		}
		off = min(max(off, 0), s.Content.Size().Height-view)
		if off != s.Offset.Y {
			s.Offset.Y = off
			s.Refresh()
			moved = true
		}
	}
	return moved
}

// pathTo lists the containers from root down to obj (obj excluded), or nil if obj is not found.
// It looks through the layouts the console builds pages with.
func pathTo(root, obj fyne.CanvasObject) []fyne.CanvasObject {
	if root == obj {
		return []fyne.CanvasObject{}
	}
	var kids []fyne.CanvasObject
	switch o := root.(type) {
	case *fyne.Container:
		kids = o.Objects
	case *container.Scroll:
		kids = []fyne.CanvasObject{o.Content}
	case *container.Split:
		kids = []fyne.CanvasObject{o.Leading, o.Trailing}
	case *widget.Card:
		kids = []fyne.CanvasObject{o.Content}
	case *widget.Form:
		for _, it := range o.Items {
			kids = append(kids, it.Widget)
		}
	case *widget.Accordion:
		for _, it := range o.Items {
			if it.Open {
				kids = append(kids, it.Detail)
			}
		}
	case *container.AppTabs:
		if it := o.Selected(); it != nil {
			kids = []fyne.CanvasObject{it.Content}
		}
	}
	for _, k := range kids {
		if k == nil || !k.Visible() {
			continue
		}
		if p := pathTo(k, obj); p != nil {
			return append([]fyne.CanvasObject{root}, p...)
		}
	}
	return nil
}
