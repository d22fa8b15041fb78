package scimserver

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// serveReal serves e's handler as the commands do: NewHTTPServer on Listen.
func serveReal(t *testing.T, h http.Handler, maxConns int) string {
	t.Helper()
	ln, err := Listen("127.0.0.1:0", ConnLimits{Max: maxConns})
	if err != nil {
		t.Fatal(err)
	}
	hs := NewHTTPServer(h, nil, nil)
	done := make(chan struct{})
	go func() { defer close(done); hs.Serve(ln) }()
	t.Cleanup(func() { hs.Close(); <-done })
	return ln.Addr().String()
}

// serveRealTLS is serveReal with the default limits, over TLS when
// tlsConf is set, as the commands serve it.
func serveRealTLS(t *testing.T, h http.Handler, tlsConf *tls.Config) string {
	t.Helper()
	ln, err := Listen("127.0.0.1:0", ConnLimits{})
	if err != nil {
		t.Fatal(err)
	}
	hs := NewHTTPServer(h, tlsConf, nil)
	served := ln
	if hs.TLSConfig != nil {
		served = tls.NewListener(ln, hs.TLSConfig)
	}
	done := make(chan struct{})
	go func() { defer close(done); hs.Serve(served) }()
	t.Cleanup(func() { hs.Close(); <-done })
	return ln.Addr().String()
}

// testTLS is a server configuration with a self-signed certificate for
// 127.0.0.1, and a client configuration that trusts it.
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}}}
	return server, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

// TestClientThatStopsReadingIsCutOff: an answer to a client that reads
// nothing for writeStall ends with the connection closed, and the service
// goes on answering others.
func TestClientThatStopsReadingIsCutOff(t *testing.T) {
	old := writeStall
	writeStall = 300 * time.Millisecond
	t.Cleanup(func() { writeStall = old })
	big := strings.Repeat("x", 64<<20) // more than any socket buffer holds
	addr := serveReal(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			_, err := io.WriteString(w, big)
			if err == nil {
				t.Errorf("a 64 MB answer to a client that never reads was written whole")
			}
			return
		}
		io.WriteString(w, "ok")
	}), 0)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(2 * time.Second) // never read meanwhile
	n, err := io.Copy(io.Discard, c)
	if err != nil || n >= int64(len(big)) {
		t.Errorf("read %d bytes (%v), want the connection closed before the end", n, err)
	}
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// TestSlowReaderGetsTheWholeAnswer: the stall timeout is per piece, not per
// answer, so a client that keeps reading slowly is never cut.
func TestSlowReaderGetsTheWholeAnswer(t *testing.T) {
	old := writeStall
	writeStall = 200 * time.Millisecond
	t.Cleanup(func() { writeStall = old })
	const size = 48 << 20 // more than the socket buffers hold: the server waits on the reader
	addr := serveReal(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("y", size))
	}), 0)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	start := time.Now()
	br := bufio.NewReaderSize(c, 64<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	buf := make([]byte, 256<<10)
	for {
		m, err := resp.Body.Read(buf)
		n += m
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("after %d bytes: %v", n, err)
			}
			break
		}
		time.Sleep(5 * time.Millisecond) // ~1 s in all, far past writeStall
	}
	if n != size {
		t.Errorf("read %d bytes, want %d", n, size)
	}
	if d := time.Since(start); d < 3*writeStall {
		t.Errorf("the answer took only %v; the test wants it much slower than the stall timeout", d)
	}
}

func TestNewHTTPServerLimits(t *testing.T) {
	hs := NewHTTPServer(http.NotFoundHandler(), &tls.Config{MinVersion: tls.VersionTLS10}, nil)
	if hs.TLSConfig.MinVersion != tls.VersionTLS12 {
		t.Errorf("TLS MinVersion %x, want TLS 1.2", hs.TLSConfig.MinVersion)
	}
	if hs.ReadHeaderTimeout == 0 || hs.ReadTimeout == 0 || hs.IdleTimeout == 0 || hs.MaxHeaderBytes == 0 {
		t.Errorf("server without a limit: %+v", hs)
	}
	if NewHTTPServer(http.NotFoundHandler(), nil, nil).TLSConfig != nil {
		t.Error("plain HTTP server has a TLS configuration")
	}
}

func TestIsAddressInUse(t *testing.T) {
	ln, err := Listen("127.0.0.1:0", ConnLimits{})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Listen(ln.Addr().String(), ConnLimits{})
	if !IsAddressInUse(err) {
		t.Errorf("IsAddressInUse(%v) = false", err)
	}
	if IsAddressInUse(errors.New("address already in use")) {
		t.Error("IsAddressInUse matched a string")
	}
}

// TestTooLargeRequestsAreAnswered: a request past the header cap (1 MB of
// headers, or a 1 MB URL) gets its 431, and one past the body limit its
// 413, even from a client on a slow link that sends the whole request
// before it reads: the service reads and discards the rest before it
// closes, so the connection is not reset under the answer.
func TestTooLargeRequestsAreAnswered(t *testing.T) {
	mb := strings.Repeat("a", 1<<20)
	bigBody := "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(2<<20) + "\r\n\r\n" + mb + mb
	serverTLS, clientTLS := testTLS(t)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20)); err != nil {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		io.WriteString(w, "ok")
	})
	for _, tt := range []struct {
		name, request string
		tls           bool
		want          int
	}{
		{"1 MB header", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + mb + "\r\n\r\n", false, 431},
		{"1 MB URL", "GET /" + mb + " HTTP/1.1\r\nHost: x\r\n\r\n", false, 431},
		{"2 MB body", bigBody, false, 413},
		{"1 MB header over TLS", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + mb + "\r\n\r\n", true, 431},
		{"1 MB URL over TLS", "GET /" + mb + " HTTP/1.1\r\nHost: x\r\n\r\n", true, 431},
		{"2 MB body over TLS", bigBody, true, 413},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var conf *tls.Config
			if tt.tls {
				conf = serverTLS
			}
			addr := serveRealTLS(t, h, conf)
			const n = 20 // at once
			var mu sync.Mutex
			var failures []string
			var wg sync.WaitGroup
			for range n {
				wg.Go(func() {
					if err := sendWholeThenRead(addr, tt.request, clientTLS, tt.tls, tt.want); err != nil {
						mu.Lock()
						failures = append(failures, err.Error())
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if len(failures) > 0 {
				t.Errorf("%d of %d refused requests got no %d; first: %s", len(failures), n, tt.want, failures[0])
			}
		})
	}
}

// sendWholeThenRead sends request, all of it and slowly, then reads the
// answer: its status must be want.
func sendWholeThenRead(addr, request string, conf *tls.Config, useTLS bool, want int) error {
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(20 * time.Second))
	c := raw
	if useTLS {
		c = tls.Client(raw, conf)
	}
	// As over a slow uplink: 1 MB in about a second, so the service has
	// answered, and would have closed, long before the request's end.
	for rest := request; rest != ""; {
		piece := rest[:min(len(rest), 64<<10)]
		if _, err := io.WriteString(c, piece); err != nil {
			return fmt.Errorf("send, %d bytes before the end: %w", len(rest), err)
		}
		rest = rest[len(piece):]
		time.Sleep(60 * time.Millisecond)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return fmt.Errorf("read the answer: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("status %d, want %d", resp.StatusCode, want)
	}
	return nil
}
