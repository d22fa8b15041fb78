package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimserver/certs/pebbletest"
)

// tlsServer serves "hello" over m's TLS on 127.0.0.1:port, and HTTP-01 on
// httpPort when it is not 0, until stop.
func tlsServer(t *testing.T, m *Manager, port, httpPort int) (stop func()) {
	t.Helper()
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: hello}
	go hs.Serve(tls.NewListener(ln, m.TLSConfig()))
	var hh *http.Server
	if httpPort != 0 {
		hln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(httpPort))
		if err != nil {
			t.Fatal(err)
		}
		hh = &http.Server{Handler: m.HTTPChallengeHandler(http.NotFoundHandler())}
		go hh.Serve(hln)
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		hs.Close()
		if hh != nil {
			hh.Close()
		}
	}
	t.Cleanup(stop)
	return stop
}

// served fetches https://domain/ from 127.0.0.1:port, verifying the chain
// against roots, and returns the certificate it was served.
func served(t *testing.T, port int, domain string, roots *x509.CertPool) *x509.Certificate {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: domain},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+strconv.Itoa(port))
		},
	}}
	resp, err := c.Get("https://" + domain + "/")
	if err != nil {
		t.Fatalf("HTTPS with the issued chain: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "hello" {
		t.Fatalf("HTTPS body = %q, want hello", body)
	}
	return resp.TLS.PeerCertificates[0]
}

func newACMEManager(t *testing.T, p *pebbletest.Pebble, domain, dir string, log *pebbletest.SyncBuffer, opt ACMEOptions) *Manager {
	t.Helper()
	opt.Domain, opt.Dir, opt.DirectoryURL, opt.RootCAs = domain, dir, p.Dir, p.Roots
	if opt.Profile == "" {
		opt.Profile = "default" // pebble picks a random profile otherwise
	}
	if opt.TLSPort == 0 {
		opt.TLSPort = p.TLSPort
	}
	m, err := New(Options{ACME: opt, Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

func logOnFailure(t *testing.T, log *pebbletest.SyncBuffer) {
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("service log:\n%s", log.String())
		}
	})
}

// The whole life of an ACME certificate against a real ACME server: issue,
// serve, keep in an owner-only folder, restart without issuing again, renew
// a short-lived one in the background, HTTP-01, and a CA that refuses.
func TestACMEAgainstPebble(t *testing.T) {
	tlsPort, httpPort := pebbletest.FreePort(t), pebbletest.FreePort(t)
	p := pebbletest.Start(t, pebbletest.Options{TLSPort: tlsPort, HTTPPort: httpPort, ShortLived: 20 * time.Second})
	issuing := p.IssuingRoots(t)
	ctx := t.Context()

	t.Run("issues over TLS-ALPN-01, serves the chain, restarts without issuing again", func(t *testing.T) {
		const domain = "hosts.example.com"
		dir := filepath.Join(t.TempDir(), "acme")
		var log pebbletest.SyncBuffer
		logOnFailure(t, &log)
		m := newACMEManager(t, p, domain, dir, &log, ACMEOptions{})
		stop := tlsServer(t, m, tlsPort, 0)
		if err := m.Start(ctx); err != nil {
			t.Fatal(err)
		}
		first := served(t, tlsPort, domain, issuing)
		st := m.Status()
		if st.Mode != hostsync.TLSModeACME || st.Domain != domain || st.State != hostsync.TLSStateOK || !st.NotAfter.Equal(first.NotAfter) {
			t.Errorf("status = %+v, want acme %s ok until %s", st, domain, first.NotAfter)
		}
		if !strings.Contains(log.String(), "TLS certificate obtained") {
			t.Error("no log line says the certificate was obtained")
		}
		pebbletest.CheckOwnerOnly(t, dir)

		m.Close()
		stop()
		var log2 pebbletest.SyncBuffer
		logOnFailure(t, &log2)
		m2 := newACMEManager(t, p, domain, dir, &log2, ACMEOptions{})
		tlsServer(t, m2, tlsPort, 0)
		if err := m2.Start(ctx); err != nil {
			t.Fatal(err)
		}
		again := served(t, tlsPort, domain, issuing)
		if again.SerialNumber.Cmp(first.SerialNumber) != 0 {
			t.Errorf("after a restart the service serves serial %x, want the stored %x", again.SerialNumber, first.SerialNumber)
		}
		if strings.Contains(log2.String(), "requesting a TLS certificate") {
			t.Error("the restarted service asked the CA again instead of using the stored certificate")
		}
	})

	t.Run("renews a short-lived certificate in the background", func(t *testing.T) {
		const domain = "short.example.com"
		var log pebbletest.SyncBuffer
		logOnFailure(t, &log)
		m := newACMEManager(t, p, domain, filepath.Join(t.TempDir(), "acme"), &log,
			ACMEOptions{Profile: "shortlived", RenewCheckInterval: 500 * time.Millisecond})
		tlsServer(t, m, tlsPort, 0)
		if err := m.Start(ctx); err != nil {
			t.Fatal(err)
		}
		first := served(t, tlsPort, domain, issuing)
		if life := first.NotAfter.Sub(first.NotBefore); life > time.Minute {
			t.Fatalf("pebble issued a certificate for %s, want a short-lived one", life)
		}
		deadline := first.NotAfter.Add(5 * time.Second)
		for {
			// Every handshake during renewal succeeds: the old one is served until the new one is in.
			now := served(t, tlsPort, domain, issuing)
			if now.SerialNumber.Cmp(first.SerialNumber) != 0 {
				if !now.NotAfter.After(first.NotAfter) {
					t.Errorf("renewed certificate expires %s, not after the first's %s", now.NotAfter, first.NotAfter)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the certificate was not renewed before it expired")
			}
			time.Sleep(300 * time.Millisecond)
		}
		if !strings.Contains(log.String(), "TLS certificate renewed") {
			t.Error("no log line says the certificate was renewed")
		}
	})

	t.Run("a failed renewal keeps the current certificate and says so", func(t *testing.T) {
		const domain = "fail.example.com"
		var log pebbletest.SyncBuffer
		logOnFailure(t, &log)
		m := newACMEManager(t, p, domain, filepath.Join(t.TempDir(), "acme"), &log,
			ACMEOptions{Profile: "shortlived", RenewCheckInterval: 500 * time.Millisecond})
		tlsServer(t, m, tlsPort, 0)
		if err := m.Start(ctx); err != nil {
			t.Fatal(err)
		}
		first := served(t, tlsPort, domain, issuing)
		p.Servfail(t, domain) // from now on the CA cannot validate the name
		for !strings.Contains(log.String(), "TLS certificate renewal failed") {
			if time.Now().After(first.NotAfter.Add(5 * time.Second)) {
				t.Fatal("no log line says that the renewal failed")
			}
			time.Sleep(200 * time.Millisecond)
		}
		// Unverified: the failure may come in the certificate's last second.
		conn, err := tls.Dial("tcp", "127.0.0.1:"+strconv.Itoa(tlsPort), &tls.Config{ServerName: domain, InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		now := conn.ConnectionState().PeerCertificates[0]
		conn.Close()
		if now.SerialNumber.Cmp(first.SerialNumber) != 0 {
			t.Errorf("serving serial %x after a failed renewal, want the current %x", now.SerialNumber, first.SerialNumber)
		}
		st := m.Status()
		if rank(st.State) < rank(hostsync.TLSStateWarning) || !strings.Contains(st.Message, "still serving") || !strings.Contains(st.Message, "DNS") {
			t.Errorf("status after a failed renewal = %+v, want a warning that names the cause", st)
		}
	})

	t.Run("issues over HTTP-01 when the CA cannot reach TLS-ALPN-01", func(t *testing.T) {
		const domain = "http.example.com"
		var log pebbletest.SyncBuffer
		logOnFailure(t, &log)
		// The CA checks TLS-ALPN-01 on tlsPort, where nobody listens now.
		otherPort := pebbletest.FreePort(t)
		m := newACMEManager(t, p, domain, filepath.Join(t.TempDir(), "acme"), &log,
			ACMEOptions{TLSPort: otherPort, HTTPPort: httpPort})
		tlsServer(t, m, otherPort, httpPort)
		if err := m.Start(ctx); err != nil {
			t.Fatal(err)
		}
		served(t, otherPort, domain, issuing)
	})

	t.Run("a CA that refuses or a name that does not resolve is an error saying what to check", func(t *testing.T) {
		p.Servfail(t, "nodns.example.com")
		for _, tc := range []struct{ domain, said string }{
			{"blocked.example.com", "the CA said"},
			{"nodns.example.com", "DNS"},
		} {
			var log pebbletest.SyncBuffer
			logOnFailure(t, &log)
			m := newACMEManager(t, p, tc.domain, filepath.Join(t.TempDir(), "acme"), &log, ACMEOptions{})
			stop := tlsServer(t, m, tlsPort, 0)
			err := m.Start(ctx)
			var oe *ObtainError
			if !errors.As(err, &oe) {
				t.Fatalf("%s: Start = %v, want an *ObtainError", tc.domain, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.said) || !strings.Contains(msg, "points at this server") || strings.Contains(msg, "\n") {
				t.Errorf("%s: error is not one line that says what to check: %q", tc.domain, msg)
			}
			st := m.Status()
			if st.State != hostsync.TLSStateError || !strings.Contains(st.Message, tc.said) {
				t.Errorf("%s: status = %+v, want error with the CA's reason", tc.domain, st)
			}
			t.Log(msg)
			m.Close()
			stop()
		}
	})
}
