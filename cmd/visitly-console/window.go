package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync/assets"
	"github.com/visitly/hostsync/ui"
)

// runWindow opens the main window and blocks until it is closed; the embedded service is shut
// down gracefully before it returns.
func runWindow(env *CommandEnv, measure bool) error {
	// One console per data folder: before the database and the service's port are touched.
	inst, shown, err := claimInstance(env.DataDir)
	if shown {
		fmt.Fprintln(env.Stdout, "Visitly Console is already open: its window was brought to the front.")
		return nil
	}
	if err != nil {
		if errors.Is(err, errAlreadyOpen) {
			showAlreadyOpen(err)
		}
		return err
	}
	defer inst.close()
	if inst.unguarded != nil {
		env.Log.Warn("a second console on this data folder cannot be detected", "err", inst.unguarded)
	}
	cfg, err := loadConfig(env.DataDir)
	if err != nil {
		env.Log.Warn("settings unreadable, using defaults", "err", err)
	}
	b := newBackend(env.DataDir, cfg, env.Keyring, env.Log, version)
	defer func() {
		if err := b.Close(); err != nil {
			env.Log.Error("close the embedded service", "err", err)
		}
	}()

	// Calm: the text cursor stops blinking after some seconds on one control, as in GTK and Windows.
	a := ui.NewCalm(app.NewWithID(assets.AppID))
	a.SetIcon(assets.Icon)
	a.Settings().SetTheme(ui.Theme())
	w := a.NewWindow("Visitly Console")
	w.SetMaster()
	sw, sh, ok := usableScreen()
	if !ok {
		sw, sh = 1366, 768 // unknown: the smallest screen the console is made for
	}
	w.Resize(windowSize(sw, sh, w.Canvas().Scale()))
	// A second start brings this window to the front.
	inst.OnShow(func() {
		fyne.Do(func() {
			w.Show()
			w.RequestFocus()
		})
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	uiEnv := &ui.Env{Window: w, Clipboard: a.Clipboard(), Secrets: env.Keyring, Run: ui.Background,
		After: ui.RealAfter, Delays: ui.DefaultDelays, Log: env.Log, Rest: a.Rest}
	// Hosts, Deleted hosts, Activity: their pages, sync, menu items and keys.
	dir := newDirectoryPages(env.DataDir, uiEnv)
	defer dir.close()
	shell := ui.NewShell(ctx, uiEnv, b, dir.pages())
	defer shell.Close()
	shell.OnSession(dir.onSession)
	shell.OnRefresh(dir.syncNow)
	shell.OnServiceChange(dir.serviceChanged)
	shell.AddFileItems(dir.menuItems()...)
	go b.dailyBackups(ctx)

	w.SetContent(container.NewStack(shell.Build(), firstFrame(func() {
		env.Log.Info("first frame painted", "after", time.Since(processStart).Round(time.Millisecond),
			"sinceInit", time.Since(initTime).Round(time.Millisecond))
		fyne.Do(func() {
			// The scale is known once the window is on its screen (HiDPI): fit again if it grew.
			if fit := windowSize(sw, sh, w.Canvas().Scale()); w.Canvas().Size().Width > fit.Width || w.Canvas().Size().Height > fit.Height {
				w.Resize(fit)
			}
			env.Log.Debug("window size", "screen", fmt.Sprintf("%dx%d", sw, sh), "scale", w.Canvas().Scale(), "size", w.Canvas().Size())
			if err := routeF5(w); err != nil {
				env.Log.Warn("F5 syncs only from tables, text fields and with nothing focused", "err", err)
			}
		})
		if measure {
			// Let the driver finish the frame's events before quitting.
			time.AfterFunc(300*time.Millisecond, func() { fyne.Do(w.Close) })
			return
		}
		// Connect once the window is on screen: on two cores, opening the database and the
		// keyring would otherwise compete with the first frame. The header says "Starting…" meanwhile.
		fyne.Do(shell.Connect)
	})))
	// SIGINT/SIGTERM (logout, a service manager) quit like closing the window: deferred cleanup runs.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		if _, ok := <-sig; ok {
			fyne.Do(func() {
				ui.StopUI()
				a.Quit()
			})
		}
	}()
	w.SetOnClosed(ui.StopUI) // nothing late may touch the window once it is gone
	env.Log.Debug("window built", "after", time.Since(processStart).Round(time.Millisecond))
	w.ShowAndRun()
	return nil
}

// showAlreadyOpen says, in a small window of its own, that another console has this data folder
// and did not answer: started from a desktop icon, stderr goes nowhere.
func showAlreadyOpen(err error) {
	a := app.NewWithID(assets.AppID)
	a.SetIcon(assets.Icon)
	a.Settings().SetTheme(ui.Theme())
	w := a.NewWindow("Visitly Console")
	msg := widget.NewLabel("Visitly Console is already open on this computer for this data folder, but did not come to the front. " +
		"Look for its window (or its icon in the task bar, or in the Dock on a Mac), or close it and start the console again.\n\n" + err.Error())
	msg.Wrapping = fyne.TextWrapWord
	w.SetContent(container.NewBorder(nil, container.NewCenter(widget.NewButton("OK", a.Quit)), nil, nil, msg))
	w.Resize(fyne.NewSize(480, 200))
	w.ShowAndRun()
}

// firstFrame is an invisible 1×1 raster: the painter generates it while drawing the first frame.
func firstFrame(f func()) fyne.CanvasObject {
	var once sync.Once
	r := canvas.NewRaster(func(w, h int) image.Image {
		once.Do(func() { go f() })
		return image.NewNRGBA(image.Rect(0, 0, 1, 1))
	})
	r.Resize(fyne.NewSize(1, 1))
	return container.NewWithoutLayout(r)
}
