// Package pebbletest runs Let's Encrypt's test ACME server, pebble, and its
// DNS, pebble-challtestsrv, on loopback for a test: every name resolves to
// 127.0.0.1, and the CA checks TLS-ALPN-01 and HTTP-01 on ports the test
// chooses. Tests skip, saying why, when the binaries are missing:
// scripts/test.sh builds them from tools/go.mod and sets $PEBBLE_BIN and
// $CHALLTESTSRV_BIN.
package pebbletest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Pebble is a running pebble and its DNS.
type Pebble struct {
	Dir      string         // the ACME directory URL
	Roots    *x509.CertPool // trust the directory's HTTPS (--acme-ca-root)
	RootFile string         // the same, as a PEM file
	TLSPort  int            // where the CA checks TLS-ALPN-01
	HTTPPort int            // where the CA checks HTTP-01
	mgmt     string         // pebble's management URL (the issuing roots)
	chall    string         // challtestsrv's management URL
}

// Options choose the ports the CA checks and the certificates' lifetimes.
type Options struct {
	TLSPort, HTTPPort int
	// ShortLived, when set, adds the profile "shortlived" with this
	// validity; orders that name no profile get "default" (90 days) or,
	// pebble's chaos, "shortlived" at random: name one.
	ShortLived time.Duration
}

// pebbleBins finds the binaries: $PEBBLE_BIN and $CHALLTESTSRV_BIN (which
// scripts/test.sh sets, built from tools/go.mod), else PATH.
func pebbleBins(t *testing.T) (pebbleBin, challBin string) {
	t.Helper()
	find := func(env, name string) string {
		if p := os.Getenv(env); p != "" {
			return p
		}
		p, err := exec.LookPath(name)
		if err != nil {
			t.Skipf("ACME end-to-end test skipped: no %s (set $%s or put it on PATH; scripts/test.sh builds it from tools/go.mod)", name, env)
		}
		return p
	}
	return find("PEBBLE_BIN", "pebble"), find("CHALLTESTSRV_BIN", "pebble-challtestsrv")
}

// FreePort is a loopback port nobody listens on (at the time of asking).
func FreePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Start runs pebble and pebble-challtestsrv until the test ends, and skips
// the test when their binaries are not found.
func Start(t *testing.T, opt Options) *Pebble {
	t.Helper()
	pebbleBin, challBin := pebbleBins(t)
	dir := t.TempDir()
	caFile, certFile, keyFile := writeTestCA(t, dir)
	acmePort, mgmtPort, dnsPort, challPort := FreePort(t), FreePort(t), FreePort(t), FreePort(t)
	profiles := map[string]any{"default": map[string]any{"description": "90 days", "validityPeriod": 90 * 24 * 3600}}
	if opt.ShortLived > 0 {
		profiles["shortlived"] = map[string]any{"description": "seconds", "validityPeriod": int(opt.ShortLived / time.Second)}
	}
	conf := map[string]any{"pebble": map[string]any{
		"listenAddress":           fmt.Sprintf("127.0.0.1:%d", acmePort),
		"managementListenAddress": fmt.Sprintf("127.0.0.1:%d", mgmtPort),
		"certificate":             certFile,
		"privateKey":              keyFile,
		"httpPort":                opt.HTTPPort,
		"tlsPort":                 opt.TLSPort,
		"domainBlocklist":         []string{"blocked.example.com"},
		"retryAfter":              map[string]int{"authz": 1, "order": 1},
		"profiles":                profiles,
	}}
	confFile := filepath.Join(dir, "pebble.json")
	b, _ := json.Marshal(conf)
	if err := os.WriteFile(confFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(name string, env []string, args ...string) {
		cmd := exec.Command(name, args...)
		cmd.Env = append(os.Environ(), env...)
		var out SyncBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
			if t.Failed() {
				t.Logf("%s output:\n%s", filepath.Base(name), out.String())
			}
		})
	}
	run(challBin, nil, "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
		"-dnsserver", fmt.Sprintf("127.0.0.1:%d", dnsPort), "-http01", "", "-https01", "", "-tlsalpn01", "", "-doh", "",
		"-management", fmt.Sprintf("127.0.0.1:%d", challPort))
	// No sleeping before validation, and every order validated afresh (no
	// reuse of earlier authorizations), so that a DNS failure shows; nonces
	// are still rejected now and then (5%), which the client must retry.
	run(pebbleBin, []string{"PEBBLE_VA_NOSLEEP=1", "PEBBLE_AUTHZREUSE=0"}, "-config", confFile, "-dnsserver", fmt.Sprintf("127.0.0.1:%d", dnsPort))

	p := &Pebble{
		Dir:      fmt.Sprintf("https://127.0.0.1:%d/dir", acmePort),
		RootFile: caFile,
		TLSPort:  opt.TLSPort,
		HTTPPort: opt.HTTPPort,
		mgmt:     fmt.Sprintf("https://127.0.0.1:%d", mgmtPort),
		chall:    fmt.Sprintf("http://127.0.0.1:%d", challPort),
	}
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	p.Roots = x509.NewCertPool()
	p.Roots.AppendCertsFromPEM(caPEM)
	c := p.client()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := c.Get(p.Dir)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("pebble did not come up at %s: %v", p.Dir, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Challtestsrv too: its DNS answers for the CA.
	for {
		resp, err := http.Post(p.chall+"/clear-a", "application/json", strings.NewReader(`{"host":"x.example.com"}`))
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pebble-challtestsrv did not come up at %s: %v", p.chall, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return p
}

// client talks to pebble's own HTTPS endpoints.
func (p *Pebble) client() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.Roots}}}
}

// IssuingRoots are the roots pebble signs certificates under (new each run).
func (p *Pebble) IssuingRoots(t *testing.T) *x509.CertPool {
	t.Helper()
	resp, err := p.client().Get(p.mgmt + "/roots/0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatalf("pebble's root is not PEM: %q", b)
	}
	return pool
}

// Servfail makes the CA's DNS fail for host.
func (p *Pebble) Servfail(t *testing.T, host string) {
	t.Helper()
	resp, err := http.Post(p.chall+"/set-servfail", "application/json", strings.NewReader(`{"host":"`+host+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// writeTestCA writes a CA and, signed by it, the certificate pebble serves
// its directory with (127.0.0.1): the CA is what --acme-ca-root trusts.
func writeTestCA(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test directory CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	caFile, certFile, keyFile = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	WritePEM(t, caFile, "CERTIFICATE", caDER)
	WritePEM(t, certFile, "CERTIFICATE", der)
	WritePEM(t, keyFile, "EC PRIVATE KEY", keyDER)
	return caFile, certFile, keyFile
}

// WritePEM writes one PEM block to name, owner-only.
func WritePEM(t *testing.T, name, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// SyncBuffer is a bytes.Buffer that goroutines and processes can share.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// CheckOwnerOnly fails the test unless every folder under dir (an ACME
// storage folder) is 0700 and every file 0600, and it holds at least the
// account key and a certificate with its key.
func CheckOwnerOnly(t testing.TB, dir string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		} else {
			files++
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 3 { // account key, certificate, its key (and metadata)
		t.Errorf("only %d files in %s, want the account key and the certificate with its key", files, dir)
	}
}
