// Command screenshots renders the console's main screens to PNG files for the README, with Fyne's
// software test driver (no display, no GL) against a real embedded host-sync service.
//
//	go run ./cmd/screenshots [-out docs/screenshots]
package main

import (
	"context"
	"flag"
	"fmt"
	"image/color"
	"image/png"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/scimserver"
	"github.com/visitly/hostsync/storage/hostdb"
	"github.com/visitly/hostsync/storage/keyring"
	"github.com/visitly/hostsync/ui"
)

func main() {
	out := flag.String("out", "docs/screenshots", "folder for the PNG files")
	flag.Parse()
	if err := run(*out); err != nil {
		log.Fatal(err)
	}
}

func run(out string) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "visitly-screenshots-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	st, err := hostdb.Open(ctx, filepath.Join(tmp, "hostsync.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	srv := scimserver.New(st, scimserver.Options{Version: "0.1.0"})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	tok, err := st.RotateAdminToken(ctx, hostsync.Actor{Kind: hostsync.ActorSystem})
	if err != nil {
		return err
	}
	c, err := scimclient.New(hs.URL, scimclient.WithAdminToken(tok))
	if err != nil {
		return err
	}
	sec := &memSecrets{m: map[string]string{}}
	const account = "api-key/embedded"
	if err := seed(ctx, c, sec, account); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}

	shots := []struct {
		file    string
		variant fyne.ThemeVariant
		page    string
		prepare func(s *ui.Shell)
		secrets ui.SecretStore
		height  float32
	}{
		{"azuread.png", theme.VariantLight, ui.PageAzureAD, (*ui.Shell).TestConnection, sec, 1480},
		{"azuread-dark.png", theme.VariantDark, ui.PageAzureAD, (*ui.Shell).TestConnection, sec, 1480},
		{"settings.png", theme.VariantLight, ui.PageSettings, nil, sec, 760},
		{"keyring-unavailable.png", theme.VariantLight, ui.PageAzureAD, nil, &memSecrets{err: fmt.Errorf(
			"keyring: get %q: %w: The name org.freedesktop.secrets was not provided by any .service files", account, keyring.ErrUnavailable)}, 760},
	}
	for _, shot := range shots {
		a := test.NewApp()
		a.Settings().SetTheme(variantTheme{ui.Theme(), shot.variant})
		w := a.NewWindow("Visitly Console")
		w.Resize(fyne.NewSize(1180, shot.height))
		env := &ui.Env{Window: w, Clipboard: a.Clipboard(), Secrets: shot.secrets, Run: ui.Inline,
			After: func(time.Duration, func()) func() { return func() {} }, Delays: ui.DefaultDelays}
		conn := &staticConnector{sess: &ui.Session{Service: c, Embedded: true, APIKeyAccount: account, Probe: ui.ClientProber(c)},
			settings: ui.Settings{ListenAddr: "127.0.0.1:8765", DataDir: "/home/ann/.local/share/visitly-hostsync"}}
		s := ui.NewShell(ctx, env, conn, nil)
		w.SetContent(s.Build())
		s.Connect()
		s.Show(shot.page)
		if shot.prepare != nil {
			shot.prepare(s)
		}
		relayout(w.Content())
		if err := save(filepath.Join(out, shot.file), w); err != nil {
			return err
		}
		a.Quit()
		fmt.Println("wrote", filepath.Join(out, shot.file))
	}
	return nil
}

// seed gives the screens something true to show: two keys mid-rotation, Azure AD's calls with
// the old key, a rejected call, a few hosts.
func seed(ctx context.Context, c *scimclient.Client, sec *memSecrets, account string) error {
	old, err := c.CreateKey(ctx, "Azure AD 2026-05", hostsync.IdPAzureAD)
	if err != nil {
		return err
	}
	azure := c.WithAPIKey(old.Secret)
	for _, u := range []string{"ann.lee@example.com", "bo.chen@example.com", "cy.diaz@example.com"} {
		if _, err := azure.CreateUser(ctx, map[string]any{
			"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": u, "active": true,
		}); err != nil {
			return err
		}
	}
	// A rejected call, for the header.
	c.WithAPIKey("vhs_wrong-key-from-an-old-provisioning-job").ListUsers(ctx, scimclient.ListQuery{})
	nk, err := c.CreateKey(ctx, "Azure AD 2026-11", hostsync.IdPAzureAD)
	if err != nil {
		return err
	}
	sec.m[account] = nk.Secret
	return nil
}

// relayout lays the tree out again from the leaves up: the software driver does not re-check
// minimum sizes that grew after the first layout the way the GL driver does every frame.
func relayout(o fyne.CanvasObject) {
	objs := test.LaidOutObjects(o)
	for i := len(objs) - 1; i >= 0; i-- {
		objs[i].Refresh()
	}
}

func save(path string, w fyne.Window) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, w.Canvas().Capture()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// variantTheme forces light or dark, as the OS setting would.
type variantTheme struct {
	fyne.Theme
	v fyne.ThemeVariant
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.v)
}

type staticConnector struct {
	sess     *ui.Session
	settings ui.Settings
}

func (c *staticConnector) Settings() ui.Settings { return c.settings }
func (c *staticConnector) Connect(context.Context, ui.Settings, string) (*ui.Session, error) {
	return c.sess, nil
}

type memSecrets struct {
	m   map[string]string
	err error
}

func (s *memSecrets) Get(a string) (string, error) {
	if s.err != nil {
		return "", s.err
	}
	v, ok := s.m[a]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}
func (s *memSecrets) Set(a, v string) error { s.m[a] = v; return nil }
func (s *memSecrets) Delete(a string) error { delete(s.m, a); return nil }
