package main

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimserver/certs/pebbletest"
	"github.com/visitly/hostsync/ui"
)

// newACMEBackend is a backend whose Automatic HTTPS asks pebble (as VISITLY_ACME_DIRECTORY and
// VISITLY_ACME_CA_ROOT would), logging to log.
func newACMEBackend(t *testing.T, dir string, kr *memKeyring, p *pebbletest.Pebble, log *pebbletest.SyncBuffer) *backend {
	t.Helper()
	b := newBackend(dir, config{}, kr, slog.New(slog.NewTextHandler(log, nil)), "test")
	b.acmeCA = acmeCA{directory: p.Dir, rootFile: p.RootFile}
	t.Cleanup(func() { b.Close() })
	return b
}

// servedLeaf fetches /healthz from 127.0.0.1:port as Azure AD would reach https://domain,
// verifying the chain against pebble's issuing root, and returns the leaf it was served.
func servedLeaf(t *testing.T, p *pebbletest.Pebble, port int, domain string) []byte {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: p.IssuingRoots(t), ServerName: domain},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+strconv.Itoa(port))
		},
	}}
	resp, err := c.Get("https://" + domain + ":" + strconv.Itoa(port) + "/healthz")
	if err != nil {
		t.Fatalf("HTTPS with the issued chain: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz over HTTPS: %d", resp.StatusCode)
	}
	return resp.TLS.PeerCertificates[0].Raw
}

// The embedded service with Automatic HTTPS against a real ACME server (pebble) on loopback: it
// obtains a certificate, serves HTTPS with the issued chain, the console's own client connects,
// the status reports mode acme, and a restart serves the stored certificate without asking again.
func TestEmbeddedAutomaticHTTPS(t *testing.T) {
	tlsPort := pebbletest.FreePort(t)
	p := pebbletest.Start(t, pebbletest.Options{TLSPort: tlsPort})
	const domain = "hosts.example.com"
	ctx := context.Background()
	dir := t.TempDir()
	kr := &memKeyring{m: map[string]string{}}
	var log pebbletest.SyncBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("console log:\n%s", log.String())
		}
	})
	b := newACMEBackend(t, dir, kr, p, &log)
	s := ui.Settings{ListenAddr: "127.0.0.1:" + strconv.Itoa(tlsPort), ACMEDomain: domain, ACMEEmail: "it@example.com"}
	sess, err := b.Connect(ctx, s, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://127.0.0.1:" + strconv.Itoa(tlsPort); sess.Service.URL() != want {
		t.Errorf("the console dials %s, want %s", sess.Service.URL(), want)
	}
	if want := "https://" + domain + ":" + strconv.Itoa(tlsPort) + "/v1/usersync/SCIM"; sess.Service.TenantURL() != want {
		t.Errorf("Tenant URL = %s, want %s", sess.Service.TenantURL(), want)
	}
	st, err := sess.Service.Status(ctx) // the console's own client, through the pin
	if err != nil {
		t.Fatalf("console client: %v", err)
	}
	if st.TLS == nil || st.TLS.Mode != hostsync.TLSModeACME || st.TLS.Domain != domain || st.TLS.State != hostsync.TLSStateOK {
		t.Errorf("status TLS = %+v, want acme %s ok", st.TLS, domain)
	}
	first := servedLeaf(t, p, tlsPort, domain)
	if !strings.Contains(log.String(), "TLS certificate obtained") {
		t.Error("no log line says the certificate was obtained")
	}
	pebbletest.CheckOwnerOnly(t, filepath.Join(dir, "acme"))
	if cfg, err := loadConfig(dir); err != nil || cfg.ACMEDomain != domain || cfg.ACMEEmail != "it@example.com" {
		t.Errorf("saved settings = %+v, %v", cfg, err)
	}

	t.Run("the pin accepts no other certificate", func(t *testing.T) {
		hc := clientPinnedTo(t, writeTestCert(t, t.TempDir(), "other"))
		resp, err := hc.Get(sess.Service.URL() + "/healthz")
		if err == nil {
			resp.Body.Close()
			t.Fatal("a client pinned to another certificate connected")
		}
		if !errors.Is(err, errNotPinned) {
			t.Errorf("err = %v, want errNotPinned", err)
		}
	})

	// Restart the console: the stored certificate is served, the CA is not asked again.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	var log2 pebbletest.SyncBuffer
	b2 := newACMEBackend(t, dir, kr, p, &log2)
	sess2, err := b2.Connect(ctx, b.Settings(), "")
	if err != nil {
		t.Fatalf("restart: %v\n%s", err, log2.String())
	}
	if _, err := sess2.Service.Status(ctx); err != nil {
		t.Fatalf("console client after a restart: %v", err)
	}
	if again := servedLeaf(t, p, tlsPort, domain); string(again) != string(first) {
		t.Error("after a restart the service serves another certificate than the stored one")
	}
	if strings.Contains(log2.String(), "requesting a TLS certificate") {
		t.Errorf("the restarted service asked the CA again:\n%s", log2.String())
	}
}

// A certificate the CA refuses is a clear error, and the service that was running keeps serving
// with its settings, on the same port.
func TestEmbeddedAutomaticHTTPSRefusedKeepsTheRunningService(t *testing.T) {
	tlsPort := pebbletest.FreePort(t)
	p := pebbletest.Start(t, pebbletest.Options{TLSPort: tlsPort})
	ctx := context.Background()
	dir := t.TempDir()
	var log pebbletest.SyncBuffer
	b := newACMEBackend(t, dir, &memKeyring{m: map[string]string{}}, p, &log)
	addr := "127.0.0.1:" + strconv.Itoa(tlsPort)
	sess, err := b.Connect(ctx, ui.Settings{ListenAddr: addr}, "")
	if err != nil {
		t.Fatal(err)
	}
	saved, _ := os.ReadFile(configPath(dir))
	_, err = b.Connect(ctx, ui.Settings{ListenAddr: addr, ACMEDomain: "blocked.example.com"}, "")
	if !errors.Is(err, ui.ErrAutomaticHTTPS) || !strings.Contains(err.Error(), "the CA said") || !strings.Contains(err.Error(), "this computer on port 443") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want one line of ErrAutomaticHTTPS with the CA's reason", err)
	}
	if d := ui.Describe(err); d.Title != "Automatic HTTPS could not get a certificate" || !strings.Contains(d.Hint, "443") {
		t.Errorf("Describe = %+v", d)
	}
	t.Log(err)
	if _, err := sess.Service.Status(ctx); err != nil {
		t.Errorf("the previous service does not answer: %v", err)
	}
	if now, _ := os.ReadFile(configPath(dir)); string(now) != string(saved) || b.Settings().ACMEDomain != "" {
		t.Errorf("settings changed after a failure:\n%s", now)
	}
}
