package ui

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/scimserver"
	"github.com/visitly/hostsync/storage/hostdb"
)

// realService starts the real host-sync service on a temp database and returns a client holding
// its admin credential.
func realService(t *testing.T) *scimclient.Client {
	t.Helper()
	ctx := context.Background()
	st, err := hostdb.Open(ctx, filepath.Join(t.TempDir(), "hostsync.db"))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(scimserver.New(st, scimserver.Options{Version: "test"}))
	t.Cleanup(func() {
		hs.Close()
		st.Close()
	})
	tok, err := st.RotateAdminToken(ctx, hostsync.Actor{Kind: hostsync.ActorSystem})
	if err != nil {
		t.Fatal(err)
	}
	c, err := scimclient.New(hs.URL, scimclient.WithAdminToken(tok))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAgainstTheRealService(t *testing.T) {
	h := newHarness(t)
	c := realService(t)
	h.sess.Service, h.sess.Probe = c, ClientProber(c)
	p := h.azure(t)
	if p.banner.visible() || !p.welcomeCard.card.Visible() {
		t.Fatalf("fresh service: banner %q, welcome shown %v; want the welcome, no warning", p.banner.title.Text, p.welcomeCard.card.Visible())
	}

	// Generate → confirm → the key is in the keyring, shown, and valid at the service.
	test.Tap(p.generate)
	tapDialogButton(t, h.win, "Generate key")
	secret := h.sec.m[account]
	if !strings.HasPrefix(secret, "vhs_") || p.keyText.Text != secret || len(p.keyRows) != 1 {
		t.Fatalf("after generate: keyring %q…, field %q, %d rows", secret[:min(8, len(secret))], p.keyText.Text, len(p.keyRows))
	}

	// Test connection does what Azure AD does, with that key.
	test.Tap(p.test)
	for _, r := range p.stepRows {
		if !r.ok {
			t.Errorf("step %q failed: %s", r.name.Text, r.detail.Text)
		}
	}

	// Copy and reveal are audited, without the key.
	h.timers.fire(testDelays.RevealFor) // the fresh key hides itself
	test.Tap(p.copyKey)
	test.Tap(p.reveal)
	page, err := c.Activity(context.Background(), hostsync.ActivityQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range page.Events {
		actions = append(actions, e.Action)
		if strings.Contains(e.Detail, secret) {
			t.Errorf("event %s carries the key", e.Action)
		}
	}
	for _, want := range []string{"apikey.created", "connection.tested", "apikey.copied", "apikey.revealed"} {
		if !slices.Contains(actions, want) {
			t.Errorf("activity %v lacks %s", actions, want)
		}
	}

	// Rotate: a second key, then revoke the first; Test connection still passes with the new one.
	test.Tap(p.generate)
	tapDialogButton(t, h.win, "Generate key")
	if len(p.keyRows) != 2 || !p.rotation.Visible() {
		t.Fatalf("after the second generate: %d rows, rotation shown %v", len(p.keyRows), p.rotation.Visible())
	}
	test.Tap(p.keyRows["1"].revoke)
	tapDialogButton(t, h.win, "Revoke")
	if _, ok := p.keyRows["1"]; ok || len(p.keyRows) != 1 {
		t.Fatalf("key #1 still listed after revoke")
	}
	test.Tap(p.test)
	if !strings.HasPrefix(p.testSummary.Text, "All 4 checks passed") {
		t.Errorf("after rotation: %q", p.testSummary.Text)
	}

	// The old key is refused: Test connection with it explains the 401.
	p.secret = secret
	test.Tap(p.test)
	if p.stepRows[0].ok || !strings.Contains(p.stepRows[0].detail.Text, "refused the API key") {
		t.Errorf("revoked key: step 1 %v %q", p.stepRows[0].ok, p.stepRows[0].detail.Text)
	}
}

func TestHeaderAgainstTheRealService(t *testing.T) {
	h := newHarness(t)
	c := realService(t)
	hd := newHeader(h.env)
	hd.setSession(context.Background(), &Session{Service: c, Embedded: true})
	if hd.health != "ok" || !strings.Contains(hd.state.Text, "Embedded service · "+c.URL()) || hd.refused.Visible() {
		t.Fatalf("header = %q %q | %q | %q", hd.health, hd.state.Text, hd.callLines(), hd.refused.Text)
	}
	// A SCIM call with a wrong key is a rejected call the header must show.
	if _, err := c.WithAPIKey("vhs_wrong").ListUsers(context.Background(), scimclient.ListQuery{}); !scimclient.IsUnauthorized(err) {
		t.Fatalf("wrong key: %v", err)
	}
	h.timers.fire(testDelays.StatusEvery)
	if !strings.HasPrefix(hd.refused.Text, "A call with a wrong or revoked API key was refused just now") {
		t.Errorf("last rejected = %q", hd.refused.Text)
	}
	c.SetAdminToken("vha_wrong")
	h.timers.fire(testDelays.StatusEvery)
	if hd.health != "refused" || !strings.Contains(hd.state.Text, "this console's admin token was refused") || hd.refused.Visible() {
		t.Errorf("wrong admin credential: health %q, %q, %q", hd.health, hd.state.Text, hd.refused.Text)
	}
}
