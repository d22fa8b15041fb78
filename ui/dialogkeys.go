package ui

import (
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// openDialogs are the dialogs shown through ShowDialog, newest last, per window, so that the
// window's key handler can confirm or cancel the one on top. Package-level because ShowError and
// the pages' dialogs are given a window, not the shell.
var openDialogs = struct {
	sync.Mutex
	m map[fyne.Window][]keyedDialog
}{m: map[fyne.Window][]keyedDialog{}}

type keyedDialog struct {
	d       dialog.Dialog
	confirm func() // Enter; nil: Enter closes like Escape
}

// ShowDialog shows d so that Enter confirms it (confirm, e.g. a ConfirmDialog's Confirm; nil to
// just close) and Escape cancels it, once the window's keys go through HandleDialogKey (the shell
// installs it).
func ShowDialog(win fyne.Window, d dialog.Dialog, confirm func()) {
	openDialogs.Lock()
	openDialogs.m[win] = append(openDialogs.m[win], keyedDialog{d, confirm})
	openDialogs.Unlock()
	d.SetOnClosed(func() { forgetDialog(win, d) })
	d.Show()
}

// ShowConfirm shows a confirmation: Enter is its confirm button, Escape its cancel button.
func ShowConfirm(win fyne.Window, d *dialog.ConfirmDialog) { ShowDialog(win, d, d.Confirm) }

func forgetDialog(win fyne.Window, d dialog.Dialog) {
	openDialogs.Lock()
	defer openDialogs.Unlock()
	list := openDialogs.m[win]
	for i := range list {
		if list[i].d == d {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(openDialogs.m, win)
		return
	}
	openDialogs.m[win] = list
}

// HandleDialogKey confirms (Enter) or cancels (Escape) the dialog on top of win and reports
// whether it used the key. Keys typed into a focused widget of the dialog never reach it.
func HandleDialogKey(win fyne.Window, ev *fyne.KeyEvent) bool {
	openDialogs.Lock()
	list := openDialogs.m[win]
	var top keyedDialog
	if len(list) > 0 {
		top = list[len(list)-1]
	}
	openDialogs.Unlock()
	if top.d == nil {
		return frameKey(win, ev)
	}
	switch ev.Name {
	case fyne.KeyEscape:
		top.d.Dismiss()
	case fyne.KeyReturn, fyne.KeyEnter:
		if top.confirm != nil {
			top.confirm()
		} else {
			top.d.Dismiss()
		}
	default:
		return false
	}
	return true
}

// frameKey handles Enter and Escape for a dialog shown without ShowDialog (Fyne's standard ones,
// or a page's own) by its buttons' roles: a dialog's confirm button is its one high-importance
// (or danger or success) button, its dismiss button the one other. Overlays with more buttons,
// such as the file chooser, are left alone.
func frameKey(win fyne.Window, ev *fyne.KeyEvent) bool {
	if ev.Name != fyne.KeyEscape && ev.Name != fyne.KeyReturn && ev.Name != fyne.KeyEnter {
		return false
	}
	pop, ok := win.Canvas().Overlays().Top().(*widget.PopUp)
	if !ok || pop == nil {
		return false
	}
	var buttons []*widget.Button
	collectButtons(pop.Content, &buttons)
	if len(buttons) == 0 || len(buttons) > 2 {
		return false
	}
	var confirm, dismiss *widget.Button
	for _, b := range buttons {
		switch b.Importance {
		case widget.HighImportance, widget.DangerImportance, widget.SuccessImportance:
			if confirm != nil {
				return false // two candidates: not a plain confirmation
			}
			confirm = b
		default:
			if dismiss != nil {
				return false
			}
			dismiss = b
		}
	}
	if len(buttons) == 1 { // a message with one button: Enter and Escape both close it
		confirm, dismiss = buttons[0], buttons[0]
	}
	b := dismiss
	if ev.Name != fyne.KeyEscape {
		b = confirm
	}
	if b == nil || b.Disabled() || b.OnTapped == nil {
		return false
	}
	b.OnTapped()
	return true
}

// collectButtons finds the visible buttons in o's containers.
func collectButtons(o fyne.CanvasObject, out *[]*widget.Button) {
	switch x := o.(type) {
	case *widget.Button:
		if x.Visible() {
			*out = append(*out, x)
		}
	case *fyne.Container:
		for _, k := range x.Objects {
			if k.Visible() {
				collectButtons(k, out)
			}
		}
	}
}

// newInfoDialog is a dialog with one Close button.
func newInfoDialog(title string, body fyne.CanvasObject, win fyne.Window) dialog.Dialog {
	d := dialog.NewCustom(title, "Close", body, win)
	d.Resize(fyne.NewSize(560, 360))
	return d
}
