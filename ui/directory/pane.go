package directory

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The details pane's width: a share of the screen's, within bounds that keep both the pane's text
// and the table's name column readable on a 1366 px laptop.
const (
	paneShare = 0.36
	paneMin   = 320
	paneMax   = 440
)

// sidePane is a table with the details of its selected row beside it. The details take room only
// while open (something is selected and the user has not closed them), so the table has the
// whole width otherwise.
type sidePane struct {
	box   *fyne.Container
	pane  *fyne.Container
	close *widget.Button
}

func newSidePane(table, details fyne.CanvasObject, onClose func()) *sidePane {
	p := &sidePane{close: &widget.Button{Text: "Close", Icon: theme.CancelIcon(), Importance: widget.LowImportance, OnTapped: onClose}}
	p.pane = container.NewBorder(container.NewHBox(layout.NewSpacer(), p.close), nil, nil, nil, details)
	p.pane.Hide()
	p.box = container.New(paneLayout{}, table, p.pane)
	return p
}

func (p *sidePane) show() {
	if !p.pane.Visible() {
		p.pane.Show()
		p.box.Refresh()
	}
}

func (p *sidePane) hide() {
	if p.pane.Visible() {
		p.pane.Hide()
		p.box.Refresh()
	}
}

func (p *sidePane) open() bool { return p.pane.Visible() }

// paneLayout puts objects[0] (the table) on the left and objects[1] (the pane), when visible, on
// the right at paneWidth.
type paneLayout struct{}

func paneWidth(w float32) float32 { return max(paneMin, min(paneMax, w*paneShare)) }

func (paneLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	table, pane := objs[0], objs[1]
	if !pane.Visible() {
		table.Move(fyne.NewPos(0, 0))
		table.Resize(size)
		return
	}
	pw := paneWidth(size.Width)
	gap := theme.Padding()
	tw := max(0, size.Width-pw-gap)
	table.Move(fyne.NewPos(0, 0))
	table.Resize(fyne.NewSize(tw, size.Height))
	pane.Move(fyne.NewPos(tw+gap, 0))
	pane.Resize(fyne.NewSize(pw, size.Height))
}

func (paneLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	m := objs[0].MinSize()
	if objs[1].Visible() {
		pm := objs[1].MinSize()
		m = fyne.NewSize(m.Width+paneMin+theme.Padding(), max(m.Height, pm.Height))
	}
	return m
}
