package scimserver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// isOpen reports whether the service has not closed c: nothing comes for
// 100 ms. (With a shorter deadline, one that passed before the read began
// would make a closed connection look open.)
func isOpen(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	_, err := c.Read(make([]byte, 1))
	c.SetReadDeadline(time.Time{})
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// countOpen is how many of conns are open, all looked at at once.
func countOpen(conns []net.Conn) int {
	var n atomic.Int32
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			if isOpen(c) {
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return int(n.Load())
}

// request sends GET path on c and reads the answer.
func request(c net.Conn, path string) error {
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// TestConnectionCaps: at a cap, a connection idle since its last answer is
// closed for the newcomer; when every connection is busy with a request,
// the newcomer waits (overall cap) or is refused (its address's cap).
func TestConnectionCaps(t *testing.T) {
	for _, tt := range []struct {
		name string
		lim  ConnLimits
		busy bool // the two held connections have a request in progress, else are idle
		want string
	}{
		{"overall cap, idle ones", ConnLimits{Max: 2}, false, "served, the longest idle closed"},
		{"overall cap, busy ones", ConnLimits{Max: 2}, true, "waits"},
		{"address's cap, idle ones", ConnLimits{PerAddress: 2}, false, "served, the longest idle closed"},
		{"address's cap, busy ones", ConnLimits{PerAddress: 2}, true, "refused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			ln, err := Listen("127.0.0.1:0", tt.lim)
			if err != nil {
				t.Fatal(err)
			}
			hs := NewHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/slow" {
					<-release
				}
				io.WriteString(w, "ok")
			}), nil, nil)
			done := make(chan struct{})
			go func() { defer close(done); hs.Serve(ln) }()
			t.Cleanup(func() { hs.Close(); <-done })
			addr := ln.Addr().String()

			var held []net.Conn
			for range 2 {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				held = append(held, c)
				if tt.busy {
					fmt.Fprintf(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
				} else if err := request(c, "/"); err != nil {
					t.Fatal(err)
				}
				time.Sleep(50 * time.Millisecond) // the first is the longest idle
			}
			if tt.busy {
				time.Sleep(100 * time.Millisecond) // both requests in the handler
			}

			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			got := make(chan error, 1)
			go func() { got <- request(c, "/") }()
			var err3 error
			select {
			case err3 = <-got:
			case <-time.After(500 * time.Millisecond):
				err3 = errWaited
			}
			switch tt.want {
			case "served, the longest idle closed":
				if err3 != nil {
					t.Fatalf("newcomer: %v, want it served", err3)
				}
				if first, second := isOpen(held[0]), isOpen(held[1]); first || !second {
					t.Errorf("longest idle open %v, the other open %v; want the longest idle closed, the other kept", first, second)
				}
			case "waits":
				if err3 != errWaited {
					t.Fatalf("newcomer: %v, want it waiting while both are busy", err3)
				}
				close(release)
				select {
				case err := <-got:
					if err != nil {
						t.Fatalf("newcomer after a request ended: %v", err)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("the newcomer was not served after a request ended")
				}
				return
			case "refused":
				if err3 == nil || err3 == errWaited {
					t.Fatalf("newcomer: %v, want the connection closed at once", err3)
				}
			}
			close(release)
		})
	}
}

var errWaited = fmt.Errorf("no answer within 500 ms")

// A client that connects and sends nothing is closed after
// firstByteTimeout; one that has started its request keeps the whole
// ReadHeaderTimeout to finish it.
func TestSilentConnectionsAreClosedSoon(t *testing.T) {
	old := firstByteTimeout
	firstByteTimeout = 300 * time.Millisecond
	t.Cleanup(func() { firstByteTimeout = old })
	addr := serveReal(t, http.NotFoundHandler(), 0)
	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	talking, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer talking.Close()
	fmt.Fprintf(talking, "GET / HTTP/1.1\r\n")
	time.Sleep(firstByteTimeout + 400*time.Millisecond)
	if isOpen(silent) {
		t.Errorf("a connection silent for %v is still open", firstByteTimeout+400*time.Millisecond)
	}
	if !isOpen(talking) {
		t.Error("a connection that started its request was closed at the first-byte timeout")
	}
	fmt.Fprintf(talking, "Host: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(talking), nil)
	if err != nil {
		t.Fatalf("the slow request's answer: %v", err)
	}
	resp.Body.Close()
}

// Clients count by their IPv4 address, or by their IPv6 /64, which one host
// usually has whole.
func TestAddressKey(t *testing.T) {
	for _, tt := range []struct{ a, b string }{
		{"192.0.2.1", "192.0.2.1"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9"},
		{"fe80::1%eth0", "fe80::2"},
	} {
		if ka, kb := addrKey(tcpAddr(tt.a)), addrKey(tcpAddr(tt.b)); ka != kb {
			t.Errorf("%s counts as %v, %s as %v; want one client", tt.a, ka, tt.b, kb)
		}
	}
	for _, tt := range []struct{ a, b string }{
		{"192.0.2.1", "192.0.2.2"},
		{"2001:db8:1:2::1", "2001:db8:1:3::1"},
	} {
		if addrKey(tcpAddr(tt.a)) == addrKey(tcpAddr(tt.b)) {
			t.Errorf("%s and %s count as one client", tt.a, tt.b)
		}
	}
}

func tcpAddr(s string) *net.TCPAddr {
	return net.TCPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(s), 443))
}
