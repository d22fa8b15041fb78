package ui

import (
	"fmt"
	"strings"
	"testing"

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
	tests := []struct {
		name, public, cert, key, want string
	}{
		{"public URL with a query", "https://hosts.example.com/?aadOptscim062020", "", "", "query"},
		{"public URL without scheme", "hosts.example.com", "", "", "https://"},
		{"certificate without key", "", "/etc/visitly/tls.crt", "", "both"},
		{"key without certificate", "", "", "/etc/visitly/tls.key", "both"},
		{"relative path", "", "tls.crt", "/etc/visitly/tls.key", "full path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, s, conn := newShellHarness(t, nil)
			s.Show(PageSettings)
			p := s.setting
			p.publicURL.SetText(tt.public)
			p.tlsCert.SetText(tt.cert)
			p.tlsKey.SetText(tt.key)
			test.Tap(p.save)
			if len(conn.calls) != 0 || p.status.Importance != widget.DangerImportance || !strings.Contains(p.status.Text, tt.want) {
				t.Errorf("%d calls, status %q, want an error mentioning %q", len(conn.calls), p.status.Text, tt.want)
			}
		})
	}

	// A certificate main cannot load: the status and the dialog say what to do.
	h, s, conn := newShellHarness(t, fmt.Errorf("load /etc/visitly/tls.crt and /etc/visitly/tls.key: %w: tls: private key does not match public key", ErrTLSCertificate))
	s.Show(PageSettings)
	p := s.setting
	p.tlsCert.SetText("/etc/visitly/tls.crt")
	p.tlsKey.SetText("/etc/visitly/tls.key")
	test.Tap(p.save)
	if got := conn.calls[0]; got.TLSCert != "/etc/visitly/tls.crt" || got.TLSKey != "/etc/visitly/tls.key" {
		t.Errorf("Connect(%+v)", got)
	}
	if p.status.Text != "Not saved: The TLS certificate cannot be used" {
		t.Errorf("status %q", p.status.Text)
	}
	if d := dialogText(h.win); !strings.Contains(d, "the key belongs to the certificate") || !strings.Contains(d, "private key does not match") {
		t.Errorf("dialog:\n%s", d)
	}
}
