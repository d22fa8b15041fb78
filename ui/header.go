package ui

import (
	"context"
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
)

// silentAfter is how long without a successful SCIM call the header warns about.
const silentAfter = 90 * time.Minute

// header tells, without guessing, which service the console uses and how it is doing.
type header struct {
	env     *Env
	dot     *canvas.Circle
	service *widget.Label
	state   *widget.Label
	lastOK  *widget.Label
	lastBad *widget.Label
	box     fyne.CanvasObject

	health  string // "connecting", "ok", "refused", "unreachable"
	stop    func()
	session *Session
	ctx     context.Context
}

func newHeader(env *Env) *header {
	h := &header{
		env:     env,
		dot:     canvas.NewCircle(theme.Color(theme.ColorNameDisabled)),
		service: widget.NewLabelWithStyle("Visitly Console", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		state:   widget.NewLabel("Starting…"),
		lastOK:  widget.NewLabel(""),
		lastBad: widget.NewLabel(""),
	}
	dot := container.NewCenter(container.NewGridWrap(fyne.NewSize(12, 12), h.dot))
	// Two lines: which service and whether it answers; then what Azure AD last did.
	h.box = container.NewVBox(
		container.NewHBox(dot, h.service, h.state),
		container.NewHBox(container.NewGridWrap(fyne.NewSize(12, 12)), h.lastOK, widget.NewLabel("·"), h.lastBad),
	)
	return h
}

// connecting shows that a connection is being set up.
func (h *header) connecting(what string) {
	h.setHealth("connecting", what)
}

// setSession starts watching a new session's service.
func (h *header) setSession(ctx context.Context, s *Session) {
	if h.stop != nil {
		h.stop()
		h.stop = nil
	}
	h.ctx, h.session = ctx, s
	kind := "Remote service"
	if s.Embedded {
		kind = "Embedded service"
	}
	h.service.SetText(kind + " · " + s.Service.URL())
	h.refresh()
}

// refresh asks the service for its status now, then again after Delays.StatusEvery.
func (h *header) refresh() {
	s, ctx := h.session, h.ctx
	if s == nil {
		return
	}
	h.env.Run(func() func() {
		st, err := s.Service.Status(ctx)
		return func() {
			if s != h.session {
				return // a newer session took over while we waited
			}
			h.show(st, err, time.Now())
			if h.stop != nil {
				h.stop()
			}
			h.stop = h.env.After(h.env.Delays.StatusEvery, h.refresh)
		}
	})
}

func (h *header) show(st *hostsync.Status, err error, now time.Time) {
	switch {
	case err == nil:
		h.setHealth("ok", "reachable · "+st.Service+" "+st.Version)
	case scimclient.IsUnauthorized(err):
		h.setHealth("refused", "refuses this console's admin credential (see Settings)")
	default:
		h.setHealth("unreachable", "unreachable")
	}
	if err != nil {
		// Nothing is known: neither green nor amber, whatever the last answer said.
		h.lastOK.Importance, h.lastBad.Importance = widget.MediumImportance, widget.MediumImportance
		h.lastOK.SetText("Azure AD: unknown")
		h.lastBad.SetText("")
		return
	}
	if c := st.LastSuccessfulCall; c != nil {
		// The service cannot tell Azure AD from this console's Test connection: name the key, not the caller.
		h.lastOK.SetText(fmt.Sprintf("Last SCIM call %s: %s %s with %s", hostsync.Ago(c.At, now), c.Method, c.Path, hostsync.ActorName(c.Actor)))
		h.lastOK.Importance = widget.SuccessImportance
	} else {
		h.lastOK.SetText("No SCIM call yet: Azure AD has not called")
		h.lastOK.Importance = widget.MediumImportance
	}
	if c := st.LastSuccessfulCall; c != nil && now.Sub(c.At) > silentAfter {
		// Azure AD runs a cycle about every 40 minutes; two missed cycles deserve attention.
		h.lastOK.SetText(h.lastOK.Text + " — silent for over 90 minutes: check Azure AD's provisioning status")
		h.lastOK.Importance = widget.WarningImportance
	}
	h.lastOK.Refresh()
	if c := st.LastRejectedCall; c != nil {
		text := fmt.Sprintf("Last rejected call %s: %s", hostsync.Ago(c.At, now), c.Reason)
		if ok := st.LastSuccessfulCall; ok == nil || c.At.After(ok.At) {
			text += " — the newest call was refused: Azure AD may hold an old or wrong key"
		}
		h.lastBad.SetText(text)
		h.lastBad.Importance = widget.WarningImportance
	} else {
		h.lastBad.SetText("No rejected calls")
		h.lastBad.Importance = widget.MediumImportance
	}
	h.lastBad.Refresh()
	h.box.Refresh()
}

func (h *header) setHealth(health, text string) {
	h.health = health
	h.state.SetText(text)
	var c color.Color
	switch health {
	case "ok":
		c = theme.Color(theme.ColorNameSuccess)
	case "refused":
		c = theme.Color(theme.ColorNameWarning)
	case "unreachable":
		c = theme.Color(theme.ColorNameError)
	default:
		c = theme.Color(theme.ColorNameDisabled)
	}
	h.dot.FillColor = c
	h.dot.Refresh()
	h.box.Refresh() // texts changed width: lay the row out again
}
