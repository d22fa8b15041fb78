package ui

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
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
	exampleAddr   = "127.0.0.1:8765"
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
	return p
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
