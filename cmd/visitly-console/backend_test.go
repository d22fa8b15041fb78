package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/scimserver/certs"
	"github.com/visitly/hostsync/storage/keyring"
	"github.com/visitly/hostsync/ui"
)

// memKeyring is an OS keyring stand-in; real-keyring behaviour is tested in storage/keyring.
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
		return "", fmt.Errorf("get %s: %w", a, keyring.ErrNotFound)
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
	page, err := sess2.Service.Activity(ctx, hostsync.ActivityQuery{Action: hostsync.ActionAdminTokenRotated})
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
			kr.err = fmt.Errorf("%w: The name org.freedesktop.secrets was not provided by any .service files", keyring.ErrUnavailable)
			return embeddedSettings(dir)
		}, keyring.ErrUnavailable},
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
	commands := map[string]Command{"probe-test": func(ctx context.Context, env *CommandEnv, args []string) int {
		got = args
		fmt.Fprint(env.Stdout, env.DataDir)
		return 3
	}}
	dir := t.TempDir()
	var out, errOut strings.Builder
	if err := run([]string{"--data-dir", dir, "probe-test", "a", "b"}, strings.NewReader(""), &out, &errOut, commands); err != exitCode(3) {
		t.Fatalf("exit %v, stderr %q", err, errOut.String())
	}
	if strings.Join(got, " ") != "a b" || out.String() != dir {
		t.Errorf("args %v, stdout %q", got, out.String())
	}
	if err := run([]string{"--data-dir", dir, "nope"}, strings.NewReader(""), io.Discard, &errOut, commands); err != exitCode(2) {
		t.Errorf("unknown command exit %v", err)
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

// testCert is a self-signed certificate for hosts.example.com (not 127.0.0.1: the console's client
// must connect through the pin, not the host name) written as PEM files.
type testCert struct {
	certFile, keyFile string
	der               []byte
	keyPEM            []byte
}

func writeTestCert(t *testing.T, dir, name string) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "hosts.example.com"},
		DNSNames:     []string{"hosts.example.com"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	c := testCert{certFile: filepath.Join(dir, name+".crt"), keyFile: filepath.Join(dir, name+".key"), der: der,
		keyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})}
	if err := os.WriteFile(c.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.keyFile, c.keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return c
}

// clientPinnedTo is the console's own client of an embedded service that serves c.
func clientPinnedTo(t *testing.T, c testCert) *http.Client {
	t.Helper()
	m, err := certs.New(certs.Options{CertFile: c.certFile, KeyFile: c.keyFile})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return (&embedded{certs: m}).httpClient()
}

func tlsSettings(c testCert, public string) ui.Settings {
	return ui.Settings{ListenAddr: "127.0.0.1:0", TLSCert: c.certFile, TLSKey: c.keyFile, PublicURL: public}
}

func TestEmbeddedServesHTTPS(t *testing.T) {
	ctx := context.Background()
	dir, certDir := t.TempDir(), t.TempDir()
	certA, certB := writeTestCert(t, certDir, "a"), writeTestCert(t, certDir, "b")
	kr := &memKeyring{m: map[string]string{}}
	b := newTestBackend(t, dir, kr)
	s := tlsSettings(certA, "https://hosts.example.com")
	sess, err := b.Connect(ctx, s, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sess.Service.URL(), "https://127.0.0.1:") {
		t.Fatalf("embedded service URL = %q, want https on loopback", sess.Service.URL())
	}
	// The console's own client connects through the pin, although the certificate names another host.
	st, err := sess.Service.Status(ctx)
	if err != nil {
		t.Fatalf("console client through the pin: %v", err)
	}
	// The files' certificate has its health in the status, and so in the header (the states
	// themselves are scimserver/certs' tests).
	if st.TLS == nil || st.TLS.Mode != hostsync.TLSModeFiles || st.TLS.State != hostsync.TLSStateOK ||
		st.TLS.Domain != "hosts.example.com" || st.TLS.NotAfter.IsZero() {
		t.Errorf("status TLS = %+v, want the files' certificate, ok, for hosts.example.com", st.TLS)
	}
	host := strings.TrimPrefix(sess.Service.URL(), "https://")

	t.Run("plain HTTP is refused", func(t *testing.T) {
		resp, err := http.Get("http://" + host + "/v1/admin/status")
		if err != nil {
			return // refused outright is fine too
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "HTTPS") {
			t.Errorf("plain HTTP answered %d %q", resp.StatusCode, body)
		}
	})
	t.Run("TLS 1.1 is refused", func(t *testing.T) {
		conn, err := tls.Dial("tcp", host, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
		if err == nil {
			conn.Close()
			t.Fatalf("a TLS 1.1 handshake succeeded (version %x)", conn.ConnectionState().Version)
		}
		conn, err = tls.Dial("tcp", host, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12})
		if err != nil {
			t.Fatalf("TLS 1.2: %v", err)
		}
		conn.Close()
	})
	t.Run("the pin accepts no other certificate", func(t *testing.T) {
		hc := clientPinnedTo(t, certB)
		resp, err := hc.Get(sess.Service.URL() + "/v1/admin/status")
		if err == nil {
			resp.Body.Close()
			t.Fatal("a client pinned to another certificate connected")
		}
		if !errors.Is(err, errNotPinned) {
			t.Errorf("err = %v, want errNotPinned", err)
		}
		// And verification is not off for everyone: an ordinary client rejects the self-signed certificate.
		if resp, err := http.Get(sess.Service.URL() + "/v1/admin/status"); err == nil {
			resp.Body.Close()
			t.Error("an ordinary client accepted the self-signed certificate")
		}
	})

	cfg, err := loadConfig(dir)
	if err != nil || cfg.TLSCert != certA.certFile || cfg.TLSKey != certA.keyFile || cfg.PublicURL != "https://hosts.example.com" {
		t.Fatalf("saved settings = %+v, %v", cfg, err)
	}
	raw, _ := os.ReadFile(configPath(dir))
	if bytes.Contains(raw, bytes.TrimSpace(certA.keyPEM[28:80])) {
		t.Error("settings.json holds the key's content")
	}

	// The same settings keep the running service; a renewed certificate at the same path restarts it.
	url := sess.Service.URL()
	if again, err := b.Connect(ctx, s, ""); err != nil || again.Service.URL() != url {
		t.Fatalf("reconnect with unchanged settings: %v, %v (was %s)", again, err, url)
	}
	if err := os.Rename(certB.certFile, certA.certFile); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(certB.keyFile, certA.keyFile); err != nil {
		t.Fatal(err)
	}
	renewed, err := b.Connect(ctx, s, "")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.emb.leaf, certB.der) {
		t.Error("the renewed certificate is not served")
	}
	if _, err := renewed.Service.Status(ctx); err != nil {
		t.Fatalf("client pinned to the renewed certificate: %v", err)
	}
}

func TestPublicURLInTenantURLAndLocation(t *testing.T) {
	ctx := context.Background()
	cert := writeTestCert(t, t.TempDir(), "c")
	tests := []struct {
		name     string
		settings ui.Settings
		tenant   string // "" = the local address
	}{
		{"plain HTTP behind a proxy", ui.Settings{ListenAddr: "127.0.0.1:0", PublicURL: "https://hosts.example.com/"}, "https://hosts.example.com/v1/usersync/SCIM"},
		{"HTTPS with a path prefix", tlsSettings(cert, "https://proxy.example.com/visitly"), "https://proxy.example.com/visitly/v1/usersync/SCIM"},
		{"HTTPS, no public URL", tlsSettings(cert, ""), ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			b := newTestBackend(t, dir, &memKeyring{m: map[string]string{}})
			sess, err := b.Connect(ctx, tt.settings, "")
			if err != nil {
				t.Fatal(err)
			}
			want := tt.tenant
			if want == "" {
				want = sess.Service.URL() + scimclient.SCIMPath
			}
			if got := sess.Service.TenantURL(); got != want {
				t.Errorf("TenantURL = %q, want %q", got, want)
			}
			key, err := sess.Service.CreateKey(ctx, "Azure AD", hostsync.IdPAzureAD)
			if err != nil {
				t.Fatal(err)
			}
			// A real SCIM POST as Azure AD sends it, to the local address.
			user := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann%d@contoso.example","active":true}`, i)
			req, _ := http.NewRequestWithContext(ctx, "POST", sess.Service.URL()+scimclient.SCIMPath+"/Users", strings.NewReader(user))
			req.Header.Set("Content-Type", "application/scim+json")
			req.Header.Set("Authorization", "Bearer "+key.Secret)
			resp, err := b.emb.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var created struct {
				ID   string `json:"id"`
				Meta struct {
					Location string `json:"location"`
				} `json:"meta"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&created); err != nil || resp.StatusCode != http.StatusCreated {
				t.Fatalf("POST /Users: %d, %v", resp.StatusCode, err)
			}
			if wantLoc := want + "/Users/" + created.ID; created.Meta.Location != wantLoc || resp.Header.Get("Location") != wantLoc {
				t.Errorf("meta.location = %q, Location = %q; want %q", created.Meta.Location, resp.Header.Get("Location"), wantLoc)
			}
		})
	}
}

func TestBadTLSSettingsKeepThePrevious(t *testing.T) {
	ctx := context.Background()
	certDir := t.TempDir()
	good, other := writeTestCert(t, certDir, "good"), writeTestCert(t, certDir, "other")
	notPEM := filepath.Join(certDir, "not.pem")
	os.WriteFile(notPEM, []byte("this is not a certificate\n"), 0o600)
	tests := []struct {
		name       string
		cert, key  string
		wantDetail string
	}{
		{"key of another certificate", good.certFile, other.keyFile, "private key does not match"},
		{"missing key file", good.certFile, filepath.Join(certDir, "gone.key"), "gone.key"},
		{"certificate not PEM", notPEM, good.keyFile, "not.pem"},
		{"key without certificate", "", good.keyFile, "both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			b := newTestBackend(t, dir, &memKeyring{m: map[string]string{}})
			prev := ui.Settings{ListenAddr: "127.0.0.1:0", PublicURL: "https://before.example.com"}
			sess, err := b.Connect(ctx, prev, "")
			if err != nil {
				t.Fatal(err)
			}
			saved, _ := os.ReadFile(configPath(dir))
			_, err = b.Connect(ctx, ui.Settings{ListenAddr: "127.0.0.1:0", TLSCert: tt.cert, TLSKey: tt.key, PublicURL: "https://after.example.com"}, "")
			if !errors.Is(err, ui.ErrTLSCertificate) || !strings.Contains(err.Error(), tt.wantDetail) {
				t.Fatalf("err = %v, want ErrTLSCertificate mentioning %q", err, tt.wantDetail)
			}
			if p := ui.Describe(err); p.Title != "The TLS certificate cannot be used" || !strings.Contains(p.Hint, "Settings") {
				t.Errorf("Describe = %+v", p)
			}
			if now, _ := os.ReadFile(configPath(dir)); !bytes.Equal(now, saved) || b.Settings().PublicURL != prev.PublicURL {
				t.Errorf("settings changed after a failure:\n%s", now)
			}
			// The previous service still runs, unchanged.
			if b.emb == nil || b.emb.url != sess.Service.URL() || b.emb.public != prev.PublicURL {
				t.Fatalf("the running service was replaced: %+v", b.emb)
			}
			if _, err := sess.Service.Status(ctx); err != nil {
				t.Errorf("the previous service stopped answering: %v", err)
			}
		})
	}
}
