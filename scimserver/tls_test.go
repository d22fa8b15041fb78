package scimserver

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TLS 1.2 is served with forward secrecy and AEAD only: a client that
// offers nothing but CBC with SHA-1 is refused, one with GCM or ChaCha20
// served.
func TestNoCBCSuites(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	addr := serveRealTLS(t, http.NotFoundHandler(), serverTLS)
	for _, tt := range []struct {
		name   string
		suites []uint16
		served bool
	}{
		{"CBC with SHA-1", []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
			tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA}, false},
		{"AES-GCM", []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, true},
		{"ChaCha20-Poly1305", []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conf := clientTLS.Clone()
			conf.MaxVersion, conf.CipherSuites = tls.VersionTLS12, tt.suites
			c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, conf)
			if err == nil {
				c.Close()
			}
			if served := err == nil; served != tt.served {
				t.Errorf("TLS 1.2 with only %s: served %v (%v), want %v", tt.name, served, err, tt.served)
			}
		})
	}
}

// Every HTTPS answer tells browsers to keep to HTTPS; plain HTTP answers
// (a service behind a proxy that ends TLS) do not claim it.
func TestStrictTransportSecurity(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "ok")
	})
	for _, tt := range []struct {
		name, path string
		tls        bool
		want       string
	}{
		{"HTTPS", "/", true, "max-age=31536000"},
		{"HTTPS, an error", "/missing", true, "max-age=31536000"},
		{"plain HTTP", "/", false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var conf *tls.Config
			scheme := "http"
			if tt.tls {
				conf, scheme = serverTLS, "https"
			}
			addr := serveRealTLS(t, h, conf)
			c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: clientTLS}}
			resp, err := c.Get(scheme + "://" + addr + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Strict-Transport-Security"); got != tt.want {
				t.Errorf("Strict-Transport-Security %q, want %q", got, tt.want)
			}
		})
	}
}

// syncBuffer is a log sink that the server's goroutines write to.
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

// A stranger can fail TLS handshakes as fast as it likes; the log gets a
// line now and then that counts them, not one per attempt.
func TestFailedHandshakesAreLoggedSparingly(t *testing.T) {
	old := handshakeLogEvery
	handshakeLogEvery = 500 * time.Millisecond
	t.Cleanup(func() { handshakeLogEvery = old })
	serverTLS, clientTLS := testTLS(t)
	var logs syncBuffer
	ln, err := Listen("127.0.0.1:0", ConnLimits{})
	if err != nil {
		t.Fatal(err)
	}
	hs := NewHTTPServer(http.NotFoundHandler(), serverTLS, slog.New(slog.NewTextHandler(&logs, nil)))
	done := make(chan struct{})
	go func() { defer close(done); hs.Serve(tls.NewListener(ln, hs.TLSConfig)) }()
	t.Cleanup(func() { hs.Close(); <-done })

	old12 := clientTLS.Clone()
	old12.MaxVersion = tls.VersionTLS11 // refused: TLS 1.2 at least
	fail := func() {
		t.Helper()
		c, err := tls.Dial("tcp", ln.Addr().String(), old12)
		if err == nil {
			c.Close()
			t.Fatal("a TLS 1.1 handshake succeeded")
		}
	}
	const attempts = 300
	start := time.Now()
	for range attempts {
		fail()
	}
	flood := time.Since(start)
	time.Sleep(handshakeLogEvery + 100*time.Millisecond)
	fail() // after a quiet spell: logged at once, with the count of the left-out ones
	var lines []string
	deadline := time.Now().Add(5 * time.Second)
	for {
		lines = handshakeLines(logs.String())
		if total := countedHandshakes(t, lines); total == attempts+1 || time.Now().After(deadline) {
			if total != attempts+1 {
				t.Errorf("the log accounts for %d failed handshakes, want %d:\n%s", total, attempts+1, strings.Join(lines, "\n"))
			}
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if most := 2 + int(flood/handshakeLogEvery); len(lines) > most {
		t.Errorf("%d failed handshakes in %v gave %d log lines, want at most %d", attempts+1, flood, len(lines), most)
	}
	t.Logf("%d failed handshakes in %v: %d log lines", attempts+1, flood.Round(time.Millisecond), len(lines))
}

// handshakeLines are the log's lines about failed TLS handshakes.
func handshakeLines(log string) []string {
	var lines []string
	for l := range strings.Lines(log) {
		if strings.Contains(l, "TLS handshake error") {
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	return lines
}

// countedHandshakes is how many failed handshakes lines stand for: each
// itself and the ones it says were left out before it.
func countedHandshakes(t *testing.T, lines []string) int {
	t.Helper()
	n := 0
	for _, l := range lines {
		n++
		if _, rest, ok := strings.Cut(l, "left_out="); ok {
			var k int
			if _, err := fmt.Sscanf(rest, "%d", &k); err != nil {
				t.Fatalf("left_out in %q: %v", l, err)
			}
			n += k
		}
	}
	return n
}
