package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
)

// Colour is never the only sign: each coloured header line says its state in words, and a
// service that stopped answering turns the green "last call" line neutral.
func TestHeaderSaysItsStateInWordsNotOnlyColour(t *testing.T) {
	now := time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)
	h := newHarness(t)
	hd := newHeader(h.env)
	ok := hostsync.Status{LastSuccessfulCall: &hostsync.Call{At: now.Add(-time.Minute), Actor: "apikey:3", Method: "GET", Path: "/Users"}}
	hd.show(&ok, nil, now)
	if l := hd.calls.Objects[0].(*widget.Label); l.Importance != widget.SuccessImportance || !strings.HasSuffix(hd.state.Text, "reachable") {
		t.Fatalf("healthy header: %v %q / %q", l.Importance, hd.state.Text, l.Text)
	}

	hd.show(&hostsync.Status{}, fmt.Errorf("%w: refused", scimclient.ErrUnreachable), now)
	if l := hd.calls.Objects[0].(*widget.Label); !strings.Contains(l.Text, "unknown") || l.Importance != widget.MediumImportance {
		t.Errorf("unknown is shown as %q in importance %v, want neutral", l.Text, l.Importance)
	}
	if !strings.HasSuffix(hd.state.Text, "— unreachable") {
		t.Errorf("state in words = %q", hd.state.Text)
	}
}

func TestHeaderStates(t *testing.T) {
	now := time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)
	at := func(ago time.Duration) time.Time { return now.Add(-ago) }
	call := func(ago time.Duration) *hostsync.Call {
		return &hostsync.Call{At: at(ago), Actor: "apikey:3", IdP: hostsync.IdPAzureAD, Method: "GET", Path: "/Users"}
	}
	change := func(ago time.Duration, action, target string) *hostsync.Call {
		return &hostsync.Call{At: at(ago), Actor: "apikey:3", Method: "PATCH", Path: "/Users/5f0c1e0e-aaaa", Action: action, Target: target}
	}
	rejected := func(ago time.Duration) *hostsync.Call {
		return &hostsync.Call{At: at(ago), Remote: "10.0.0.4", Reason: "unknown or revoked API key", Method: "GET", Path: "/Users"}
	}
	azure := func(ok, chg *hostsync.Call) hostsync.IdPStatus {
		return hostsync.IdPStatus{IdP: hostsync.IdPAzureAD, Keys: 1, LastSuccessfulCall: ok, LastChange: chg}
	}
	tests := []struct {
		name      string
		st        hostsync.Status
		err       error
		health    string
		lines     []string
		refused   string // "" = hidden
		notInMain string // never on a visible line
		inDetails string // under Details
	}{
		{"fresh", hostsync.Status{IdPs: []hostsync.IdPStatus{}}, nil, "ok",
			[]string{"No identity provider has an API key yet: generate one on its page under Host Synchronization"}, "", "", ""},
		{"key, no call yet", hostsync.Status{IdPs: []hostsync.IdPStatus{azure(nil, nil)}}, nil, "ok",
			[]string{"Azure AD has not called yet"}, "", "", ""},
		{"a change in words", hostsync.Status{IdPs: []hostsync.IdPStatus{azure(call(2*time.Minute), change(2*time.Minute, hostsync.ActionHostUpdated, "Ann Lee"))}}, nil, "ok",
			[]string{"Azure AD updated Ann Lee 2 minutes ago"}, "", "PATCH", "PATCH /Users/5f0c1e0e-aaaa"},
		{"later calls changed nothing", hostsync.Status{IdPs: []hostsync.IdPStatus{azure(call(time.Minute), change(3*time.Hour, hostsync.ActionHostDeleted, "Noah Müller"))}}, nil, "ok",
			[]string{"Azure AD removed Noah Müller 3 hours ago; last call 1 minute ago"}, "", "/Users", "GET /Users"},
		{"two IdPs, one without keys", hostsync.Status{IdPs: []hostsync.IdPStatus{
			azure(call(5*time.Minute), change(5*time.Minute, hostsync.ActionHostCreated, "Ann Lee")),
			{IdP: hostsync.IdPOkta, Keys: 2, LastSuccessfulCall: call(time.Hour), LastChange: change(time.Hour, hostsync.ActionHostDeactivated, "Bo Chen")},
			{IdP: hostsync.IdPOneLogin, Keys: 0, LastSuccessfulCall: call(time.Hour)},
		}}, nil, "ok",
			[]string{"Azure AD added Ann Lee 5 minutes ago", "Okta turned off Bo Chen 1 hour ago"}, "", "OneLogin", ""},
		{"silent", hostsync.Status{IdPs: []hostsync.IdPStatus{azure(call(2*time.Hour), nil)}}, nil, "ok",
			[]string{"Azure AD called 2 hours ago; no host has changed yet — silent for over 90 minutes: check Azure AD's provisioning status"}, "", "", ""},
		{"old key", hostsync.Status{IdPs: []hostsync.IdPStatus{azure(call(time.Hour), nil)}, LastRejectedCall: rejected(time.Minute)}, nil, "ok",
			[]string{"Azure AD called 1 hour ago; no host has changed yet"},
			"A call with a wrong or revoked API key was refused 1 minute ago, and no call has worked since: Azure AD may hold an old or wrong key; paste the current one there", "10.0.0.4", "from 10.0.0.4: unknown or revoked API key"},
		{"refused long ago", hostsync.Status{IdPs: []hostsync.IdPStatus{azure(call(time.Minute), nil)}, LastRejectedCall: rejected(3 * time.Hour)}, nil, "ok",
			[]string{"Azure AD called 1 minute ago; no host has changed yet"}, "A call with a wrong or revoked API key was refused 3 hours ago", "", ""},
		// The console's own wrong admin token is the console's problem, never an IdP's key.
		{"someone's admin token refused", hostsync.Status{IdPs: []hostsync.IdPStatus{azure(call(time.Minute), nil)}, LastRejectedAdminCall: rejected(time.Minute)}, nil, "ok",
			[]string{"Azure AD called 1 minute ago; no host has changed yet"}, "", "old or wrong key", "An admin call with a wrong admin token was refused"},
		{"older service without IdPs", hostsync.Status{LastSuccessfulCall: call(5 * time.Minute)}, nil, "ok",
			[]string{"Azure AD called 5 minutes ago; no host has changed yet"}, "", "", ""},
		{"unreachable", hostsync.Status{}, fmt.Errorf("%w: refused", scimclient.ErrUnreachable), "unreachable",
			[]string{"Identity providers' calls: unknown while the service does not answer"}, "", "", ""},
		{"admin refused", hostsync.Status{}, &scimclient.Error{Status: 401}, "refused",
			[]string{"Identity providers' calls: unknown while the service does not answer"}, "", "Azure AD may hold", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			hd := newHeader(h.env)
			st := tt.st
			hd.show(&st, tt.err, now)
			if hd.health != tt.health || fmt.Sprint(hd.callLines()) != fmt.Sprint(tt.lines) {
				t.Errorf("header = %q | %q, want %q | %q", hd.health, hd.callLines(), tt.health, tt.lines)
			}
			if got := hd.refused.Text; hd.refused.Visible() != (tt.refused != "") || (tt.refused != "" && got != tt.refused) {
				t.Errorf("refused line = %q (shown %v), want %q", got, hd.refused.Visible(), tt.refused)
			}
			if tt.health == "refused" && !strings.Contains(hd.state.Text, "this console's admin token was refused") {
				t.Errorf("state = %q", hd.state.Text)
			}
			if tt.notInMain != "" {
				visible := strings.Join(append(hd.callLines(), hd.state.Text, hd.refused.Text), "\n")
				if strings.Contains(visible, tt.notInMain) {
					t.Errorf("%q is on a header line:\n%s", tt.notInMain, visible)
				}
			}
			if !strings.Contains(hd.detail, tt.inDetails) {
				t.Errorf("details lack %q:\n%s", tt.inDetails, hd.detail)
			}
		})
	}
}

func TestHeaderTellsTheCertificateInWords(t *testing.T) {
	now := time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)
	tests := []struct {
		state, want string
		days        int
		imp         widget.Importance
	}{
		{hostsync.TLSStateOK, "HTTPS certificate valid until", 80, widget.SuccessImportance},
		{hostsync.TLSStateWarning, "HTTPS certificate expires in 20 days", 20, widget.WarningImportance},
		{hostsync.TLSStateAlarm, "HTTPS certificate expires in 5 days", 5, widget.DangerImportance},
		{hostsync.TLSStateExpired, "HTTPS certificate expired on", -1, widget.DangerImportance},
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			h := newHarness(t)
			hd := newHeader(h.env)
			st := hostsync.Status{IdPs: []hostsync.IdPStatus{}, TLS: &hostsync.TLSStatus{Mode: hostsync.TLSModeFiles, Domain: "hosts.example.com",
				NotAfter: now.Add(time.Duration(tt.days)*24*time.Hour + time.Hour), State: tt.state, Message: "replace the certificate files and restart"}}
			hd.show(&st, nil, now)
			if !hd.cert.Visible() || !strings.HasPrefix(hd.cert.Text, tt.want) || hd.cert.Importance != tt.imp {
				t.Errorf("certificate line %q (%v, shown %v), want %q", hd.cert.Text, hd.cert.Importance, hd.cert.Visible(), tt.want)
			}
			if tt.state != hostsync.TLSStateOK && !strings.Contains(hd.cert.Text, "replace the certificate files") {
				t.Errorf("certificate line says nothing to do: %q", hd.cert.Text)
			}
		})
	}
	h := newHarness(t)
	hd := newHeader(h.env)
	hd.show(&hostsync.Status{TLS: &hostsync.TLSStatus{Mode: hostsync.TLSModeNone}}, nil, now)
	if hd.cert.Visible() {
		t.Errorf("plain HTTP shows a certificate line %q", hd.cert.Text)
	}
}

// The header re-reads the status every StatusEvery (at most 5 s in the product), and Details
// opens a dialog that Escape closes.
func TestHeaderPollsAndDetailsCloseOnEscape(t *testing.T) {
	if DefaultDelays.StatusEvery > 5*time.Second {
		t.Errorf("the header polls every %v, want ≤ 5s", DefaultDelays.StatusEvery)
	}
	h := newHarness(t)
	hd := newHeader(h.env)
	h.win.SetContent(hd.box)
	hd.setSession(context.Background(), h.sess)
	// Not called yet, on a loopback Tenant URL with no way chosen: the line says Azure AD cannot
	// use the address.
	if got := hd.callLines(); len(got) != 1 || got[0] != "Azure AD has not called yet: Azure AD cannot use this address (it leads to this computer only); see its page" {
		t.Fatalf("first read: %q", got)
	}
	// The agent's way on this computer is a way loopback can work: the line says nothing more, and
	// Details say which way is configured.
	fyne.CurrentApp().Preferences().SetString(reachPref(h.sess, hostsync.IdPAzureAD), string(pathAgent))
	hd.refresh()
	if got := hd.callLines(); len(got) != 1 || got[0] != "Azure AD has not called yet" {
		t.Fatalf("with the agent's way chosen: %q", got)
	}
	if !strings.Contains(hd.detail, "Azure AD reaches the service: Microsoft's provisioning agent in the office network.") {
		t.Errorf("Details do not say the way:\n%s", hd.detail)
	}
	h.svc.status.LastSuccessfulCall = &hostsync.Call{At: time.Now(), Method: "GET", Path: "/Users"}
	if n := h.timers.fire(testDelays.StatusEvery); n != 1 {
		t.Fatalf("%d status timers pending, want 1", n)
	}
	if got := hd.callLines(); got[0] != "Azure AD called just now; no host has changed yet" {
		t.Errorf("after the next poll: %q", got)
	}
	test.Tap(hd.details)
	if top := h.win.Canvas().Overlays().Top(); top == nil || !strings.Contains(dialogText(h.win), "GET /Users") {
		t.Fatalf("Details shows:\n%s", dialogText(h.win))
	}
	if !HandleDialogKey(h.win, &fyne.KeyEvent{Name: fyne.KeyEscape}) || h.win.Canvas().Overlays().Top() != nil {
		t.Error("Escape did not close Details")
	}
}

// An unchanged status, polled every few seconds, leaves the header's labels as they were (no new
// widgets, nothing to repaint); a moved status cursor tells the shell, once per move.
func TestAnUnchangedStatusLeavesTheHeaderAlone(t *testing.T) {
	h := newHarness(t)
	hd := newHeader(h.env)
	changes := 0
	hd.onChange = func() { changes++ }
	h.win.SetContent(hd.box)
	h.svc.addKey("Azure AD")
	h.svc.status.Cursor = 7
	hd.setSession(context.Background(), h.sess)
	first := hd.calls.Objects[0]
	for range 3 {
		h.timers.fire(testDelays.StatusEvery)
	}
	if len(hd.calls.Objects) != 1 || hd.calls.Objects[0] != first {
		t.Errorf("three unchanged polls replaced the header's line: %v", hd.calls.Objects)
	}
	if changes != 0 {
		t.Errorf("told of %d changes while the cursor stood still", changes)
	}
	h.svc.status.Cursor = 9
	h.svc.status.LastSuccessfulCall = &hostsync.Call{At: time.Now(), Method: "POST", Path: "/Users"}
	h.timers.fire(testDelays.StatusEvery)
	h.timers.fire(testDelays.StatusEvery)
	if changes != 1 {
		t.Errorf("told of %d changes after the cursor moved once, want 1", changes)
	}
	if got := hd.callLines(); len(got) != 1 || hd.calls.Objects[0] != first || got[0] != "Azure AD called just now; no host has changed yet" {
		t.Errorf("after a call: %q (same label: %v)", got, hd.calls.Objects[0] == first)
	}
}
