package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/storage/secrets"
	"github.com/visitly/hostsync/ui"
)

// memKeyring is an OS keyring stand-in; real-keyring behaviour is tested in storage/secrets.
type memKeyring struct {
	m   map[string]string
	err error
}

func (k *memKeyring) Get(a string) (string, error) {
	if k.err != nil {
		return "", k.err
	}
	v, ok := k.m[a]
	if !ok {
		return "", fmt.Errorf("get %s: %w", a, secrets.ErrNotFound)
	}
	return v, nil
}

func (k *memKeyring) Set(a, s string) error {
	if k.err != nil {
		return k.err
	}
	k.m[a] = s
	return nil
}

func (k *memKeyring) Delete(a string) error { delete(k.m, a); return nil }

func newTestBackend(t *testing.T, dir string, kr *memKeyring) *backend {
	t.Helper()
	b := newBackend(dir, config{ListenAddr: "127.0.0.1:0"}, kr, slog.New(slog.DiscardHandler), "test")
	t.Cleanup(func() { b.Close() })
	return b
}

func embeddedSettings(dir string) ui.Settings {
	return ui.Settings{ListenAddr: "127.0.0.1:0", DataDir: dir}
}

func TestEmbeddedFirstRunAndRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	kr := &memKeyring{m: map[string]string{}}
	b := newTestBackend(t, dir, kr)
	sess, err := b.Connect(ctx, embeddedSettings(dir), "")
	if err != nil {
		t.Fatal(err)
	}
	if !sess.Embedded || !strings.HasPrefix(sess.Service.URL(), "http://127.0.0.1:") {
		t.Fatalf("session = %+v", sess)
	}
	adminAcct := "admin-token/embedded:" + filepath.Join(dir, "hostsync.db")
	tok := kr.m[adminAcct]
	if !strings.HasPrefix(tok, "vha_") {
		t.Fatalf("keyring %v lacks the admin credential", kr.m)
	}
	if _, err := sess.Service.Status(ctx); err != nil {
		t.Fatal(err)
	}
	url := sess.Service.URL()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Service.Status(ctx); !errors.Is(err, scimclient.ErrUnreachable) {
		t.Fatalf("after Close the service at %s still answers: %v", url, err)
	}

	// A restart reuses the stored credential: no second rotation.
	b2 := newTestBackend(t, dir, kr)
	sess2, err := b2.Connect(ctx, embeddedSettings(dir), "")
	if err != nil {
		t.Fatal(err)
	}
	if kr.m[adminAcct] != tok {
		t.Error("restart replaced the admin credential")
	}
	c := sess2.Service.(*scimclient.Client)
	page, err := c.Activity(ctx, scimclient.ActivityQuery{Action: scimclient.ActionAdminTokenRotated})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 1 {
		t.Errorf("%d admin credential rotations, want 1", len(page.Events))
	}
	assertNoSecretInFiles(t, dir, tok)
}

func TestEmbeddedErrors(t *testing.T) {
	ctx := context.Background()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		name   string
		setup  func(dir string, kr *memKeyring) ui.Settings
		target error
	}{
		{"port in use", func(dir string, kr *memKeyring) ui.Settings {
			return ui.Settings{ListenAddr: busy.Addr().String()}
		}, ui.ErrAddressInUse},
		{"database cannot be opened", func(dir string, kr *memKeyring) ui.Settings {
			os.Mkdir(filepath.Join(dir, "hostsync.db"), 0o700) // a folder where the file should be
			return embeddedSettings(dir)
		}, ui.ErrDatabase},
		{"keyring unavailable", func(dir string, kr *memKeyring) ui.Settings {
			kr.err = fmt.Errorf("%w: The name org.freedesktop.secrets was not provided by any .service files", secrets.ErrUnavailable)
			return embeddedSettings(dir)
		}, secrets.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			kr := &memKeyring{m: map[string]string{}}
			b := newTestBackend(t, dir, kr)
			_, err := b.Connect(ctx, tt.setup(dir, kr), "")
			if !errors.Is(err, tt.target) {
				t.Fatalf("err = %v, want %v", err, tt.target)
			}
			if _, err := os.Stat(configPath(dir)); err == nil {
				t.Error("settings saved although the connection failed")
			}
			for _, secret := range kr.m {
				assertNoSecretInFiles(t, dir, secret)
			}
		})
	}
}

func TestRemoteAndBack(t *testing.T) {
	ctx := context.Background()
	// The "remote" service is another console's embedded one.
	serverDir := t.TempDir()
	serverKR := &memKeyring{m: map[string]string{}}
	server := newTestBackend(t, serverDir, serverKR)
	ss, err := server.Connect(ctx, embeddedSettings(serverDir), "")
	if err != nil {
		t.Fatal(err)
	}
	remoteURL := ss.Service.URL()
	adminTok := serverKR.m["admin-token/embedded:"+filepath.Join(serverDir, "hostsync.db")]

	dir := t.TempDir()
	kr := &memKeyring{m: map[string]string{}}
	b := newTestBackend(t, dir, kr)
	if _, err := b.Connect(ctx, embeddedSettings(dir), ""); err != nil {
		t.Fatal(err)
	}
	remote := ui.Settings{Remote: true, RemoteURL: remoteURL, ListenAddr: "127.0.0.1:0"}

	if _, err := b.Connect(ctx, remote, ""); !errors.Is(err, ui.ErrNoAdminCredential) {
		t.Fatalf("no credential: %v", err)
	}
	if _, err := b.Connect(ctx, remote, "vha_wrong"); !scimclient.IsUnauthorized(err) {
		t.Fatalf("wrong credential: %v", err)
	}
	if b.emb == nil {
		t.Fatal("a failed switch stopped the embedded service")
	}
	sess, err := b.Connect(ctx, remote, adminTok)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Embedded || sess.Service.URL() != remoteURL || sess.APIKeyAccount != "api-key/"+remoteURL {
		t.Fatalf("remote session = %+v", sess)
	}
	if b.emb != nil {
		t.Error("embedded service still running after switching to remote")
	}
	cfg, err := loadConfig(dir)
	if err != nil || !cfg.Remote || cfg.RemoteURL != remoteURL {
		t.Fatalf("saved settings = %+v, %v", cfg, err)
	}
	// Next start: the credential comes from the keyring.
	if _, err := b.Connect(ctx, remote, ""); err != nil {
		t.Fatal(err)
	}
	back, err := b.Connect(ctx, embeddedSettings(dir), "")
	if err != nil || !back.Embedded {
		t.Fatalf("back to embedded: %+v, %v", back, err)
	}
	assertNoSecretInFiles(t, dir, adminTok)
}

func TestDataDir(t *testing.T) {
	home := func() (string, error) { return "/home/ann", nil }
	conf := func() (string, error) { return "/conf", nil }
	tests := []struct {
		goos, xdg, want string
	}{
		{"linux", "", "/home/ann/.local/share/visitly-hostsync"},
		{"linux", "/xdg", "/xdg/visitly-hostsync"},
		{"linux", "relative", "/home/ann/.local/share/visitly-hostsync"},
		{"windows", "", filepath.Join("/conf", "Visitly Host Sync")},
		{"darwin", "", filepath.Join("/conf", "Visitly Host Sync")},
	}
	for _, tt := range tests {
		t.Run(tt.goos+tt.xdg, func(t *testing.T) {
			got, err := osDataDir(tt.goos, func(string) string { return tt.xdg }, conf, home)
			if err != nil || got != tt.want {
				t.Errorf("osDataDir = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	t.Setenv("VISITLY_DATA_DIR", "/env/dir")
	if got, _ := dataDir(""); got != "/env/dir" {
		t.Errorf("env: %q", got)
	}
	if got, _ := dataDir("/flag/dir"); got != "/flag/dir" {
		t.Errorf("flag: %q", got)
	}
}

func TestSubcommandDispatch(t *testing.T) {
	var got []string
	commands["probe-test"] = func(ctx context.Context, env *CommandEnv, args []string) int {
		got = args
		fmt.Fprint(env.Stdout, env.DataDir)
		return 3
	}
	defer delete(commands, "probe-test")
	dir := t.TempDir()
	var out, errOut strings.Builder
	if code := run([]string{"--data-dir", dir, "probe-test", "a", "b"}, strings.NewReader(""), &out, &errOut); code != 3 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if strings.Join(got, " ") != "a b" || out.String() != dir {
		t.Errorf("args %v, stdout %q", got, out.String())
	}
	if code := run([]string{"--data-dir", dir, "nope"}, strings.NewReader(""), io.Discard, &errOut); code != 2 {
		t.Errorf("unknown command exit %d", code)
	}
}

// assertNoSecretInFiles fails if any file under dir contains secret (settings, database, logs).
func assertNoSecretInFiles(t *testing.T, dir, secret string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(p)
		if strings.Contains(string(b), secret) {
			t.Errorf("%s contains a secret", p)
		}
		return nil
	})
}
