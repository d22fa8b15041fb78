package main

import (
	"errors"
	"reflect"

	"fyne.io/fyne/v2"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// errNoViewport: the window is not a GLFW window this code knows (another driver, or a Fyne
// release whose window keeps its GLFW window elsewhere).
var errNoViewport = errors.New("the window's GLFW window was not found")

// routeF5 makes F5 sync whatever holds the focus. Fyne hands an unmodified key to the focused
// widget only, and its buttons, radios, checkboxes, dropdowns, accordions and the page list ignore
// F5, so with one of them focused F5 did nothing; here, below Fyne, F5 goes to the window's own key
// handler, which is what it reaches with nothing focused (File › Sync now). Other keys, and F5 with
// a modifier, go to Fyne unchanged. It must run on the main thread after the window was shown.
//
// Fyne offers no hook for this: the GLFW window is read from the Fyne window's unexported
// "viewport" field (Fyne 2.0–2.7). When it is not there the caller logs it and F5 keeps working
// where it did before (tables, text fields, nothing focused); the end-to-end run checks both ends.
func routeF5(w fyne.Window) error {
	gw, err := viewport(w)
	if err != nil {
		return err
	}
	var fyneKeys glfw.KeyCallback
	fyneKeys = gw.SetKeyCallback(func(win *glfw.Window, key glfw.Key, scancode int, action glfw.Action, mods glfw.ModifierKey) {
		if key == glfw.KeyF5 && action != glfw.Release && mods&(glfw.ModShift|glfw.ModControl|glfw.ModAlt|glfw.ModSuper) == 0 {
			if onKey := w.Canvas().OnTypedKey(); onKey != nil {
				onKey(&fyne.KeyEvent{Name: fyne.KeyF5, Physical: fyne.HardwareKey{ScanCode: scancode}})
				return
			}
		}
		if fyneKeys != nil {
			fyneKeys(win, key, scancode, action, mods)
		}
	})
	return nil
}

// viewport is the GLFW window behind a Fyne window of the desktop driver.
func viewport(w fyne.Window) (*glfw.Window, error) {
	v := reflect.ValueOf(w)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, errNoViewport
	}
	f := v.Elem().FieldByName("viewport")
	if !f.IsValid() || f.Type() != reflect.TypeOf((*glfw.Window)(nil)) || f.IsNil() {
		return nil, errNoViewport
	}
	return (*glfw.Window)(f.UnsafePointer()), nil
}
