package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
)

func TestRevealShowsTheKeyAndHidesItAgain(t *testing.T) {
	h := newHarness(t)
	secret := h.svc.addKey("Azure AD")
	h.sec.m[account] = secret
	p := h.azure(t)

	if p.keyText.Text == secret || !strings.HasPrefix(p.keyText.Text, secret[:8]) {
		t.Fatalf("key field = %q, want masked with the public prefix", p.keyText.Text)
	}
	test.Tap(p.reveal)
	if p.keyText.Text != secret || p.reveal.Text != "Hide" {
		t.Fatalf("after Reveal: field %q, button %q", p.keyText.Text, p.reveal.Text)
	}
	if n := h.timers.fire(testDelays.RevealFor); n != 1 {
		t.Fatalf("%d reveal timers fired, want 1", n)
	}
	if p.keyText.Text == secret || p.reveal.Text != "Reveal" {
		t.Errorf("after the reveal delay: field %q, button %q", p.keyText.Text, p.reveal.Text)
	}
	test.Tap(p.reveal)
	test.Tap(p.reveal) // Hide by hand cancels the timer
	if p.keyText.Text == secret || h.timers.fire(testDelays.RevealFor) != 0 {
		t.Errorf("hiding by hand left the key shown or its timer pending")
	}
	if got := h.svc.actions(); !slices.Equal(got, []string{hostsync.ActionKeyRevealed, hostsync.ActionKeyRevealed}) {
		t.Errorf("activity = %v, want two apikey.revealed", got)
	}
	for _, e := range h.svc.events {
		if strings.Contains(e.Detail, secret) || e.ResourceID != "1" {
			t.Errorf("event %+v leaks the key or misses the key id", e)
		}
	}
}

func TestCopyKeyClearsTheClipboardLater(t *testing.T) {
	tests := []struct {
		name       string
		userCopies string // what the user copies after our Copy, "" for nothing
		wantAfter  string
	}{
		{name: "still holds the key", wantAfter: ""},
		{name: "user copied something else", userCopies: "meeting notes", wantAfter: "meeting notes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			secret := h.svc.addKey("Azure AD")
			h.sec.m[account] = secret
			p := h.azure(t)

			test.Tap(p.copyKey)
			if got := h.env.Clipboard.Content(); got != secret {
				t.Fatalf("clipboard = %q, want the key", got)
			}
			if p.keyText.Text == secret {
				t.Error("Copy revealed the key")
			}
			if p.copyKey.Text != "Copied" {
				t.Errorf("Copy button says %q, want Copied", p.copyKey.Text)
			}
			h.timers.fire(testDelays.CopiedFeedback)
			if p.copyKey.Text != "Copy" {
				t.Errorf("Copy button says %q after the feedback delay", p.copyKey.Text)
			}
			if tt.userCopies != "" {
				h.env.Clipboard.SetContent(tt.userCopies)
			}
			h.timers.fire(testDelays.ClearClipboard)
			if got := h.env.Clipboard.Content(); got != tt.wantAfter {
				t.Errorf("clipboard after the clear delay = %q, want %q", got, tt.wantAfter)
			}
			if got := h.svc.actions(); !slices.Equal(got, []string{hostsync.ActionKeyCopied}) {
				t.Errorf("activity = %v", got)
			}
		})
	}
}

func TestCopyTenantURL(t *testing.T) {
	h := newHarness(t)
	h.sec.m[account] = h.svc.addKey("Azure AD")
	p := h.azure(t)
	test.Tap(p.checkCopyTenant)
	if got := h.env.Clipboard.Content(); got != "http://127.0.0.1:8765/v1/usersync/SCIM" {
		t.Errorf("clipboard = %q", got)
	}
	if p.checkCopyTenant.Text != "Copied" {
		t.Errorf("button says %q", p.checkCopyTenant.Text)
	}
	if got := h.svc.actions(); !slices.Equal(got, []string{hostsync.ActionTenantURLCopied}) {
		t.Errorf("activity = %v", got)
	}
	if !p.loopbackNote.Visible() {
		t.Error("a loopback Tenant URL must warn that Azure AD cannot reach it")
	}
}

func TestGenerateStoresTheNewKeyAndShowsIt(t *testing.T) {
	h := newHarness(t)
	old := h.svc.addKey("first")
	h.sec.m[account] = old
	p := h.azure(t)

	test.Tap(p.generate)
	if !strings.Contains(dialogText(h.win), "Older keys stay valid") {
		t.Fatalf("confirm dialog says %q", dialogText(h.win))
	}
	tapDialogButton(t, h.win, "Generate key")

	stored := h.sec.m[account]
	if stored == old || !strings.HasPrefix(stored, "vhs_0002") {
		t.Fatalf("keyring holds %q, want the new key", stored)
	}
	if p.keyText.Text != stored {
		t.Errorf("new key not shown: field %q", p.keyText.Text)
	}
	if len(p.keyRows) != 2 || p.keyRows["1"] == nil || p.keyRows["2"] == nil {
		t.Errorf("key list = %v, want both keys (the old one stays valid)", p.keyRows)
	}
	if !p.rotation.Visible() || !strings.Contains(p.rotationTxt.Text, "revoke the older key: #1") {
		t.Errorf("rotation guide = %q (visible %v)", p.rotationTxt.Text, p.rotation.Visible())
	}
	test.Tap(p.test)
	if h.svc.probedWith != stored {
		t.Error("Test connection does not use the new key")
	}
	h.timers.fire(testDelays.RevealFor)
	if p.keyText.Text == stored {
		t.Error("the new key stays revealed")
	}
}

func TestGenerateCancelledDoesNothing(t *testing.T) {
	h := newHarness(t)
	h.sec.m[account] = h.svc.addKey("first")
	p := h.azure(t)
	test.Tap(p.generate)
	tapDialogButton(t, h.win, "Cancel")
	if len(h.svc.keys) != 1 {
		t.Errorf("service has %d keys after Cancel", len(h.svc.keys))
	}
}

func TestRevokeRemovesTheKeyFromTheList(t *testing.T) {
	h := newHarness(t)
	h.svc.addKey("first")
	current := h.svc.addKey("second")
	h.sec.m[account] = current
	p := h.azure(t)
	if !p.rotation.Visible() {
		t.Fatal("two active keys: the rotation guide should show")
	}

	test.Tap(p.keyRows["1"].revoke)
	if !strings.Contains(dialogText(h.win), "refused from now on") {
		t.Fatalf("confirm dialog says %q", dialogText(h.win))
	}
	tapDialogButton(t, h.win, "Revoke")

	if _, ok := p.keyRows["1"]; ok || len(p.keyRows) != 1 {
		t.Errorf("key #1 still listed: %v", p.keyRows)
	}
	if h.svc.keys[0].Active() {
		t.Error("service did not revoke key #1")
	}
	if !p.revokedNote.Visible() || p.revokedNote.Text != "1 revoked key is not shown." {
		t.Errorf("revoked note = %q", p.revokedNote.Text)
	}
	if p.rotation.Visible() {
		t.Error("rotation guide still shown with one key left")
	}
	if h.sec.m[account] != current {
		t.Error("revoking another key touched this computer's key")
	}
}

func TestRevokingOurOwnKeyForgetsIt(t *testing.T) {
	h := newHarness(t)
	h.sec.m[account] = h.svc.addKey("only")
	p := h.azure(t)
	test.Tap(p.keyRows["1"].revoke)
	tapDialogButton(t, h.win, "Revoke")
	if _, ok := h.sec.m[account]; ok {
		t.Error("a revoked key stays in the keyring")
	}
	if !p.banner.visible() || p.banner.action.Text != "Generate new key…" {
		t.Errorf("banner = %q / %q, want an offer to generate", p.banner.title.Text, p.banner.action.Text)
	}
}

func TestKeyringAndServiceErrors(t *testing.T) {
	tests := []struct {
		name       string
		getErr     error
		svcErr     error
		stored     bool
		wantTitle  string
		wantAction string
		wantDetail string
	}{
		{name: "no Secret Service", getErr: errKeyringDown, wantTitle: "The OS keyring is not available", wantAction: "Retry",
			wantDetail: "org.freedesktop.secrets was not provided"},
		{name: "locked keychain", getErr: fmt.Errorf("%w: User interaction is not allowed.", hostsync.ErrKeyringUnavailable),
			wantTitle: "The OS keyring is not available", wantAction: "Retry", wantDetail: "User interaction is not allowed"},
		{name: "key missing from the keyring", wantTitle: "No API key on this computer", wantAction: "Generate new key…",
			wantDetail: "keyring: not found"},
		{name: "service unreachable", stored: true, svcErr: fmt.Errorf("GET /apikeys: %w: dial tcp: connection refused", scimclient.ErrUnreachable),
			wantTitle: "The host-sync service is unreachable", wantAction: "Retry", wantDetail: "connection refused"},
		{name: "admin credential refused", stored: true, svcErr: &scimclient.Error{Status: 401, Detail: "missing or wrong admin token"},
			wantTitle: "The service refused the credential", wantAction: "Retry", wantDetail: "missing or wrong admin token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			secret := h.svc.addKey("Azure AD")
			if tt.stored {
				h.sec.m[account] = secret
			}
			h.sec.getErr, h.svc.err = tt.getErr, tt.svcErr
			p := h.azure(t)
			if !p.banner.visible() || p.banner.title.Text != tt.wantTitle || p.banner.action.Text != tt.wantAction {
				t.Fatalf("banner = %v %q [%s], want %q [%s]", p.banner.visible(), p.banner.title.Text, p.banner.action.Text, tt.wantTitle, tt.wantAction)
			}
			if got := bannerText(p.banner); !strings.Contains(got, tt.wantDetail) {
				t.Errorf("banner details %q lack %q", got, tt.wantDetail)
			}
			if p.keyText.Text == secret {
				t.Error("key shown in an error state")
			}
		})
	}
}

func TestGenerateWhenTheKeyringRefusesToStore(t *testing.T) {
	h := newHarness(t)
	h.sec.setErr = fmt.Errorf("keyring: set: %w: failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'", hostsync.ErrKeyringUnavailable)
	p := h.azure(t)
	test.Tap(p.generate)
	tapDialogButton(t, h.win, "Generate key")
	if got := dialogText(h.win); !strings.Contains(got, "could not be kept in the OS keyring") || !strings.Contains(got, "failed to unlock") {
		t.Errorf("error dialog = %q", got)
	}
	if len(h.sec.m) != 0 {
		t.Error("something was stored although the keyring failed")
	}
	if p.keyText.Text != h.svc.secrets["1"] {
		t.Error("the only copy of the new key must be shown so it can be pasted into Azure AD")
	}
}

func TestTestConnectionReportsEachStep(t *testing.T) {
	tests := []struct {
		name       string
		keyValid   bool
		wantOK     int
		wantInText string
	}{
		{name: "valid key", keyValid: true, wantOK: 4, wantInText: "All 4 checks passed"},
		{name: "revoked key", keyValid: false, wantOK: 0, wantInText: "4 of 4 checks failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			secret := h.svc.addKey("Azure AD")
			h.sec.m[account] = secret
			if !tt.keyValid {
				h.svc.keys[0].Revoked = h.svc.keys[0].Created
			}
			p := h.azure(t)
			test.Tap(p.test)
			ok := 0
			for _, r := range p.stepRows {
				if !r.done {
					t.Fatalf("step %q did not finish", r.name.Text)
				}
				if r.ok {
					ok++
				} else if !strings.Contains(r.detail.Text, "refused the API key") {
					t.Errorf("step %q detail = %q", r.name.Text, r.detail.Text)
				}
			}
			if ok != tt.wantOK || !strings.Contains(p.testSummary.Text, tt.wantInText) {
				t.Errorf("%d steps ok, summary %q", ok, p.testSummary.Text)
			}
			if !p.test.Disabled() && slices.Contains(h.svc.actions(), hostsync.ActionConnectionTested) {
				return
			}
			t.Errorf("test button disabled %v, activity %v", p.test.Disabled(), h.svc.actions())
		})
	}
}

func TestTestConnectionWithoutKey(t *testing.T) {
	h := newHarness(t)
	p := h.azure(t)
	test.Tap(p.test)
	if p.stepRows[0].ok || !strings.Contains(p.testSummary.Text, "no API key") {
		t.Errorf("summary %q", p.testSummary.Text)
	}
}

func bannerText(b *banner) string {
	var s []string
	for _, o := range test.LaidOutObjects(b.body) {
		if l, ok := o.(*widget.Label); ok {
			s = append(s, l.Text)
		}
	}
	return strings.Join(s, "\n")
}

func TestRotationWatchesForTheNewKeysFirstUse(t *testing.T) {
	h := newHarness(t)
	h.svc.addKey("old")
	h.sec.m[account] = h.svc.addKey("new")
	p := h.azure(t)
	if !strings.Contains(p.rotationTxt.Text, "not yet") {
		t.Fatalf("rotation = %q", p.rotationTxt.Text)
	}
	h.svc.mu.Lock()
	h.svc.keys[1].LastUsed = time.Now()
	h.svc.mu.Unlock()
	if n := h.timers.fire(testDelays.StatusEvery); n != 1 {
		t.Fatalf("%d key refreshes pending, want 1", n)
	}
	if !strings.Contains(p.rotationTxt.Text, "✓ Key #2 is in use (last call just now)") || !strings.Contains(p.rotationTxt.Text, "Now revoke the older key: #1") {
		t.Errorf("rotation after the first use = %q", p.rotationTxt.Text)
	}
	if h.timers.fire(testDelays.StatusEvery) != 0 {
		t.Error("still polling after the new key was used")
	}

	// A page the user left stops polling.
	h.svc.addKey("newer")
	h.azure(t)
	h.leave()
	before := h.svc.keyReads()
	h.timers.fire(testDelays.StatusEvery)
	if h.svc.keyReads() != before {
		t.Error("a page the user left keeps polling")
	}
}
