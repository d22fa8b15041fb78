package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/visitly/hostsync/scimserver/certs/pebbletest"
	"github.com/visitly/hostsync/storage/hostdb"
)

// serve --acme-domain against a real ACME server (pebble) on loopback: it
// obtains a certificate, serves the SCIM service over HTTPS with the issued
// chain, reports it in the admin status, and redirects port 80 to HTTPS.
func TestServeACMEAgainstPebble(t *testing.T) {
	tlsPort, httpPort := pebbletest.FreePort(t), pebbletest.FreePort(t)
	p := pebbletest.Start(t, pebbletest.Options{TLSPort: tlsPort, HTTPPort: httpPort})
	const domain = "hosts.example.com"
	dir := t.TempDir()
	db := filepath.Join(dir, "hostsync.db")
	admin, _, _ := runCmd(t, "admin-token", "--db", db)
	admin = strings.TrimSpace(admin)

	dialLoopback := func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, _ := net.SplitHostPort(addr)
		return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
	}
	client := &http.Client{Timeout: 10 * time.Second,
		Transport:     &http.Transport{DialContext: dialLoopback, TLSClientConfig: &tls.Config{RootCAs: p.IssuingRoots(t)}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	base := "https://" + domain + ":" + strconv.Itoa(tlsPort)
	c := serveConfig{listen: "127.0.0.1:" + strconv.Itoa(tlsPort), db: db, logLevel: "info", maxBody: 1 << 20,
		hostCache: hostdb.DefaultHostCacheLimit,
		acme:      acmeConfig{domain: domain, directory: p.Dir, caRoot: p.RootFile, httpListen: "127.0.0.1:" + strconv.Itoa(httpPort)}}
	// startServe polls https://<listen>/healthz: with the domain as the name.
	stop, logs := startServe(t, c, "https", &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.IssuingRoots(t), ServerName: domain}}})
	defer func() {
		if t.Failed() {
			t.Logf("service log:\n%s", logs.String())
		}
	}()
	defer stop()

	req, _ := http.NewRequest("GET", base+"/v1/admin/status", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("admin status over HTTPS with the issued chain: %v", err)
	}
	var st struct {
		TLS struct{ Mode, Domain, State string } `json:"tls"`
	}
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if st.TLS.Mode != "acme" || st.TLS.Domain != domain || st.TLS.State != "ok" {
		t.Errorf("status tls = %+v, want acme %s ok", st.TLS, domain)
	}
	// The service answers as soon as the certificate is in; the line comes just after.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(logs.String(), "tenant_url="+base+"/v1/usersync/SCIM"); {
		if time.Now().After(deadline) {
			t.Fatalf("the log does not give the Tenant URL on the domain:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	resp, err = client.Get("http://" + domain + ":" + strconv.Itoa(httpPort) + "/v1/usersync/SCIM/Users?x=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != base+"/v1/usersync/SCIM/Users?x=1" {
		t.Errorf("plain HTTP: %d to %q, want 308 to HTTPS", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// A CA that refuses the name is one line saying what to check.
func TestServeACMERefused(t *testing.T) {
	tlsPort := pebbletest.FreePort(t)
	p := pebbletest.Start(t, pebbletest.Options{TLSPort: tlsPort})
	c := serveConfig{listen: "127.0.0.1:" + strconv.Itoa(tlsPort), db: filepath.Join(t.TempDir(), "h.db"), logLevel: "info", maxBody: 1 << 20,
		acme: acmeConfig{domain: "blocked.example.com", directory: p.Dir, caRoot: p.RootFile}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := serve(ctx, c, &pebbletest.SyncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "the CA said") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("serve for a name the CA refuses = %v, want one line with the CA's reason", err)
	}
	t.Log(err)
}
