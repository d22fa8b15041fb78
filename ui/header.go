package ui

import (
	"context"
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
)

// silentAfter is how long without a successful SCIM call the header warns about.
const silentAfter = 90 * time.Minute

// header tells, without guessing, which service the console uses and how it is doing. Every line
// is one truncating label, so however long a name, path or error, the header never sets the
// window's minimum width; the whole story, methods and paths included, is behind Details.
type header struct {
	env     *Env
	dot     *canvas.Circle
	state   *widget.Label // the service and whether it answers
	calls   *fyne.Container
	refused *widget.Label // the last SCIM call refused for its key
	cert    *widget.Label // the served certificate's health
	details *widget.Button
	box     fyne.CanvasObject

	health  string // "connecting", "ok", "refused", "unreachable"
	service string // "Embedded service · http://…"
	detail  string // what Details shows
	stop    func()
	session *Session
	ctx     context.Context

	// cursor is the service's status cursor (the latest seq of its change feed and activity log)
	// last seen; onChange is told when it moves, so the mirror syncs at once.
	cursor   int64
	onChange func()
}

func newHeader(env *Env) *header {
	h := &header{
		env:     env,
		dot:     canvas.NewCircle(theme.Color(theme.ColorNameDisabled)),
		state:   truncLabel("Visitly Console · Starting…"),
		calls:   container.New(layout.NewCustomPaddedVBoxLayout(0)),
		refused: truncLabel(""),
		cert:    truncLabel(""),
		service: "Visitly Console",
	}
	h.state.TextStyle.Bold = true
	h.details = &widget.Button{Text: "Details", Icon: theme.InfoIcon(), Importance: widget.LowImportance, OnTapped: h.onDetails}
	h.refused.Hide()
	h.cert.Hide()
	dot := container.NewCenter(container.NewGridWrap(fyne.NewSize(12, 12), h.dot))
	indent := func(o fyne.CanvasObject) fyne.CanvasObject {
		return container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(12, 12)), nil, o)
	}
	// One VBox for the lines under the first, so hidden ones take no room.
	h.box = container.NewVBox(
		container.NewBorder(nil, nil, dot, h.details, h.state),
		indent(container.New(layout.NewCustomPaddedVBoxLayout(0), h.calls, h.refused, h.cert)),
	)
	return h
}

// truncLabel is a one-line label that ellipsizes instead of widening the window.
func truncLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Truncation = fyne.TextTruncateEllipsis
	return l
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
	h.cursor = -1 // none seen yet: the session's first status only says where it stands (its first sync is under way)
	kind := "Remote service"
	if s.Embedded {
		kind = "Embedded service"
	}
	h.service = kind + " · " + s.Service.URL()
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
			if err == nil && st.Cursor != h.cursor {
				first := h.cursor < 0
				h.cursor = st.Cursor
				if !first && h.onChange != nil {
					h.onChange() // an identity provider changed something: sync the mirror now
				}
			}
			if h.stop != nil {
				h.stop()
			}
			h.stop = h.env.After(h.env.Delays.StatusEvery, h.refresh)
		}
	})
}

// show puts a status (or the error reading it) into words.
func (h *header) show(st *hostsync.Status, err error, now time.Time) {
	shape := h.shape()
	defer func() {
		if h.shape() != shape {
			h.box.Refresh() // lines came or went: lay the header out again
		}
	}()
	var d strings.Builder
	switch {
	case err == nil:
		h.setHealth("ok", "reachable")
		fmt.Fprintf(&d, "%s answers (%s %s).\n", h.service, st.Service, st.Version)
	case scimclient.IsUnauthorized(err):
		// The console's own credential, never an identity provider's key.
		h.setHealth("refused", "this console's admin token was refused: enter it in Settings")
	default:
		h.setHealth("unreachable", "unreachable")
	}
	if err != nil {
		// Nothing is known: neither green nor amber, whatever the last answer said.
		h.setCallLines([]callLine{{"Identity providers' calls: unknown while the service does not answer", widget.MediumImportance}})
		h.refused.Hide()
		h.cert.Hide()
		fmt.Fprintf(&d, "%s: %v\n", h.service, err)
		h.detail = d.String()
		return
	}
	idps := statusIdPs(st)
	var lines []callLine
	var newestOK time.Time
	var configured []hostsync.IdP
	for _, p := range idps {
		if c := p.LastSuccessfulCall; c != nil && c.At.After(newestOK) {
			newestOK = c.At
		}
		if p.Keys == 0 {
			continue
		}
		configured = append(configured, p.IdP.Or())
		text, imp := idpLine(p, now)
		text, imp = h.withWay(p, text, imp, &d)
		lines = append(lines, callLine{text, imp})
		callDetails(&d, p)
	}
	if len(lines) == 0 {
		lines = append(lines, callLine{"No identity provider has an API key yet: generate one on its page under Host Synchronization", widget.MediumImportance})
	}
	h.setCallLines(lines)
	h.showRefused(st, newestOK, configured, now, &d)
	h.showCert(st.TLS, now, &d)
	h.detail = d.String()
}

// statusIdPs is st.IdPs, or for a service too old to list them, its one call as Azure AD's (the
// only IdP such a service knew).
func statusIdPs(st *hostsync.Status) []hostsync.IdPStatus {
	if st.IdPs != nil {
		return st.IdPs
	}
	return []hostsync.IdPStatus{{IdP: hostsync.IdPAzureAD, Keys: 1, LastSuccessfulCall: st.LastSuccessfulCall}}
}

// withWay adds to an IdP's line, while it has not called yet, that the way chosen on its page
// (#13) cannot work with the current Tenant URL; Details always say which way is configured and
// what its check says.
func (h *header) withWay(p hostsync.IdPStatus, text string, imp widget.Importance, d *strings.Builder) (string, widget.Importance) {
	s := h.session
	if s == nil || s.Service == nil {
		return text, imp
	}
	path, chosen := savedPath(s, p.IdP)
	v := reachVerdict(s.Service.TenantURL(), p.IdP, path)
	way := "no way chosen yet"
	if path != "" {
		way = pathChoices[path]
		if !chosen {
			way += " (as the connection suggests; not chosen yet)"
		}
	}
	fmt.Fprintf(d, "%s reaches the service: %s. %s\n", p.IdP.Name(), way, v.text)
	if p.LastSuccessfulCall == nil && !v.ok {
		return text + ": " + p.IdP.Name() + " cannot use this address (" + v.short + "); see its page", widget.WarningImportance
	}
	return text, imp
}

// idpLine is what one identity provider last did, in words: "Azure AD updated Ann Lee 2 minutes ago".
func idpLine(p hostsync.IdPStatus, now time.Time) (string, widget.Importance) {
	name := p.IdP.Name()
	last := p.LastSuccessfulCall
	if last == nil {
		return name + " has not called yet", widget.MediumImportance
	}
	var text string
	if c := p.LastChange; c != nil && c.Target != "" {
		text = fmt.Sprintf("%s %s %s %s", name, actionVerb(c.Action), c.Target, hostsync.Ago(c.At, now))
		if last.At.Sub(c.At) >= time.Minute {
			text += "; last call " + hostsync.Ago(last.At, now)
		}
	} else {
		text = fmt.Sprintf("%s called %s; no host has changed yet", name, hostsync.Ago(last.At, now))
	}
	if now.Sub(last.At) > silentAfter {
		// Azure AD runs a cycle about every 40 minutes; two missed cycles deserve attention.
		return text + " — silent for over 90 minutes: check " + name + "'s provisioning status", widget.WarningImportance
	}
	return text, widget.SuccessImportance
}

// actionVerb says what a change did, as an office manager would.
func actionVerb(action string) string {
	switch action {
	case hostsync.ActionHostCreated:
		return "added"
	case hostsync.ActionHostDeactivated:
		return "turned off"
	case hostsync.ActionHostReactivated:
		return "turned back on"
	case hostsync.ActionHostDeleted:
		return "removed"
	case hostsync.ActionHostRestored:
		return "restored"
	case hostsync.ActionGroupCreated:
		return "added the group"
	case hostsync.ActionGroupUpdated:
		return "updated the group"
	case hostsync.ActionGroupDeleted:
		return "removed the group"
	}
	return "updated"
}

func callDetails(d *strings.Builder, p hostsync.IdPStatus) {
	if c := p.LastSuccessfulCall; c != nil {
		fmt.Fprintf(d, "%s, last call: %s %s by %s at %s.\n", p.IdP.Name(), c.Method, c.Path, hostsync.ActorName(c.Actor), c.At.Local().Format(time.DateTime))
	}
	if c := p.LastChange; c != nil {
		fmt.Fprintf(d, "%s, last change: %s (%s) %s %s at %s.\n", p.IdP.Name(), c.Target, c.Action, c.Method, c.Path, c.At.Local().Format(time.DateTime))
	}
}

// showRefused tells about the last SCIM call refused for its key. The console's own admin calls
// are never among them (they are Status.LastRejectedAdminCall, told only under Details).
func (h *header) showRefused(st *hostsync.Status, newestOK time.Time, configured []hostsync.IdP, now time.Time, d *strings.Builder) {
	if c := st.LastRejectedAdminCall; c != nil {
		fmt.Fprintf(d, "An admin call with a wrong admin token was refused at %s from %s: %s (another console or a script).\n",
			c.At.Local().Format(time.DateTime), c.Remote, c.Reason)
	}
	c := st.LastRejectedCall
	if c == nil {
		h.refused.Hide()
		return
	}
	fmt.Fprintf(d, "Refused SCIM call at %s: %s %s from %s: %s.\n", c.At.Local().Format(time.DateTime), c.Method, c.Path, c.Remote, c.Reason)
	text := "A call with a wrong or revoked API key was refused " + hostsync.Ago(c.At, now)
	imp := widget.MediumImportance
	if c.At.After(newestOK) {
		who := "The identity provider"
		switch {
		case c.IdP != "":
			who = c.IdP.Name()
		case len(configured) == 1:
			who = configured[0].Name()
		}
		text += ", and no call has worked since: " + who + " may hold an old or wrong key; paste the current one there"
		imp = widget.WarningImportance
	}
	setLabel(h.refused, text, imp)
	h.refused.Show()
}

// showCert tells the served certificate's health and, when it needs care, what to do.
func (h *header) showCert(t *hostsync.TLSStatus, now time.Time, d *strings.Builder) {
	if t == nil || t.Mode == hostsync.TLSModeNone || t.Mode == "" {
		h.cert.Hide()
		return
	}
	text, imp := certLine(t, now)
	fmt.Fprintf(d, "HTTPS certificate (%s) for %s, valid until %s: %s %s\n", t.Mode, t.Domain, t.NotAfter.Local().Format(time.DateTime), t.State, t.Message)
	setLabel(h.cert, text, imp)
	h.cert.Show()
}

func certLine(t *hostsync.TLSStatus, now time.Time) (string, widget.Importance) {
	until := t.NotAfter.Local().Format("2 Jan 2006")
	todo := t.Message
	if todo == "" {
		todo = "put a renewed certificate and key in place (Settings)"
		if t.Mode == hostsync.TLSModeACME {
			todo = "check that " + t.Domain + " points at this service and that port 443 is open"
		}
	}
	days := int(t.NotAfter.Sub(now).Hours() / 24)
	switch t.State {
	case hostsync.TLSStateWarning:
		return fmt.Sprintf("HTTPS certificate expires in %s (%s): %s", hostsync.Plural(days, "day", "days"), until, todo), widget.WarningImportance
	case hostsync.TLSStateAlarm:
		return fmt.Sprintf("HTTPS certificate expires in %s (%s) — act now: %s", hostsync.Plural(days, "day", "days"), until, todo), widget.DangerImportance
	case hostsync.TLSStateExpired:
		return fmt.Sprintf("HTTPS certificate expired on %s: Azure AD refuses the service until it is renewed. %s", until, todo), widget.DangerImportance
	case hostsync.TLSStateError:
		return "No HTTPS certificate to serve: " + todo, widget.DangerImportance
	}
	return "HTTPS certificate valid until " + until, widget.SuccessImportance
}

func styled(text string, imp widget.Importance) *widget.Label {
	l := truncLabel(text)
	l.Importance = imp
	return l
}

// shape is what decides the header's height: how many lines it shows.
func (h *header) shape() [3]int {
	vis := func(o fyne.CanvasObject) int {
		if o.Visible() {
			return 1
		}
		return 0
	}
	return [3]int{len(h.calls.Objects), vis(h.refused), vis(h.cert)}
}

// callLine is one identity provider's line in the header.
type callLine struct {
	text string
	imp  widget.Importance
}

// setCallLines shows lines, one label each. The poll brings the same lines every few seconds:
// labels are reused and only what changed is refreshed, so an unchanged status repaints nothing.
func (h *header) setCallLines(lines []callLine) {
	for i, l := range lines {
		if i < len(h.calls.Objects) {
			setLabel(h.calls.Objects[i].(*widget.Label), l.text, l.imp)
			continue
		}
		h.calls.Objects = append(h.calls.Objects, styled(l.text, l.imp))
	}
	if len(h.calls.Objects) > len(lines) {
		h.calls.Objects = h.calls.Objects[:len(lines)]
	}
}

// setLabel gives l text and importance, refreshing it only when either changed.
func setLabel(l *widget.Label, text string, imp widget.Importance) {
	if l.Text == text && l.Importance == imp {
		return
	}
	l.Text, l.Importance = text, imp
	l.Refresh()
}

// callLines are the per-IdP lines' texts (tests).
func (h *header) callLines() []string {
	var out []string
	for _, o := range h.calls.Objects {
		out = append(out, o.(*widget.Label).Text)
	}
	return out
}

// onDetails shows everything the header knows, methods and paths included.
func (h *header) onDetails() {
	text := h.detail
	if text == "" {
		text = h.state.Text
	}
	body := widget.NewLabel(strings.TrimSpace(text))
	body.Wrapping = fyne.TextWrapWord
	body.Selectable = true
	ShowDialog(h.env.Window, newInfoDialog("Service and calls", container.NewVScroll(body), h.env.Window), nil)
}

func (h *header) setHealth(health, text string) {
	h.health = health
	setLabel(h.state, h.service+" — "+text, h.state.Importance)
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
	if h.dot.FillColor != c {
		h.dot.FillColor = c
		h.dot.Refresh()
	}
}
