package directory

import (
	"context"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/ui"
)

// The mass-removal banner: at least massMin hosts (fewer in a small directory: 5 % of it, but never
// under massFloor) deactivated or deleted within massWindow.
const (
	massWindow = time.Hour
	massMin    = 10
	massFloor  = 3
	massShare  = 0.05
)

// Deps is what a Directory works with; main wires them for one service.
type Deps struct {
	Mirror Mirror        // the service's local mirror
	Source hostsync.Feed // the service's change feed and activity log, for syncs
	Admin  Admin         // restore and export records
	// Save asks where to write an export; nil means SaveDialog.
	Save SaveFunc
	// Navigate shows a sidebar page (the banner's "Review"); nil leaves the button doing nothing.
	Navigate func(page string)
	// OpenURL opens a URL with the system (the folder of a saved export); nil means the app's.
	OpenURL   func(*url.URL) error
	SyncEvery time.Duration    // 0 means DefaultSyncEvery
	Now       func() time.Time // nil means time.Now
}

// Directory is one service's Hosts, Deleted hosts and Activity screens with the sync that feeds
// them. It lives as long as the session; the shell rebuilds a screen on every visit.
type Directory struct {
	env  *ui.Env
	deps Deps
	ctx  context.Context
	save SaveFunc
	loop *syncLoop

	current screen // the screen on display, told about syncs
	massN   int    // hosts removed within massWindow, when above the threshold
	massBy  string // the identity providers that removed them, in words: "Okta", "Azure AD and Okta"
	// carrySearch is a search the next Deleted hosts screen starts with (Hosts' "Show in Deleted
	// hosts").
	carrySearch string
}

// screen is what the Directory needs of the screen on display.
type screen interface {
	status() *statusView
	dataChanged()               // the mirror changed
	exportCurrent()             // Ctrl+E
	firstField() fyne.Focusable // what gets the keyboard when the screen opens
}

// New returns the screens of one session's service. ctx is the session's: cancelling it stops the
// syncs and drops late results.
func New(ctx context.Context, env *ui.Env, deps Deps) *Directory {
	d := &Directory{env: env, deps: deps, ctx: ctx, save: deps.Save}
	if d.save == nil {
		d.save = SaveDialog
	}
	every := deps.SyncEvery
	if every <= 0 {
		every = DefaultSyncEvery
	}
	d.loop = &syncLoop{env: env, m: deps.Mirror, src: deps.Source, every: every, now: d.now, changed: d.syncChanged}
	return d
}

// Start syncs now and then every SyncEvery until ctx ends.
func (d *Directory) Start() {
	d.loop.start(d.ctx)
	d.checkMass()
}

// SyncNow syncs at once (Sync now, F5, Refresh).
func (d *Directory) SyncNow() { d.loop.syncNow() }

// Export exports the screen on display (Ctrl+E); it does nothing on other pages.
func (d *Directory) Export() {
	if d.current != nil {
		d.current.exportCurrent()
	}
}

// Close stops the periodic sync.
func (d *Directory) Close() { d.loop.close() }

func (d *Directory) syncChanged(st SyncStatus, data bool) {
	if d.current == nil {
		return
	}
	d.current.status().show(st, d.now())
	if !st.Running && data {
		d.current.dataChanged()
	}
	if !st.Running {
		d.checkMass()
	}
}

// checkMass counts recent removals in the mirror's activity log for the banner.
func (d *Directory) checkMass() {
	ctx, now := d.ctx, d.now()
	d.env.Run(func() func() {
		n := 0
		by := map[hostsync.IdP]bool{}
		for _, a := range []string{hostsync.ActionHostDeleted, hostsync.ActionHostDeactivated} {
			f := hostsync.EventFilter{Action: a, From: now.Add(-massWindow)}
			c, err := d.deps.Mirror.CountActivity(ctx, f)
			if err != nil {
				return nil // the banner is advisory: no error dialog for it
			}
			n += c
			// Who removed them: the newest few hundred say it well enough.
			f.Limit = 500
			evs, err := d.deps.Mirror.Activity(ctx, f)
			if err != nil {
				return nil
			}
			for _, e := range evs {
				by[e.IdP.Or()] = true
			}
		}
		var names []string
		for _, p := range hostsync.IdPs {
			if by[p] {
				names = append(names, p.Name())
			}
		}
		counts, err := d.deps.Mirror.Counts(ctx)
		if err != nil {
			return nil
		}
		total := counts.Active + counts.Deactivated + counts.Deleted
		threshold := min(massMin, max(massFloor, int(float64(total)*massShare+0.999)))
		if n < threshold {
			n = 0
		}
		return func() {
			d.massN, d.massBy = n, strings.Join(names, " and ")
			if d.current != nil {
				d.current.status().showMass(n, d.massBy, massWindow)
			}
		}
	})
}

// enter makes s the screen on display and shows the current sync status on it.
func (d *Directory) enter(s screen) {
	d.current = s
	s.status().show(d.loop.status, d.now())
	s.status().showMass(d.massN, d.massBy, massWindow)
	// Keyboard-first: Ctrl+1 then typing searches, Down goes into the table. The screen is on the
	// canvas only once the shell has shown it, hence the delay.
	d.env.After(0, func() {
		if c := d.env.Window.Canvas(); c != nil && d.current == s {
			c.Focus(s.firstField())
		}
	})
}

func (d *Directory) review() {
	if d.deps.Navigate != nil {
		d.deps.Navigate(ui.PageDeleted)
	}
}

// page lays a screen out: heading and count, the status strip, the toolbar, then the body.
func page(title string, count *widget.Label, st *statusView, toolbar, body fyne.CanvasObject) fyne.CanvasObject {
	h := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	h.SizeName = theme.SizeNameHeadingText
	head := container.NewBorder(nil, nil, container.NewHBox(h, container.NewCenter(count)), st.bar())
	top := container.NewVBox(head, st.box, toolbar, widget.NewSeparator())
	return container.NewPadded(container.NewBorder(top, nil, nil, nil, body))
}
