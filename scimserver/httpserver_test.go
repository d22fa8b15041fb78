package scimserver

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serveReal serves e's handler as the commands do: NewHTTPServer on Listen.
func serveReal(t *testing.T, h http.Handler, maxConns int) string {
	t.Helper()
	ln, err := Listen("127.0.0.1:0", maxConns)
	if err != nil {
		t.Fatal(err)
	}
	hs := NewHTTPServer(h, nil, nil)
	done := make(chan struct{})
	go func() { defer close(done); hs.Serve(ln) }()
	t.Cleanup(func() { hs.Close(); <-done })
	return ln.Addr().String()
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

// TestConnectionsAreCapped: past the cap, a client waits until one closes.
func TestConnectionsAreCapped(t *testing.T) {
	addr := serveReal(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }), 2)
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") // kept alive after the answer
		if _, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil {
			t.Fatal(err)
		}
	}
	got := make(chan error, 1)
	go func() {
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("a third connection was served past the cap of 2 (%v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	held[0].Close()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("the waiting client: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting client was not served after a connection closed")
	}
	held[1].Close()
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
	ln, err := Listen("127.0.0.1:0", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Listen(ln.Addr().String(), 0)
	if !IsAddressInUse(err) {
		t.Errorf("IsAddressInUse(%v) = false", err)
	}
	if IsAddressInUse(errors.New("address already in use")) {
		t.Error("IsAddressInUse matched a string")
	}
}
