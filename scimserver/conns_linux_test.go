//go:build linux

package scimserver

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests need many client addresses: Linux routes all of 127.0.0.0/8
// to loopback, so a socket bound to 127.0.0.2 is another client than one
// bound to 127.0.0.1. Loopback only.

// raiseFileLimit makes room for n open files in this process, or skips.
func raiseFileLimit(t *testing.T, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur >= n {
		return
	}
	old := lim
	lim.Cur = min(n, lim.Max)
	if lim.Cur < n {
		t.Skipf("this test opens %d files; the hard limit is %d", n, lim.Max)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skipf("raise the open-file limit to %d: %v", n, err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
}

// loopbackDialer dials from the loopback address ip (e.g. "127.0.0.2").
func loopbackDialer(ip string, timeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: timeout, LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
}

// openIdle opens n connections to addr from the given client addresses in
// turn and leaves them idle: every other one sends nothing at all, the rest
// get one answer and keep the connection alive. A connection the service
// refuses or closes at once is not opened again. It returns how many are
// open at the end, and how many could not be opened (the attacker's loss).
func openIdle(t *testing.T, addr string, tlsConf *tls.Config, from []string, n int) (open, failed int) {
	t.Helper()
	var (
		mu   sync.Mutex
		held []net.Conn
		wg   sync.WaitGroup
		next = make(chan int)
	)
	t.Cleanup(func() {
		for _, c := range held {
			c.Close()
		}
	})
	for range 50 {
		wg.Go(func() {
			for i := range next {
				c, err := loopbackDialer(from[i%len(from)], 2*time.Second).Dial("tcp", addr)
				mu.Lock()
				if err != nil {
					failed++
					mu.Unlock()
					continue
				}
				held = append(held, c)
				mu.Unlock()
				if i%2 == 0 {
					continue // silent
				}
				// Kept alive after one answer. A service that does not
				// accept the connection leaves it waiting: held all the same.
				c.SetDeadline(time.Now().Add(300 * time.Millisecond))
				rw := c
				if tlsConf != nil {
					tc := tls.Client(c, tlsConf)
					if tc.Handshake() != nil {
						continue
					}
					rw = tc
				}
				fmt.Fprintf(rw, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
				if resp, err := http.ReadResponse(bufio.NewReader(rw), nil); err == nil {
					io.Copy(io.Discard, resp.Body)
				}
				c.SetDeadline(time.Time{})
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return countOpen(held), failed
}

// latencies makes n requests from the loopback address ip, each on a new
// connection, and returns their durations sorted and how many failed. It
// gives up after 5 failures.
func latencies(t *testing.T, url, ip string, tlsConf *tls.Config, n int) (sorted []time.Duration, failed int) {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		DialContext: loopbackDialer(ip, 2*time.Second).DialContext, TLSClientConfig: tlsConf, DisableKeepAlives: true}}
	for range n {
		start := time.Now()
		resp, err := c.Get(url)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
		}
		sorted = append(sorted, time.Since(start))
		if err != nil {
			if failed++; failed <= 3 {
				t.Logf("request from %s: %v", ip, err)
			}
			if failed == 5 {
				break
			}
		}
	}
	slices.Sort(sorted)
	return sorted, failed
}

// percentile is the p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

// 2,000 idle connections (silent ones and kept-alive ones, plain and TLS)
// from one client, or from many, do not keep another client out: each of
// its requests, on a new connection, is answered within a second.
func TestIdleConnectionsDoNotLockOthersOut(t *testing.T) {
	raiseFileLimit(t, 12000)
	many := make([]string, 40)
	for i := range many {
		many[i] = fmt.Sprintf("127.0.1.%d", i+1)
	}
	for _, tt := range []struct {
		name string
		tls  bool
		from []string
	}{
		{"plain, from one address", false, []string{"127.0.0.1"}},
		{"TLS, from one address", true, []string{"127.0.0.1"}},
		{"plain, from 40 addresses", false, many},
		{"TLS, from 40 addresses", true, many},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
			var serverTLS, clientTLS *tls.Config
			scheme := "http"
			if tt.tls {
				serverTLS, clientTLS = testTLS(t)
				scheme = "https"
			}
			addr := serveRealTLS(t, h, serverTLS)
			open, notOpened := openIdle(t, addr, clientTLS, tt.from, 2000)
			lat, failed := latencies(t, scheme+"://"+addr+"/healthz", "127.0.0.2", clientTLS, 200)
			p99 := percentile(lat, 0.99)
			t.Logf("idle connections: %d of 2,000 still open (%d not opened); %d requests from 127.0.0.2: p50 %v, p99 %v, max %v, %d failed",
				open, notOpened, len(lat), percentile(lat, 0.5).Round(time.Microsecond), p99.Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond), failed)
			if failed > 0 || p99 >= time.Second {
				t.Errorf("another client: p99 %v and %d failed requests, want under 1 s and none", p99, failed)
			}
		})
	}
}
