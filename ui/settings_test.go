package ui

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync/scimclient"
)

// publicService is the fake service as main's backend hands it out with a Public URL: the
// Tenant URL comes from scimclient.WithPublicURL, every call still goes to the fake.
type publicService struct {
	*fakeService
	c *scimclient.Client
}

func (s publicService) TenantURL() string { return s.c.TenantURL() }

func TestSettingsPublicURLShowsOnAzurePage(t *testing.T) {
	h, s, conn := newShellHarness(t, nil)
	h.sec.m[account] = h.svc.addKey("Azure AD")
	conn.makeSession = func(set Settings) *Session {
		c, err := scimclient.New(h.svc.url, scimclient.WithPublicURL(set.PublicURL))
		if err != nil {
			t.Fatalf("main would not make this session: %v", err)
		}
		return &Session{Service: publicService{h.svc, c}, Embedded: true, APIKeyAccount: account, Probe: h.svc.prober}
	}
	s.Connect()
	if got := s.azure.tenantURL.Text; got != "http://127.0.0.1:8765/v1/usersync/SCIM" || !s.azure.loopbackNote.Visible() {
		t.Fatalf("before: Tenant URL %q, loopback note shown %v", got, s.azure.loopbackNote.Visible())
	}
	s.Show(PageSettings)
	p := s.setting

	test.Type(p.publicURL, "https://hosts.example.com/")
	test.Tap(p.save)
	got := conn.calls[len(conn.calls)-1]
	if got.PublicURL != "https://hosts.example.com" || got.Remote || got.ListenAddr != "127.0.0.1:8765" {
		t.Fatalf("Connect(%+v)", got)
	}
	const tenant = "https://hosts.example.com/v1/usersync/SCIM"
	if p.status.Importance != widget.SuccessImportance || !strings.Contains(p.status.Text, "Azure AD calls "+tenant) {
		t.Errorf("status %q (importance %v)", p.status.Text, p.status.Importance)
	}

	s.Show(PageAzureAD)
	a := s.azure
	if a.tenantURL.Text != tenant {
		t.Errorf("Azure AD page Tenant URL = %q, want %q", a.tenantURL.Text, tenant)
	}
	if a.loopbackNote.Visible() {
		t.Errorf("a public https Tenant URL still warns: %q", a.loopbackNote.Text)
	}
	for _, b := range []*widget.Button{a.copyTenant, a.checkCopyTenant} {
		h.env.Clipboard.SetContent("")
		test.Tap(b)
		if c := h.env.Clipboard.Content(); c != tenant {
			t.Errorf("%q copied %q", b.Text, c)
		}
	}
	// Test connection reaches the service directly and says so.
	test.Tap(a.test)
	if !strings.Contains(a.testSummary.Text, "checks passed at http://127.0.0.1:8765") || !strings.Contains(a.testSummary.Text, tenant) {
		t.Errorf("test summary %q", a.testSummary.Text)
	}
	msg := a.explainProbe(fmt.Errorf("x: %w: connection refused", scimclient.ErrUnreachable))
	if !strings.Contains(msg, "No answer from the service at http://127.0.0.1:8765") || !strings.Contains(msg, tenant) {
		t.Errorf("unreachable probe message %q", msg)
	}

	// The page opens with what was saved; http: is saved with a warning, not refused.
	s.Show(PageSettings)
	p = s.setting
	if p.publicURL.Text != "https://hosts.example.com" {
		t.Errorf("reopened Settings shows Public URL %q", p.publicURL.Text)
	}
	p.publicURL.SetText("http://hosts.example.com")
	test.Tap(p.save)
	if conn.calls[len(conn.calls)-1].PublicURL != "http://hosts.example.com" ||
		p.status.Importance != widget.WarningImportance || !strings.Contains(p.status.Text, "accepts only https://") {
		t.Errorf("http public URL: status %q (importance %v)", p.status.Text, p.status.Importance)
	}
	s.Show(PageAzureAD)
	if !s.azure.loopbackNote.Visible() || !strings.Contains(s.azure.loopbackNote.Text, "only https://") {
		t.Errorf("http Tenant URL note: %v %q", s.azure.loopbackNote.Visible(), s.azure.loopbackNote.Text)
	}
}

func TestSettingsRefusesBadEmbeddedSettings(t *testing.T) {
	dir := t.TempDir()
	certA, keyA := writeCert(t, dir, "a", time.Now().Add(90*24*time.Hour))
	_, keyB := writeCert(t, dir, "b", time.Now().Add(90*24*time.Hour))
	certOld, keyOld := writeCert(t, dir, "old", time.Now().Add(-time.Hour))
	notPEM := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, listen, public, cert, key string
		field, want                     string
	}{
		{"port out of range", "localhost:99999", "", "", "", fieldListen, "The port must be a number from 1 to 65535"},
		{"port zero", "127.0.0.1:0", "", "", "", fieldListen, "from 1 to 65535"},
		{"no port", "127.0.0.1", "", "", "", fieldListen, "Write it as address:port"},
		{"not an address", "my computer:8765", "", "", "", fieldListen, "is not an address of this computer"},
		{"public URL with a query", "127.0.0.1:8765", "https://hosts.example.com/?aadOptscim062020", "", "", fieldPublic, "Leave out the part from ?"},
		{"public URL without scheme", "127.0.0.1:8765", "hosts.example.com", "", "", fieldPublic, "starting with https://"},
		{"certificate without key", "127.0.0.1:8765", "", certA, "", fieldKey, "Choose the private key file too"},
		{"key without certificate", "127.0.0.1:8765", "", "", keyA, fieldCert, "Choose the certificate file too"},
		{"relative path", "127.0.0.1:8765", "", "tls.crt", keyA, fieldCert, "full path"},
		{"missing file", "127.0.0.1:8765", "", filepath.Join(dir, "gone.crt"), keyA, fieldCert, "There is no file at this path."},
		{"not PEM", "127.0.0.1:8765", "", notPEM, keyA, fieldCert, "not a certificate file in PEM format"},
		{"key of another certificate", "127.0.0.1:8765", "", certA, keyB, fieldKey, "does not belong to the certificate"},
		{"expired certificate", "127.0.0.1:8765", "", certOld, keyOld, fieldCert, "This certificate expired on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, s, conn := newShellHarness(t, nil)
			s.Show(PageSettings)
			p := s.setting
			p.listen.SetText(tt.listen)
			p.publicURL.SetText(tt.public)
			p.tlsCert.SetText(tt.cert)
			p.tlsKey.SetText(tt.key)
			test.Tap(p.save)
			if len(conn.calls) != 0 || p.status.Importance != widget.DangerImportance || !strings.HasPrefix(p.status.Text, "Not saved") {
				t.Errorf("%d calls, status %q: want nothing applied", len(conn.calls), p.status.Text)
			}
			if l := p.problems[tt.field]; !l.Visible() || !strings.Contains(l.Text, tt.want) {
				t.Errorf("under %s: %q (shown %v), want %q", tt.field, l.Text, l.Visible(), tt.want)
			}
			for f, l := range p.problems {
				if f != tt.field && l.Visible() {
					t.Errorf("%s also shows %q", f, l.Text)
				}
			}
		})
	}

	// Good files pass; a certificate main still cannot load is told next to the field.
	_, s, conn := newShellHarness(t, fmt.Errorf("load x and y: %w: tls: private key does not match public key", ErrTLSCertificate))
	s.Show(PageSettings)
	p := s.setting
	p.tlsCert.SetText(certA)
	p.tlsKey.SetText(keyA)
	test.Tap(p.save)
	if len(conn.calls) != 1 || conn.calls[0].TLSCert != certA || conn.calls[0].TLSKey != keyA {
		t.Fatalf("Connect(%+v)", conn.calls)
	}
	if !strings.HasPrefix(p.status.Text, "Not saved: The TLS certificate cannot be used.") || !p.problems[fieldCert].Visible() {
		t.Errorf("status %q, under the certificate %q", p.status.Text, p.problems[fieldCert].Text)
	}
}

// A taken port is the port's problem, said next to the field, never a credential problem.
func TestSettingsTakenPortIsSaidInWords(t *testing.T) {
	_, s, conn := newShellHarness(t, nil)
	s.Connect()
	s.Show(PageSettings)
	p := s.setting
	conn.err = fmt.Errorf("listen on 127.0.0.1:8765: %w: bind: address already in use", ErrAddressInUse)
	p.listen.SetText("127.0.0.1:8765")
	test.Tap(p.save)
	if l := p.problems[fieldListen]; !l.Visible() || !strings.HasPrefix(l.Text, "Port 8765 is already used by another program") {
		t.Errorf("under the listen address: %q", l.Text)
	}
	if !strings.Contains(p.status.Text, "port 8765 is already used by another program") || !strings.Contains(p.status.Text, "keeps running with the previous settings") ||
		strings.Contains(p.status.Text, "credential") {
		t.Errorf("status %q", p.status.Text)
	}
	if s.Session() == nil {
		t.Error("the failed save dropped the running session")
	}
}

// The network check box switches the address to every interface and warns, with the agent's Tenant URL.
func TestSettingsListenOnTheNetworkWarns(t *testing.T) {
	_, s, conn := newShellHarness(t, nil)
	s.Show(PageSettings)
	p := s.setting
	if p.lan.Checked || p.lanWarning.Visible() {
		t.Fatal("loopback starts with the network on")
	}
	test.Tap(p.lan)
	if p.listen.Text != "0.0.0.0:8765" || !p.lanWarning.Visible() || !strings.Contains(p.lanWarning.Text, "any computer on this network can then reach the service") {
		t.Fatalf("network on: %q, warning %q", p.listen.Text, p.lanWarning.Text)
	}
	test.Tap(p.save)
	if got := conn.calls[len(conn.calls)-1]; got.ListenAddr != "0.0.0.0:8765" {
		t.Errorf("Connect(%+v)", got)
	}
	p.listen.SetText("127.0.0.1:9000")
	if p.lan.Checked || p.lanWarning.Visible() {
		t.Error("typing a loopback address leaves the network on")
	}
	test.Tap(p.lan)
	test.Tap(p.lan)
	if p.listen.Text != "127.0.0.1:9000" {
		t.Errorf("on and off again: %q", p.listen.Text)
	}
}

// writeCert writes a self-signed certificate and its key valid until notAfter; returns their paths.
func writeCert(t *testing.T, dir, name string, notAfter time.Time) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hosts.example.com"},
		NotBefore: notAfter.Add(-365 * 24 * time.Hour), NotAfter: notAfter, DNSNames: []string{"hosts.example.com"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestCheckSettingsRemote(t *testing.T) {
	for _, tt := range []struct {
		url  string
		want bool // a problem
	}{
		{"https://hosts.example.com", false},
		{"hosts example", true},
		{"", true},
		{"ftp://hosts.example.com", true},
	} {
		p := checkSettings(Settings{Remote: true, RemoteURL: tt.url, ListenAddr: "nonsense"}, time.Now())
		if got := p[fieldRemote] != ""; got != tt.want || len(p) > 1 {
			t.Errorf("remote %q: problems %v, want a problem under the URL: %v (and the hidden embedded fields unchecked)", tt.url, p, tt.want)
		}
	}
}
