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
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/visitly/hostsync/scimserver"
	"github.com/visitly/hostsync/scimserver/certs/pebbletest"
	"github.com/visitly/hostsync/storage/hostdb"
)

func runCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestAPIKeyCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "new", "hostsync.db") // folder does not exist yet
	if err := os.MkdirAll(filepath.Dir(db), 0o700); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCmd(t, "apikey", "create", "--db", db, "--label", "Azure AD")
	if code != 0 {
		t.Fatalf("apikey create: exit %d: %s", code, errOut)
	}
	key := strings.TrimSpace(out)
	if !strings.HasPrefix(key, "vhs_") || strings.Contains(key, "\n") || len(key) < 47 {
		t.Fatalf("apikey create printed %q, want the key alone", out)
	}
	if _, errOut, code = runCmd(t, "apikey", "create", "--db", db, "--label", "Okta prod", "--idp", "okta"); code != 0 {
		t.Fatalf("apikey create --idp okta: exit %d: %s", code, errOut)
	}
	if _, errOut, code = runCmd(t, "apikey", "create", "--db", db, "--idp", "google"); code != 2 || !strings.Contains(errOut, "okta") {
		t.Errorf("apikey create --idp google: exit %d, %q; want 2 and the valid ones", code, errOut)
	}
	out, _, code = runCmd(t, "apikey", "list", "--db", db)
	if code != 0 || !strings.Contains(out, "Azure AD") || strings.Contains(out, key) {
		t.Fatalf("apikey list (exit %d) = %q: want the label and never the key", code, out)
	}
	for _, line := range []string{"Okta prod  Okta", "Azure AD   Azure AD"} {
		if !strings.Contains(out, line) {
			t.Errorf("apikey list = %q: want a line with %q", out, line)
		}
	}
	if _, errOut, code = runCmd(t, "apikey", "revoke", "1", "--db", db); code != 0 {
		t.Fatalf("apikey revoke: exit %d: %s", code, errOut)
	}
	out, _, _ = runCmd(t, "apikey", "list", "--db", db)
	if !strings.Contains(out, "Azure AD") || strings.Count(out, "-") == 0 {
		t.Fatalf("list after revoke: %q", out)
	}
	if _, _, code = runCmd(t, "apikey", "revoke", "42", "--db", db); code != 1 {
		t.Errorf("revoking an unknown key: exit %d, want 1", code)
	}
	if _, _, code = runCmd(t, "apikey", "create"); code != 2 {
		t.Errorf("missing --db: exit %d, want 2", code)
	}
	if _, _, code = runCmd(t, "frobnicate"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	tok, _, code := runCmd(t, "admin-token", "--db", db)
	if code != 0 || !strings.HasPrefix(tok, "vha_") {
		t.Fatalf("admin-token = %q (exit %d)", tok, code)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startServe(t *testing.T, c serveConfig, scheme string, client *http.Client) (stop func() error, logs *pebbletest.SyncBuffer) {
	t.Helper()
	logs = &pebbletest.SyncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, c, logs) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := client.Get(scheme + "://" + c.listen + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("service did not come up: %v\n%s", err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return func() error { cancel(); return <-done }, logs
}

func TestServeAnswersAzureAndShutsDownGracefully(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hostsync.db")
	key, _, _ := runCmd(t, "apikey", "create", "--db", db)
	key = strings.TrimSpace(key)
	c := serveConfig{listen: freeAddr(t), db: db, logLevel: "debug", logFormat: "json", maxBody: 1 << 20,
		hostCache: hostdb.DefaultHostCacheLimit}
	stop, logs := startServe(t, c, "http", http.DefaultClient)

	req, _ := http.NewRequest("GET", "http://"+c.listen+"/v1/usersync/SCIM/Users?filter=userName+eq+%22x%22", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("Test Connection query: %d", resp.StatusCode)
	}
	req.Header.Set("Authorization", "Bearer vhs_not_a_key_but_secret_looking")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("wrong key: %d", resp.StatusCode)
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}
	l := logs.String()
	if !strings.Contains(l, `"msg":"stopped"`) || !strings.Contains(l, `"path":"/v1/usersync/SCIM/Users"`) {
		t.Errorf("logs lack the request or the clean stop:\n%s", l)
	}
	for _, secret := range []string{key, "vhs_not_a_key_but_secret_looking", "filter"} {
		if strings.Contains(l, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

func TestServeFlags(t *testing.T) {
	c, err := parseServeFlags([]string{"--db", "h.db"}, io.Discard)
	if err != nil || c.hostCache != hostdb.DefaultHostCacheLimit || c.listen != "127.0.0.1:8080" ||
		c.maxConns != scimserver.DefaultMaxConnections || c.maxConnsPerAddr != scimserver.DefaultMaxConnectionsPerAddress {
		t.Errorf("defaults: %+v, %v", c, err)
	}
	if c, err := parseServeFlags([]string{"--db", "h.db", "--max-connections-per-address", "512"}, io.Discard); err != nil || c.maxConnsPerAddr != 512 {
		t.Errorf("--max-connections-per-address 512: %+v, %v", c, err)
	}
	if c, err := parseServeFlags([]string{"--db", "h.db", "--host-cache", "0"}, io.Discard); err != nil || c.hostCache != 0 {
		t.Errorf("--host-cache 0: %+v, %v", c, err)
	}
	for _, args := range [][]string{{"--db", "h.db", "--host-cache", "-1"}, {"--host-cache", "5"}, {"--db", "h.db", "--tls-cert", "c.pem"},
		{"--db", "h.db", "--max-connections-per-address", "0"}} {
		if _, err := parseServeFlags(args, io.Discard); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	cert, keyFile, pool := selfSigned(t, dir)
	c := serveConfig{listen: freeAddr(t), db: filepath.Join(dir, "h.db"), tlsCert: cert, tlsKey: keyFile, logLevel: "info", maxBody: 1 << 20}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11}}}
	stop, _ := startServe(t, c, "https", &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}})
	defer stop()
	if _, err := client.Get("https://" + c.listen + "/healthz"); err == nil {
		t.Errorf("TLS 1.1 was accepted; Azure AD requires TLS 1.2+ and so do we")
	}
}

func TestPortInUseIsAClearError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c := serveConfig{listen: ln.Addr().String(), db: filepath.Join(t.TempDir(), "h.db"), logLevel: "info", maxBody: 1 << 20}
	err = serve(context.Background(), c, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "another service") {
		t.Fatalf("serve on a busy port: %v", err)
	}
}

func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(priv)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	c, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(c)
	return certFile, keyFile, pool
}

func TestServeACMEFlags(t *testing.T) {
	c, err := parseServeFlags([]string{"--db", "h.db", "--acme-domain", "hosts.example.com"}, io.Discard)
	if err != nil || c.listen != ":443" || c.acme.domain != "hosts.example.com" {
		t.Errorf("--acme-domain alone: listen %q, %+v, %v; want :443", c.listen, c.acme, err)
	}
	if c, err := parseServeFlags([]string{"--db", "h.db", "--acme-domain", "h.example.com", "--listen", ":8443"}, io.Discard); err != nil || c.listen != ":8443" {
		t.Errorf("--listen with --acme-domain: %q, %v", c.listen, err)
	}
	for _, args := range [][]string{
		{"--db", "h.db", "--acme-email", "it@example.com"},
		{"--db", "h.db", "--acme-http-listen", ":80"},
		{"--db", "h.db", "--acme-domain", "h.example.com", "--tls-cert", "c.pem", "--tls-key", "k.pem"},
	} {
		if _, err := parseServeFlags(args, io.Discard); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

// An ACME CA that cannot be reached is one line saying what to check, and
// the service does not start.
func TestServeACMEUnreachableCA(t *testing.T) {
	dir := t.TempDir()
	c := serveConfig{listen: freeAddr(t), db: filepath.Join(dir, "h.db"), logLevel: "info", maxBody: 1 << 20,
		acme: acmeConfig{domain: "hosts.example.com", directory: "https://127.0.0.1:1/directory"}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := serve(ctx, c, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "could not get a certificate for hosts.example.com") ||
		!strings.Contains(err.Error(), "--acme-directory") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("serve with an unreachable CA = %v, want one line that says what to check", err)
	}
	fi, err := os.Stat(filepath.Join(dir, "acme"))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("ACME folder beside the database: %v, %v; want 0700", fi, err)
	}
}
