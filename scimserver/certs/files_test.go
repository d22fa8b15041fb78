package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
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
	"github.com/visitly/hostsync/scimserver/certs/pebbletest"
)

// writePair writes a self-signed certificate for hosts.example.com valid
// from notBefore to notAfter, and its key, to cert.pem and key.pem in dir.
func writePair(t *testing.T, dir string, serial int64, notBefore, notAfter time.Time) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "hosts.example.com"},
		DNSNames: []string{"hosts.example.com"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: notBefore, NotAfter: notAfter,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	pebbletest.WritePEM(t, certFile, "CERTIFICATE", der)
	pebbletest.WritePEM(t, keyFile, "EC PRIVATE KEY", keyDER)
	return certFile, keyFile
}

// servedSerial connects to addr and returns the serial of the certificate it serves.
func servedSerial(t *testing.T, addr string) int64 {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

func TestFilesExpiredCertificateIsReportedAndAReplacementPickedUp(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	certFile, keyFile := writePair(t, dir, 1, now.Add(-100*24*time.Hour), now.Add(-time.Hour))
	var log pebbletest.SyncBuffer
	m, err := New(Options{CertFile: certFile, KeyFile: keyFile, CheckInterval: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", m.TLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.NotFoundHandler()}
	go srv.Serve(ln)
	defer srv.Close()
	addr := ln.Addr().String()
	if err := m.Start(t.Context()); err != nil {
		t.Fatal(err)
	}

	// Served as before, but said out loud.
	if got := servedSerial(t, addr); got != 1 {
		t.Fatalf("served serial %d, want 1", got)
	}
	st := m.Status()
	if st.Mode != hostsync.TLSModeFiles || st.Domain != "hosts.example.com" || st.State != hostsync.TLSStateExpired || !strings.Contains(st.Message, certFile) {
		t.Errorf("status = %+v, want files, expired, naming %s", st, certFile)
	}
	if !strings.Contains(log.String(), "level=ERROR") || !strings.Contains(log.String(), "TLS certificate expired") {
		t.Errorf("no error logged at start for an expired certificate:\n%s", log.String())
	}

	// A half-copied replacement (certificate but the old key) is not served.
	newDir := t.TempDir()
	newCert, newKey := writePair(t, newDir, 2, now.Add(-time.Hour), now.Add(365*24*time.Hour))
	copyFile(t, newCert, certFile)
	waitFor(t, func() bool { return strings.Contains(log.String(), "do not load") })
	if got := servedSerial(t, addr); got != 1 {
		t.Fatalf("served serial %d while the key is not yet replaced, want still 1", got)
	}
	// With its key, it is, without a restart.
	copyFile(t, newKey, keyFile)
	waitFor(t, func() bool { return servedSerial(t, addr) == 2 })
	waitFor(t, func() bool { return m.Status().State == hostsync.TLSStateOK })
	if !strings.Contains(log.String(), "TLS certificate reloaded") || !strings.Contains(log.String(), "TLS certificate ok") {
		t.Errorf("the reload is not logged:\n%s", log.String())
	}
}

func TestNoTLSIsModeNone(t *testing.T) {
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.TLSConfig() != nil || m.Status() != (hostsync.TLSStatus{Mode: hostsync.TLSModeNone}) {
		t.Errorf("no files and no domain: TLSConfig %v, status %+v", m.TLSConfig(), m.Status())
	}
	if _, err := New(Options{CertFile: "c.pem", KeyFile: "k.pem", ACME: ACMEOptions{Domain: "hosts.example.com"}}); err == nil {
		t.Error("files and ACME together are accepted")
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	// Write beside and rename, as a careful admin (or certbot) does; also
	// makes the modification time change visible.
	tmp := to + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, to); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
