package ui

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/visitly/hostsync/scimclient"
)

// Settings fields a problem can be shown next to.
const (
	fieldListen   = "listen"
	fieldPublic   = "public"
	fieldCert     = "cert"
	fieldKey      = "key"
	fieldRemote   = "remote"
	fieldACME     = "acme"
	fieldEmail    = "acmeEmail"
	exampleAddr   = "127.0.0.1:8765"
	exampleDomain = "hosts.example.com"
	examplePublic = "https://hosts.example.com"
)

// fieldProblems maps a field to what is wrong with it, in plain words.
type fieldProblems map[string]string

// checkSettings says what is wrong with each field of s before anything is applied; every field
// is checked, so the user sees all problems at once. now dates the certificate check.
func checkSettings(s Settings, now time.Time) fieldProblems {
	p := fieldProblems{}
	if s.Remote {
		if _, err := scimclient.ParseServiceURL(s.RemoteURL); err != nil {
			p[fieldRemote] = "Write the service's address, starting with https://, for example " + examplePublic + "."
		}
		return p
	}
	if msg := checkListen(s.ListenAddr); msg != "" {
		p[fieldListen] = msg
	}
	if msg := checkPublicURL(s.PublicURL); msg != "" {
		p[fieldPublic] = msg
	}
	checkTLSFiles(s.TLSCert, s.TLSKey, now, p)
	checkACME(s, p)
	return p
}

// checkACME checks the Automatic HTTPS fields: a DNS name the CA can issue for, an address the CA
// can reach, and no certificate files beside it.
func checkACME(s Settings, p fieldProblems) {
	if s.ACMEDomain == "" {
		if s.ACMEEmail != "" {
			p[fieldEmail] = "Enter the DNS name for Automatic HTTPS too, or clear the e-mail address."
		}
		return
	}
	if msg := checkDomain(s.ACMEDomain); msg != "" {
		p[fieldACME] = msg
	} else if s.TLSCert != "" || s.TLSKey != "" {
		p[fieldACME] = "Use either Automatic HTTPS or a certificate and key file, not both: clear the one you do not want."
	}
	if s.ACMEEmail != "" {
		if a, err := mail.ParseAddress(s.ACMEEmail); err != nil || a.Address != s.ACMEEmail {
			p[fieldEmail] = "Write one e-mail address, such as it@example.com, or leave it empty."
		}
	}
	if p[fieldListen] == "" && !listensOnNetwork(s.ListenAddr) {
		p[fieldListen] = "With Automatic HTTPS the certificate authority checks the name by connecting to this computer from the internet, " +
			"and 127.0.0.1 can only be reached from this computer itself. Listen on the network, for example 0.0.0.0:443, " +
			"with port 443 open to the internet."
	}
}

// checkDomain checks a DNS name a public CA can issue a certificate for.
func checkDomain(d string) string {
	name := strings.TrimSuffix(d, ".")
	switch {
	case net.ParseIP(strings.Trim(name, "[]")) != nil:
		return "Enter a name such as " + exampleDomain + ", not an IP address: certificate authorities issue certificates for names."
	case strings.Contains(name, "/") || strings.Contains(name, ":"):
		return "Write only the name, such as " + exampleDomain + ", without https://, a path or a port."
	case strings.HasPrefix(name, "*."):
		return "A wildcard name cannot be checked this way: write the exact name, such as " + exampleDomain + "."
	case !isDNSName(name):
		return "Write the computer's DNS name, such as " + exampleDomain + " (letters, digits, hyphens and dots)."
	case !strings.Contains(name, ".") || strings.EqualFold(name, "localhost") || strings.HasSuffix(strings.ToLower(name), ".local"):
		return "Enter the public DNS name that points at this computer, such as " + exampleDomain + ": a name only this network knows cannot get a certificate."
	}
	return ""
}

// isDNSName reports whether name is made of valid DNS labels (RFC 1123).
func isDNSName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// checkListen checks an address:port the embedded service can listen on.
func checkListen(addr string) string {
	if addr == "" {
		return "Enter an address and a port, for example " + exampleAddr + "."
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "Write it as address:port, for example " + exampleAddr + "."
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "The port must be a number from 1 to 65535; " + strconv.Quote(port) + " is not."
	}
	if host != "" && host != "localhost" && net.ParseIP(host) == nil {
		return strconv.Quote(host) + " is not an address of this computer: use 127.0.0.1 (this computer only) or 0.0.0.0 (the network)."
	}
	return ""
}

// listensOnNetwork reports whether addr is reachable from other machines: anything but loopback.
func listensOnNetwork(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// withHost returns addr with its host replaced, keeping the port (8765 if none can be read).
func withHost(addr, host string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		port = "8765"
	}
	return net.JoinHostPort(host, port)
}

func checkPublicURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "Write the full address, starting with https://, for example " + examplePublic + "."
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "Leave out the part from ? or # on: Azure AD adds its own options to the address."
	}
	if _, err := scimclient.ParsePublicURL(raw); err != nil {
		return "Write only the address, for example " + examplePublic + ": the console adds " + scimclient.SCIMPath + " itself."
	}
	return ""
}

// checkTLSFiles checks that the certificate and key are both given or both empty, readable, PEM,
// belong together and have not expired.
func checkTLSFiles(cert, key string, now time.Time, p fieldProblems) {
	if cert == "" && key == "" {
		return
	}
	if cert == "" {
		p[fieldCert] = "Choose the certificate file too, or clear the key."
	}
	if key == "" {
		p[fieldKey] = "Choose the private key file too, or clear the certificate."
	}
	var certPEM, keyPEM []byte
	for _, f := range []struct {
		field, path string
		into        *[]byte
	}{{fieldCert, cert, &certPEM}, {fieldKey, key, &keyPEM}} {
		if f.path == "" {
			continue
		}
		if !filepath.IsAbs(f.path) {
			// The console may be started from any folder: a relative path would change meaning.
			p[f.field] = "Give the full path of the file (use Browse…)."
			continue
		}
		b, err := os.ReadFile(f.path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			p[f.field] = "There is no file at this path."
		case errors.Is(err, fs.ErrPermission):
			p[f.field] = "This file cannot be read: the console has no permission to open it."
		case err != nil:
			p[f.field] = "This file cannot be read: " + err.Error()
		default:
			*f.into = b
		}
	}
	if certPEM == nil || keyPEM == nil {
		return
	}
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		p[fieldCert] = "This is not a certificate file in PEM format (it should start with -----BEGIN CERTIFICATE-----)."
		return
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		p[fieldKey] = "This private key does not belong to the certificate, or is not a PEM key file."
		return
	}
	if leaf, err := x509.ParseCertificate(pair.Certificate[0]); err == nil && now.After(leaf.NotAfter) {
		p[fieldCert] = "This certificate expired on " + leaf.NotAfter.Local().Format("2 Jan 2006") + ": HTTPS clients such as Azure AD refuse it. Use a renewed one."
	}
}

// lanAddresses are this computer's non-loopback IPv4 addresses, for the agent's Tenant URL.
func lanAddresses() []string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil && !n.IP.IsLinkLocalUnicast() {
			out = append(out, n.IP.String())
		}
	}
	return out
}

// lanTenantURLs are the Tenant URLs an agent on the network would use for listen address addr.
func lanTenantURLs(addr string, https bool) []string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	hosts := []string{host}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		hosts = lanAddresses()
	}
	scheme := "http://"
	if https {
		scheme = "https://"
	}
	var out []string
	for _, h := range hosts {
		out = append(out, scheme+net.JoinHostPort(h, port)+scimclient.SCIMPath)
	}
	return out
}
