package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/scimserver"
	"github.com/visitly/hostsync/storage/hostdb"
	"github.com/visitly/hostsync/ui"
)

// noConnector is a Connector for a shell given its session by the test.
type noConnector struct{}

func (noConnector) Settings() ui.Settings { return ui.Settings{} }
func (noConnector) Connect(context.Context, ui.Settings, string) (*ui.Session, error) {
	return nil, errors.New("not in this test")
}

// noSecrets is a keyring with nothing in it.
type noSecrets struct{}

func (noSecrets) Get(string) (string, error) { return "", hostsync.ErrSecretNotFound }
func (noSecrets) Set(string, string) error   { return nil }
func (noSecrets) Delete(string) error        { return nil }

// manualTimers fires the window's timers when the test says so.
type manualTimers struct{ pending map[*func()]time.Duration }

func (m *manualTimers) after(d time.Duration, f func()) func() {
	if m.pending == nil {
		m.pending = map[*func()]time.Duration{}
	}
	k := &f
	m.pending[k] = d
	return func() { delete(m.pending, k) }
}

// fire runs the timers set for d (as if d had passed for them only).
func (m *manualTimers) fire(d time.Duration) {
	for k, kd := range m.pending {
		if kd == d {
			delete(m.pending, k)
			(*k)()
		}
	}
}

// shown reports whether text is on the window, as the office manager would read it: painted
// text, or a label's or a button's text.
func shown(w fyne.Window, text string) bool {
	return slices.ContainsFunc(test.LaidOutObjects(w.Content()), func(o fyne.CanvasObject) bool {
		if !o.Visible() {
			return false
		}
		switch o := o.(type) {
		case *canvas.Text:
			return o.Text == text
		case *widget.Label:
			return o.Text == text
		case *widget.Button:
			return o.Text == text
		case *widget.Hyperlink:
			return o.Text == text
		}
		return false
	})
}

// A host an identity provider adds shows in Hosts at the header's next status poll (every 5 s),
// without Sync now and without waiting for the minute's sync; one it deletes leaves Hosts and
// shows in Deleted hosts and in the activity log.
func TestAHostAnIdPAddsShowsAtTheNextStatusPoll(t *testing.T) {
	a := test.NewTempApp(t)
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
	admin, err := scimclient.New(hs.URL, scimclient.WithAdminToken(tok))
	if err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateKey(ctx, "Azure AD", hostsync.IdPAzureAD)
	if err != nil {
		t.Fatal(err)
	}
	azure, err := scimclient.New(hs.URL, scimclient.WithAPIKey(key.Secret))
	if err != nil {
		t.Fatal(err)
	}

	win := a.NewWindow("Visitly Console")
	win.Resize(fyne.NewSize(1366, 768))
	timers := &manualTimers{}
	env := &ui.Env{Window: win, Clipboard: a.Clipboard(), Secrets: noSecrets{}, Run: ui.Inline, After: timers.after, Delays: ui.DefaultDelays}
	dir := newDirectoryPages(t.TempDir(), env)
	t.Cleanup(dir.close)
	shell := ui.NewShell(ctx, env, noConnector{}, dir.pages())
	t.Cleanup(shell.Close)
	shell.OnSession(dir.onSession)
	shell.OnServiceChange(dir.serviceChanged)
	win.SetContent(shell.Build())
	shell.Show(ui.PageHosts)
	shell.SetSession(&ui.Session{Service: admin, Probe: ui.ClientProber(admin)})
	if shown(win, "Ann Lee") {
		t.Fatal("Ann Lee shown before Azure AD added her")
	}

	raw, err := azure.CreateUser(ctx, map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": "ann.lee@contoso.com", "displayName": "Ann Lee", "active": true,
	})
	if err != nil {
		t.Fatal(err)
	}
	timers.fire(ui.DefaultDelays.StatusEvery)
	if !shown(win, "Ann Lee") {
		t.Fatalf("Hosts does not show Ann Lee one status poll after Azure AD added her (%s)", raw)
	}

	// Deleted the same way: gone from Hosts at the next poll, and in Deleted hosts and Activity.
	var created struct{ ID string }
	if err := json.Unmarshal(raw, &created); err != nil {
		t.Fatal(err)
	}
	if err := azure.DeleteUser(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	timers.fire(ui.DefaultDelays.StatusEvery)
	if shown(win, "Ann Lee") {
		t.Error("Hosts still shows Ann Lee one status poll after Azure AD deleted her")
	}
	shell.Show(ui.PageDeleted)
	if !shown(win, "Ann Lee") {
		t.Error("Deleted hosts does not show Ann Lee after Azure AD deleted her")
	}
	// Activity reads the mirror's log, which has the deletion (the test driver leaves the
	// Activity table's cells unpainted, so the log is read here rather than the screen).
	for _, m := range dir.mirrors {
		evs, err := m.Activity(ctx, hostsync.EventFilter{Action: hostsync.ActionHostDeleted})
		if err != nil || len(evs) != 1 || evs[0].UserName != "ann.lee@contoso.com" {
			t.Errorf("the mirror's activity log has %v, %v; want Ann Lee's deletion", evs, err)
		}
	}
}
