package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/visitly/hostsync/scimserver"
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

// The plain-HTTP listener for the CA's HTTP-01 checks (--acme-http-listen)
// is as open to the internet as the HTTPS one and has its limits: of 3,000
// kept-alive connections from one address it keeps
// --max-connections-per-address, and it closes those after the idle timeout.
func TestServeACMEHTTPListenerIsLimited(t *testing.T) {
	tlsPort, httpPort := pebbletest.FreePort(t), pebbletest.FreePort(t)
	p := pebbletest.Start(t, pebbletest.Options{TLSPort: tlsPort, HTTPPort: httpPort})
	const domain = "hosts.example.com"
	c := serveConfig{listen: "127.0.0.1:" + strconv.Itoa(tlsPort), db: filepath.Join(t.TempDir(), "hostsync.db"), logLevel: "info",
		maxBody: 1 << 20, maxConns: 512, maxConnsPerAddr: 64,
		acme: acmeConfig{domain: domain, directory: p.Dir, caRoot: p.RootFile, httpListen: "127.0.0.1:" + strconv.Itoa(httpPort)}}
	stop, logs := startServe(t, c, "https", &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.IssuingRoots(t), ServerName: domain}}})
	defer func() {
		if t.Failed() {
			t.Logf("service log:\n%s", logs.String())
		}
	}()
	defer stop()

	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for i := range 3000 {
		conn, err := net.DialTimeout("tcp", c.acme.httpListen, 5*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		held = append(held, conn)
		conn.SetDeadline(time.Now().Add(2 * time.Second))
		fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", domain)
		if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err == nil {
			resp.Body.Close()
		}
		conn.SetDeadline(time.Time{})
	}
	if n := countOpen(held); n > c.maxConnsPerAddr {
		t.Errorf("%d of 3,000 kept-alive connections from one address open, want at most %d", n, c.maxConnsPerAddr)
	}
	time.Sleep(scimserver.IdleTimeout + 2*time.Second)
	if n := countOpen(held); n > 0 {
		t.Errorf("%d connections still open after %v idle", n, scimserver.IdleTimeout+2*time.Second)
	}
}

// countOpen is how many of conns the service has not closed: each is read
// for 100 ms (a read whose deadline passed before it began would not look),
// all at once.
func countOpen(conns []net.Conn) int {
	var n atomic.Int32
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			_, err := c.Read(make([]byte, 1))
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				n.Add(1)
			}
			c.SetReadDeadline(time.Time{})
		})
	}
	wg.Wait()
	return int(n.Load())
}
