package certs

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

// pebble is Let's Encrypt's test CA and its DNS, running on loopback for one
// test: every name resolves to 127.0.0.1, and the CA checks TLS-ALPN-01 on
// tlsPort and HTTP-01 on httpPort.
type pebble struct {
	dir      string         // the ACME directory URL
	roots    *x509.CertPool // trusts the directory's HTTPS
	rootFile string         // the same, as a PEM file
	mgmt     string         // pebble's management URL (the issuing roots)
	chall    string         // challtestsrv's management URL
	tlsPort  int
	httpPort int
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

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startPebble runs pebble and pebble-challtestsrv until the test ends.
// Profile "shortlived" issues certificates valid for shortLived.
func startPebble(t *testing.T, tlsPort, httpPort int, shortLived time.Duration) *pebble {
	t.Helper()
	pebbleBin, challBin := pebbleBins(t)
	dir := t.TempDir()
	caFile, certFile, keyFile := writeTestCA(t, dir)
	acmePort, mgmtPort, dnsPort, challPort := freePort(t), freePort(t), freePort(t), freePort(t)
	conf := map[string]any{"pebble": map[string]any{
		"listenAddress":           fmt.Sprintf("127.0.0.1:%d", acmePort),
		"managementListenAddress": fmt.Sprintf("127.0.0.1:%d", mgmtPort),
		"certificate":             certFile,
		"privateKey":              keyFile,
		"httpPort":                httpPort,
		"tlsPort":                 tlsPort,
		"domainBlocklist":         []string{"blocked.example.com"},
		"retryAfter":              map[string]int{"authz": 1, "order": 1},
		"profiles": map[string]any{
			"default":    map[string]any{"description": "90 days", "validityPeriod": 90 * 24 * 3600},
			"shortlived": map[string]any{"description": "seconds", "validityPeriod": int(shortLived / time.Second)},
		},
	}}
	confFile := filepath.Join(dir, "pebble.json")
	b, _ := json.Marshal(conf)
	if err := os.WriteFile(confFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(name string, env []string, args ...string) {
		cmd := exec.Command(name, args...)
		cmd.Env = append(os.Environ(), env...)
		var out syncBuffer
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

	p := &pebble{
		dir:      fmt.Sprintf("https://127.0.0.1:%d/dir", acmePort),
		mgmt:     fmt.Sprintf("https://127.0.0.1:%d", mgmtPort),
		chall:    fmt.Sprintf("http://127.0.0.1:%d", challPort),
		rootFile: caFile,
		tlsPort:  tlsPort,
		httpPort: httpPort,
	}
	var err error
	if p.roots, err = LoadRoots(caFile); err != nil {
		t.Fatal(err)
	}
	c := p.client()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := c.Get(p.dir)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("pebble did not come up at %s: %v", p.dir, err)
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
func (p *pebble) client() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.roots}}}
}

// issuingRoots are the roots pebble signs certificates under (fresh per run).
func (p *pebble) issuingRoots(t *testing.T) *x509.CertPool {
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

// servfail makes the CA's DNS fail for host.
func (p *pebble) servfail(t *testing.T, host string) {
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
	writePEM(t, caFile, "CERTIFICATE", caDER)
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", keyDER)
	return caFile, certFile, keyFile
}

func writePEM(t *testing.T, name, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a bytes.Buffer two processes' output can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
