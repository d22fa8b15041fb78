package scimserver

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
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
