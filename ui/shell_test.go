package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
)

// fakeConnector hands out the harness's session, or fails.
type fakeConnector struct {
	settings Settings
	sess     *Session
	err      error
	calls    []Settings
	tokens   []string
	// makeSession, when set, makes the session for the settings, as main's backend would.
	makeSession func(Settings) *Session
}

func (c *fakeConnector) Settings() Settings { return c.settings }

func (c *fakeConnector) Connect(ctx context.Context, s Settings, adminToken string) (*Session, error) {
	c.calls = append(c.calls, s)
	c.tokens = append(c.tokens, adminToken)
	if c.err != nil {
		return nil, c.err
	}
	c.settings = s
	if c.makeSession != nil {
		return c.makeSession(s), nil
	}
	return c.sess, nil
}

func newShellHarness(t *testing.T, connErr error) (*harness, *Shell, *fakeConnector) {
	t.Helper()
	h := newHarness(t)
	conn := &fakeConnector{settings: Settings{ListenAddr: "127.0.0.1:8765", DataDir: "/tmp/data"}, sess: h.sess, err: connErr}
	hosts := func(ctx context.Context, env *Env, s *Session) fyne.CanvasObject {
		return widget.NewLabel("hosts screen")
	}
	s := NewShell(context.Background(), h.env, conn, map[string]PageBuilder{PageHosts: hosts})
	h.win.SetContent(s.Build())
	return h, s, conn
}

func TestShellConnectsAndNavigates(t *testing.T) {
	h, s, _ := newShellHarness(t, nil)
	h.sec.m[account] = h.svc.addKey("Azure AD")
	var told []*Session
	s.OnSession(func(sess *Session) { told = append(told, sess) })
	s.Connect()
	if len(told) != 1 || told[0] != h.sess {
		t.Errorf("OnSession told %v", told)
	}
	if s.Session() == nil || s.azure == nil || s.header.health != "ok" {
		t.Fatalf("after Connect: session %v, azure page %v, health %q", s.Session(), s.azure, s.header.health)
	}
	// Test connection's calls are the service's latest: the header re-reads the status at once.
	h.svc.status.LastSuccessfulCall = &hostsync.Call{At: time.Now(), Actor: "apikey:2", Method: "GET", Path: "/Schemas"}
	test.Tap(s.azure.test)
	if got := s.header.callLines(); len(got) != 1 || got[0] != "Azure AD called just now; no host has changed yet" {
		t.Errorf("header after Test connection: %q", got)
	}
	s.Show(PageHosts)
	if l, ok := s.content.Objects[0].(*widget.Label); !ok || l.Text != "hosts screen" {
		t.Errorf("Hosts shows %T, want the plugged-in screen", s.content.Objects[0])
	}
	s.Show(PageActivity)
	if !hasLabel(s.content, "Activity") {
		t.Error("Activity placeholder missing")
	}
	s.Show(PageSettings)
	if s.setting == nil {
		t.Fatal("Settings page not shown")
	}
	h.env.Navigate(PageDeleted)
	if s.current != PageDeleted || !hasLabel(s.content, "Deleted hosts") {
		t.Errorf("env.Navigate(PageDeleted) shows %q", s.current)
	}
	s.Show(PageSync)
	if s.current != PageAzureAD || s.azure == nil {
		t.Errorf("the Host Synchronization group opens %q", s.current)
	}
	menu := h.win.MainMenu()
	var shortcuts int
	for _, m := range menu.Items {
		for _, it := range m.Items {
			if it.Shortcut != nil {
				shortcuts++
			}
		}
	}
	if shortcuts < 10 {
		t.Errorf("%d menu items carry a shortcut", shortcuts)
	}
}

func TestShellShowsStartupErrors(t *testing.T) {
	tests := []struct {
		name, title, action string
		err                 error
	}{
		{"port in use", "Port 8765 is already used by another program", "Open Settings", &AddressInUseError{Addr: "127.0.0.1:8765", Err: errors.New("bind: address already in use")}},
		{"database", "The database cannot be opened", "Retry", fmt.Errorf("/x/hostsync.db: %w: unable to open database file", ErrDatabase)},
		{"keyring", "The OS keyring is not available", "Retry", errKeyringDown},
		{"remote refuses", "The service refused the credential", "Open Settings", &scimclient.Error{Status: 401}},
		{"remote without credential", "No admin credential for this service", "Open Settings", fmt.Errorf("https://x: %w", ErrNoAdminCredential)},
		{"TLS certificate", "The TLS certificate cannot be used", "Open Settings", fmt.Errorf("load /x/tls.crt and /x/tls.key: %w: open /x/tls.key: no such file or directory", ErrTLSCertificate)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, s, conn := newShellHarness(t, tt.err)
			s.Connect()
			if !s.banner.visible() || s.banner.title.Text != tt.title || s.banner.action.Text != tt.action {
				t.Fatalf("banner = %q [%s], want %q [%s]", s.banner.title.Text, s.banner.action.Text, tt.title, tt.action)
			}
			if s.header.health != "unreachable" {
				t.Errorf("health = %q", s.header.health)
			}
			conn.err = nil // the user fixed it
			test.Tap(s.banner.action)
			switch tt.action {
			case "Open Settings":
				if s.current != PageSettings || s.setting == nil {
					t.Errorf("Open Settings went to %q", s.current)
				}
			case "Retry":
				if s.Session() == nil || s.banner.visible() {
					t.Errorf("Retry did not connect")
				}
			}
		})
	}
}

func TestSettingsSwitchToRemoteAndBack(t *testing.T) {
	h, s, conn := newShellHarness(t, nil)
	s.Connect()
	s.Show(PageSettings)
	p := s.setting

	p.mode.SetSelected(modeRemote)
	test.Type(p.remoteURL, "https://hosts.example.com/v1/usersync/SCIM")
	test.Type(p.adminToken, "vha_secret")
	test.Tap(p.save)
	got := conn.calls[len(conn.calls)-1]
	if !got.Remote || got.RemoteURL != "https://hosts.example.com" || conn.tokens[len(conn.tokens)-1] != "vha_secret" {
		t.Fatalf("Connect(%+v, token %q)", got, conn.tokens[len(conn.tokens)-1])
	}
	if s.setting != p {
		t.Error("saving rebuilt the Settings page: its confirmation is lost")
	}
	if p.adminToken.Text != "" || !strings.HasPrefix(p.status.Text, "Connected to") {
		t.Errorf("after save: token field %q, status %q", p.adminToken.Text, p.status.Text)
	}

	p.mode.SetSelected(modeEmbedded)
	p.listen.SetText("127.0.0.1")
	test.Tap(p.save)
	if n := len(conn.calls); n != 2 || !strings.Contains(p.problems[fieldListen].Text, "address:port") {
		t.Errorf("bad listen address: %d calls, under the field %q", n, p.problems[fieldListen].Text)
	}
	p.listen.SetText("127.0.0.1:8766")
	test.Tap(p.save)
	if got := conn.calls[len(conn.calls)-1]; got.Remote || got.ListenAddr != "127.0.0.1:8766" {
		t.Errorf("Connect(%+v)", got)
	}

	conn.err = fmt.Errorf("%w: connection refused", scimclient.ErrUnreachable)
	test.Tap(p.save)
	if !strings.Contains(p.status.Text, "unreachable") || !strings.Contains(dialogText(h.win), "check its URL") {
		t.Errorf("status %q, dialog %q", p.status.Text, dialogText(h.win))
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		title    string
		wantHint bool
	}{
		{"keyring unavailable", errKeyringDown, "The OS keyring is not available", true},
		{"key missing", fmt.Errorf("get: %w", hostsync.ErrSecretNotFound), "No API key on this computer", true},
		{"too big", fmt.Errorf("set: %w", hostsync.ErrSecretTooBig), "Secret too large for the keyring", true},
		{"unreachable", fmt.Errorf("x: %w: refused", scimclient.ErrUnreachable), "The host-sync service is unreachable", true},
		{"refused", fmt.Errorf("x: %w", &scimclient.Error{Status: 401}), "The service refused the credential", true},
		{"TLS certificate", fmt.Errorf("load: %w: tls: private key does not match public key", ErrTLSCertificate), "The TLS certificate cannot be used", true},
		{"conflict", &scimclient.Error{Status: 409, Detail: "userName taken"}, "The service reported an error", false},
		{"other", errors.New("boom"), "Something went wrong", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Describe(tt.err)
			if p.Title != tt.title || (p.Hint != "") != tt.wantHint || p.Err != tt.err || p.Message == "" {
				t.Errorf("Describe = %+v", p)
			}
		})
	}
}

func TestShowErrorHasDetails(t *testing.T) {
	h := newHarness(t)
	ShowError(h.win, errKeyringDown)
	got := dialogText(h.win)
	for _, want := range []string{"Nothing was written to a file", "What to do:", "org.freedesktop.secrets was not provided"} {
		if !strings.Contains(got, want) {
			t.Errorf("dialog lacks %q:\n%s", want, got)
		}
	}
}

func hasLabel(o fyne.CanvasObject, text string) bool {
	for _, x := range test.LaidOutObjects(o) {
		if l, ok := x.(*widget.Label); ok && l.Text == text {
			return true
		}
	}
	return false
}

func TestShellFileMenuCarriesMainsItemsAndRefresh(t *testing.T) {
	h := newHarness(t)
	conn := &fakeConnector{settings: Settings{ListenAddr: "127.0.0.1:8765"}, sess: h.sess}
	s := NewShell(context.Background(), h.env, conn, nil)
	synced := 0
	s.AddFileItems(fyne.NewMenuItem("Sync now (F5)", func() { synced++ }))
	s.OnRefresh(func() { synced++ })
	h.win.SetContent(s.Build())
	s.Connect()

	file := h.win.MainMenu().Items[0]
	if file.Label != "File" || file.Items[0].Label != "Sync now (F5)" || !file.Items[1].IsSeparator || file.Items[2].Label != "Refresh" {
		t.Fatalf("File menu starts %q %q %q", file.Items[0].Label, file.Items[1].Label, file.Items[2].Label)
	}
	file.Items[0].Action()
	file.Items[2].Action() // Refresh reloads the page, then runs what main added
	if synced != 2 {
		t.Errorf("Sync now and Refresh ran main's action %d times, want 2", synced)
	}
}

// On a Mac, File keeps neither Quit (the app menu has Quit Visitly Console, ⌘Q) nor a trailing
// separator, and Settings… keeps the label Fyne's macOS driver moves into the app menu; on
// Windows and Linux, File ends with Quit on Ctrl+Q.
func TestShellMenuPutsQuitAndSettingsWhereEachOSLooks(t *testing.T) {
	_, s, _ := newShellHarness(t, nil)
	tests := []struct {
		goos     string
		wantQuit bool
	}{
		{"linux", true},
		{"windows", true},
		{"darwin", false},
	}
	for _, tt := range tests {
		t.Run(tt.goos, func(t *testing.T) {
			file := s.menu(tt.goos).Items[0]
			var labels []string
			quits := 0
			for _, it := range file.Items {
				labels = append(labels, it.Label)
				if it.IsQuit || it.Label == "Quit" {
					quits++
				}
			}
			if want := map[bool]int{true: 1}[tt.wantQuit]; quits != want {
				t.Errorf("File has %d Quit items, want %d: %q", quits, want, labels)
			}
			if !slices.Contains(labels, "Settings…") {
				t.Errorf("File has no Settings…: %q", labels)
			}
			last := file.Items[len(file.Items)-1]
			if last.IsSeparator {
				t.Errorf("File ends with a separator: %q", labels)
			}
			if tt.wantQuit {
				sc, ok := last.Shortcut.(*desktop.CustomShortcut)
				if !last.IsQuit || !ok || sc.KeyName != fyne.KeyQ || sc.Modifier != fyne.KeyModifierShortcutDefault {
					t.Errorf("File ends with %q (quit %v, shortcut %v), want Quit on the default modifier+Q", last.Label, last.IsQuit, last.Shortcut)
				}
			}
		})
	}
}

// Enter confirms and Escape cancels the dialog on top, through the window's keys; F5 refreshes
// like File › Refresh.
func TestShellKeysConfirmAndCancelDialogsAndF5Refreshes(t *testing.T) {
	h, s, _ := newShellHarness(t, nil)
	s.Connect()
	var answers []bool
	ask := func() {
		ShowConfirm(h.win, dialog.NewConfirm("Sure?", "Really.", func(ok bool) { answers = append(answers, ok) }, h.win))
	}
	typeKey := func(k fyne.KeyName) { h.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: k}) }
	ask()
	typeKey(fyne.KeyReturn)
	ask()
	typeKey(fyne.KeyEscape)
	if fmt.Sprint(answers) != "[true false]" || h.win.Canvas().Overlays().Top() != nil {
		t.Errorf("Enter then Escape answered %v; a dialog still open: %v", answers, h.win.Canvas().Overlays().Top() != nil)
	}
	typeKey(fyne.KeyEscape) // no dialog: nothing happens, nothing breaks
	refreshed := 0
	s.OnRefresh(func() { refreshed++ })
	typeKey(fyne.KeyF5)
	if refreshed != 1 {
		t.Errorf("F5 refreshed %d times", refreshed)
	}
	// A dialog a page shows on its own (dialog.Show, not ShowDialog) answers the same keys.
	answers = nil
	dialog.NewConfirm("Restore 2 hosts?", "They come back.", func(ok bool) { answers = append(answers, ok) }, h.win).Show()
	typeKey(fyne.KeyEscape)
	dialog.NewCustomConfirm("Export", "Export…", "Cancel", widget.NewLabel("CSV"), func(ok bool) { answers = append(answers, ok) }, h.win).Show()
	typeKey(fyne.KeyReturn)
	dialog.NewInformation("Export saved", "In Documents.", h.win).Show()
	typeKey(fyne.KeyEscape)
	if fmt.Sprint(answers) != "[false true]" || h.win.Canvas().Overlays().Top() != nil {
		t.Errorf("unregistered dialogs: answers %v; one still open: %v", answers, h.win.Canvas().Overlays().Top() != nil)
	}
	// The Azure AD page's confirmations go through the same keys.
	s.Show(PageAzureAD)
	before := len(h.svc.keys)
	s.azure.onGenerate()
	typeKey(fyne.KeyEnter)
	if len(h.svc.keys) != before+1 {
		t.Errorf("Enter in Generate new key made %d keys, want 1", len(h.svc.keys)-before)
	}
}

// F5 and File › Refresh reload in place: a page keeps what the user did on it (unsaved settings,
// a host screen's state and focus), and the IdP page shows what changed on the service.
func TestShellRefreshKeepsThePage(t *testing.T) {
	h := newHarness(t)
	conn := &fakeConnector{settings: Settings{ListenAddr: "127.0.0.1:8765", DataDir: "/tmp/data"}, sess: h.sess}
	builds := 0
	var search *widget.Entry
	hosts := func(ctx context.Context, env *Env, s *Session) fyne.CanvasObject {
		builds++
		search = widget.NewEntry()
		return search
	}
	s := NewShell(context.Background(), h.env, conn, map[string]PageBuilder{PageHosts: hosts})
	h.win.SetContent(s.Build())
	s.Connect()
	synced := 0
	s.OnRefresh(func() { synced++ })
	f5 := func() { h.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyF5}) }

	s.Show(PageHosts)
	search.SetText("müller")
	h.win.Canvas().Focus(search)
	f5()
	if builds != 1 || search.Text != "müller" || h.win.Canvas().Focused() != search || synced != 1 {
		t.Errorf("F5 on Hosts: built %d times, search %q, focus kept %v, synced %d", builds, search.Text,
			h.win.Canvas().Focused() == search, synced)
	}

	s.Show(PageSettings)
	page := s.setting
	page.listen.SetText("127.0.0.1:9999")
	f5()
	if s.setting != page || page.listen.Text != "127.0.0.1:9999" {
		t.Errorf("F5 on Settings lost the edit: listen %q, same page %v", s.setting.listen.Text, s.setting == page)
	}

	s.Show(PageAzureAD)
	idp := s.azure
	if len(idp.keys) != 0 {
		t.Fatalf("keys before: %d", len(idp.keys))
	}
	h.sec.m[account] = h.svc.addKey("made elsewhere")
	f5()
	if s.azure != idp || len(idp.keys) != 1 || idp.secret == "" {
		t.Errorf("F5 on Azure AD: same page %v, keys %d, key from the keyring %v", s.azure == idp, len(idp.keys), idp.secret != "")
	}
}
