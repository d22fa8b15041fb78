package ui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
)

// maxMin is the smallest window the console must fit: a 1366×768 laptop with room to spare.
var maxMin = fyne.NewSize(1000, 650)

// In every state — long names, paths and errors in the header, on each page, in dialogs — the
// window can be made as small as 1000×650, and no page needs a horizontal scroll bar there.
func TestWindowShrinksTo1000x650InEveryState(t *testing.T) {
	h, s, conn := newShellHarness(t, nil)
	long := strings.Repeat("Maximilian-Alexander Oberstaatsanwaltschaftsreferendar ", 4)
	conn.settings.DataDir = "/home/" + strings.Repeat("averyveryverylongfoldername/", 8) + "visitly-hostsync"
	h.svc.url = "https://" + strings.Repeat("a-very-long-subdomain.", 6) + "example.com:8443"
	now := time.Now()
	h.svc.status = hostsync.Status{Service: "visitly-scimd", Version: "1.0",
		IdPs: []hostsync.IdPStatus{
			{IdP: hostsync.IdPAzureAD, Keys: 1, LastSuccessfulCall: &hostsync.Call{At: now, Method: "PATCH", Path: "/Users/" + strings.Repeat("5f0c1e0e-", 8)},
				LastChange: &hostsync.Call{At: now, Action: hostsync.ActionHostUpdated, Target: long}},
			{IdP: hostsync.IdPOkta, Keys: 1, LastSuccessfulCall: &hostsync.Call{At: now.Add(-3 * time.Hour)}},
		},
		LastRejectedCall: &hostsync.Call{At: now, Reason: long, Path: "/Users/" + long},
		TLS: &hostsync.TLSStatus{Mode: hostsync.TLSModeACME, Domain: strings.Repeat("long.", 20) + "example.com", NotAfter: now.Add(-time.Hour),
			State: hostsync.TLSStateExpired, Message: long},
	}
	h.sec.m[account] = h.svc.addKey(long)
	check := func(state string) {
		t.Helper()
		if m := h.win.Content().MinSize(); m.Width > maxMin.Width || m.Height > maxMin.Height {
			t.Errorf("%s: the window cannot shrink below %v", state, m)
		}
		h.win.Resize(maxMin)
		if m, view := s.content.MinSize(), s.scroll.Size(); m.Width > view.Width+1 {
			logWide(t, s.content, view.Width)
			t.Errorf("%s: the page needs %v wide, the window gives it %v: a horizontal scroll bar", state, m.Width, view.Width)
		}
		if top := h.win.Canvas().Overlays().Top(); top != nil {
			if m := top.MinSize(); m.Width > maxMin.Width || m.Height > maxMin.Height {
				t.Errorf("%s: the dialog needs %v", state, m)
			}
		}
	}
	s.Connect()
	check("connected, long header")
	for _, p := range []string{PageAzureAD, PageHosts, PageDeleted, PageActivity, PageSettings} {
		s.Show(p)
		check("page " + p)
	}
	s.setting.status.SetText(long + long)
	check("settings with a long error")
	ShowError(h.win, fmt.Errorf("%s: %w", long+long, ErrDatabase))
	check("an error dialog")
	HandleDialogKey(h.win, &fyne.KeyEvent{Name: fyne.KeyEscape})
	s.conn = &fakeConnector{settings: conn.settings, err: errors.New(long + long)}
	s.Connect()
	check("a start-up error in the banner")
}

// logWide names the widgets wider than w, to say which one widens a page.
func logWide(t *testing.T, o fyne.CanvasObject, w float32) {
	t.Helper()
	for _, x := range test.LaidOutObjects(o) {
		if x.MinSize().Width <= w {
			continue
		}
		switch l := x.(type) {
		case *widget.Label:
			t.Logf("too wide: label %.60q (%v)", l.Text, l.MinSize().Width)
		case *widget.Entry:
			t.Logf("too wide: entry %.60q (%v)", l.Text, l.MinSize().Width)
		case *widget.Button:
			t.Logf("too wide: button %.60q (%v)", l.Text, l.MinSize().Width)
		}
	}
}

// Tab moves the focus; the shell then scrolls the page so that the focused control is in view.
func TestFocusedControlScrollsIntoView(t *testing.T) {
	h, s, _ := newShellHarness(t, nil)
	h.sess.Backups = &fakeBackups{}
	s.Connect()
	h.win.Resize(maxMin)
	s.Show(PageSettings)
	target := s.setting.backups.now
	inView := func(o fyne.CanvasObject) bool {
		d := fyne.CurrentApp().Driver()
		top := d.AbsolutePositionForObject(o).Y - d.AbsolutePositionForObject(s.scroll).Y
		return top >= 0 && top+o.Size().Height <= s.scroll.Size().Height
	}
	if inView(target) {
		t.Fatal("the test needs a control below the fold at 1000×650")
	}
	h.win.Canvas().Focus(target)
	h.timers.fire(focusCheck)
	if !inView(target) {
		t.Errorf("the focused %q is not in view (offset %v)", target.Text, s.scroll.Offset)
	}
	d := fyne.CurrentApp().Driver()
	if ring, at := d.AbsolutePositionForObject(s.ring), d.AbsolutePositionForObject(target); !s.ring.Visible() ||
		ring.X > at.X || ring.Y > at.Y || s.ring.Size().Width < target.Size().Width {
		t.Errorf("focus ring at %v %v (shown %v), the control at %v %v", ring, s.ring.Size(), s.ring.Visible(), at, target.Size())
	}
	// Back to the first field: the page scrolls back up.
	h.win.Canvas().Focus(s.setting.listen)
	h.timers.fire(focusCheck)
	if !inView(s.setting.listen) {
		t.Errorf("focus on the first field left the page scrolled to %v", s.scroll.Offset)
	}
}
