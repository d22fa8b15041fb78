package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// Automatic HTTPS is checked like the other fields before anything is applied: a public DNS name,
// an address the CA can reach, not beside certificate files.
func TestSettingsRefusesBadAutomaticHTTPS(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir, "a", time.Now().Add(90*24*time.Hour))
	tests := []struct {
		name, listen, domain, email, cert, key string
		field, want                            string
	}{
		{"an IP address", "0.0.0.0:443", "203.0.113.7", "", "", "", fieldACME, "not an IP address"},
		{"an IPv6 address", "0.0.0.0:443", "[2001:db8::1]", "", "", "", fieldACME, "not an IP address"},
		{"a URL", "0.0.0.0:443", "https://hosts.example.com", "", "", "", fieldACME, "without https://"},
		{"a port", "0.0.0.0:443", "hosts.example.com:443", "", "", "", fieldACME, "without https://, a path or a port"},
		{"a wildcard", "0.0.0.0:443", "*.example.com", "", "", "", fieldACME, "wildcard"},
		{"spaces", "0.0.0.0:443", "hosts example com", "", "", "", fieldACME, "letters, digits, hyphens and dots"},
		{"a name without a dot", "0.0.0.0:443", "reception-pc", "", "", "", fieldACME, "public DNS name"},
		{"localhost", "0.0.0.0:443", "localhost", "", "", "", fieldACME, "public DNS name"},
		{"a local network name", "0.0.0.0:443", "reception.local", "", "", "", fieldACME, "public DNS name"},
		{"loopback listen address", "127.0.0.1:443", "hosts.example.com", "", "", "", fieldListen, "127.0.0.1 can only be reached from this computer itself"},
		{"localhost listen address", "localhost:443", "hosts.example.com", "", "", "", fieldListen, "certificate authority checks the name by connecting to this computer"},
		{"with certificate files", "0.0.0.0:443", "hosts.example.com", "", cert, key, fieldACME, "either Automatic HTTPS or a certificate and key file"},
		{"a bad e-mail", "0.0.0.0:443", "hosts.example.com", "it at example.com", "", "", fieldEmail, "one e-mail address"},
		{"an e-mail with a name", "0.0.0.0:443", "hosts.example.com", "IT <it@example.com>", "", "", fieldEmail, "one e-mail address"},
		{"an e-mail without a name", "0.0.0.0:443", "", "it@example.com", "", "", fieldEmail, "Enter the DNS name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, s, conn := newShellHarness(t, nil)
			s.Show(PageSettings)
			p := s.setting
			p.listen.SetText(tt.listen)
			p.tlsCert.SetText(tt.cert)
			p.tlsKey.SetText(tt.key)
			test.Type(p.acmeDomain, tt.domain)
			test.Type(p.acmeEmail, tt.email)
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
}

// A good name is applied (lower-case, without a final dot) and saved; a certificate the CA does
// not issue is said next to the field, with the CA's reason, and the running service stays.
func TestSettingsAutomaticHTTPSAppliedOrRefusedByTheCA(t *testing.T) {
	_, s, conn := newShellHarness(t, nil)
	s.Connect()
	s.Show(PageSettings)
	p := s.setting
	p.listen.SetText("0.0.0.0:443")
	test.Type(p.acmeDomain, "Hosts.Example.com.")
	test.Type(p.acmeEmail, "it@example.com")
	test.Tap(p.save)
	if len(conn.calls) == 0 {
		t.Fatalf("not applied: status %q", p.status.Text)
	}
	got := conn.calls[len(conn.calls)-1]
	if got.ACMEDomain != "hosts.example.com" || got.ACMEEmail != "it@example.com" || got.ListenAddr != "0.0.0.0:443" {
		t.Fatalf("Connect(%+v)", got)
	}
	if p.status.Importance != widget.SuccessImportance {
		t.Errorf("status %q (importance %v)", p.status.Text, p.status.Importance)
	}

	conn.err = fmt.Errorf("%w: could not get a certificate for hosts.example.com from the ACME CA: the CA said: DNS problem: NXDOMAIN looking up A for hosts.example.com; check that …", ErrAutomaticHTTPS)
	test.Tap(p.save)
	if l := p.problems[fieldACME]; !l.Visible() || !strings.Contains(l.Text, "points at this computer's public address") {
		t.Errorf("under Automatic HTTPS: %q (shown %v)", l.Text, l.Visible())
	}
	if !strings.Contains(p.status.Text, "NXDOMAIN") || !strings.Contains(p.status.Text, "keeps running with the previous settings") ||
		p.status.Importance != widget.DangerImportance {
		t.Errorf("status %q", p.status.Text)
	}
	if s.Session() == nil {
		t.Error("the failed save dropped the running session")
	}
}

// On the network with Automatic HTTPS, the agent's Tenant URL is the certificate's name, not the
// LAN address (which the certificate does not name).
func TestSettingsAgentTenantURLWithAutomaticHTTPS(t *testing.T) {
	_, s, _ := newShellHarness(t, nil)
	s.Show(PageSettings)
	p := s.setting
	p.listen.SetText("0.0.0.0:443")
	test.Type(p.acmeDomain, "hosts.example.com")
	if !p.lanWarning.Visible() || !strings.HasSuffix(p.lanWarning.Text, "The agent's Tenant URL: https://hosts.example.com/v1/usersync/SCIM") {
		t.Errorf("warning %q", p.lanWarning.Text)
	}
	p.listen.SetText("0.0.0.0:8443")
	if !strings.HasSuffix(p.lanWarning.Text, "https://hosts.example.com:8443/v1/usersync/SCIM") {
		t.Errorf("warning %q", p.lanWarning.Text)
	}
}
