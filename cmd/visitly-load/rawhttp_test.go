package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRawHTTP checks the load tool's own HTTP client against Go's server:
// what it sends, each body framing it must read, keep-alive, and recovery
// from a connection the server closed.
func TestRawHTTP(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 10000) // 160 KB: sent chunked
	var got struct{ auth, accept, ctype, body, host, uri string }
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.auth, got.accept, got.ctype, got.body, got.host, got.uri = r.Header.Get("Authorization"), r.Header.Get("Accept"), r.Header.Get("Content-Type"), string(b), r.Host, r.RequestURI
		switch r.URL.Path {
		case "/base/big":
			for i := 0; i < len(big); i += 40000 {
				w.Write([]byte(big[i:min(i+40000, len(big))]))
				w.(http.Flusher).Flush()
			}
		case "/base/close":
			w.Header().Set("Connection", "close")
			w.Write([]byte("bye"))
		case "/base/missing":
			http.Error(w, "no such thing", http.StatusNotFound)
		default:
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte("echo:" + string(b)))
		}
	}))
	var conns atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	u, _ := url.Parse(srv.URL + "/base")
	c := newRawHTTP(u, "Bearer k", headers{contentType: "application/scim+json"}, 4)

	var buf bytes.Buffer
	st, err := c.do("POST", "/Users?x=%22y%22", `{"a":1}`, &buf)
	if err != nil || st != 201 || buf.String() != `echo:{"a":1}` {
		t.Fatalf("POST = %d %q, %v", st, buf.String(), err)
	}
	if got.auth != "Bearer k" || got.accept != "" || got.ctype != "application/scim+json" || got.body != `{"a":1}` ||
		got.host != u.Host || got.uri != "/base/Users?x=%22y%22" {
		t.Errorf("server got %+v", got)
	}
	for range 10 {
		buf.Reset()
		if st, err := c.do("GET", "/big", "", &buf); err != nil || st != 200 || buf.String() != big {
			t.Fatalf("chunked GET = %d, %d bytes, %v", st, buf.Len(), err)
		}
	}
	if st, err := c.do("GET", "/missing", "", nil); err != nil || st != 404 {
		t.Errorf("GET /missing = %d, %v", st, err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 12 sequential requests, want 1 (keep-alive)", n)
	}
	buf.Reset()
	if st, err := c.do("GET", "/close", "", &buf); err != nil || st != 200 || buf.String() != "bye" {
		t.Errorf("GET /close = %d %q, %v", st, buf.String(), err)
	}
	if st, err := c.do("GET", "/x", "", nil); err != nil || st != 201 || conns.Load() != 2 {
		t.Errorf("after Connection: close: %d, %v, %d connections", st, err, conns.Load())
	}
	srv.CloseClientConnections()
	if st, err := c.do("GET", "/x", "", nil); err != nil || st != 201 {
		t.Errorf("GET after the server closed the idle connection = %d, %v", st, err)
	}

	// OneLogin's headers: an Accept on every request, its own body type.
	ol := newRawHTTP(u, "Bearer k", headers{accept: "application/json", contentType: "application/json"}, 1)
	if st, err := ol.do("PUT", "/Users/1", `{"b":2}`, nil); err != nil || st != 201 {
		t.Fatalf("PUT = %d, %v", st, err)
	}
	if got.accept != "application/json" || got.ctype != "application/json" || got.body != `{"b":2}` {
		t.Errorf("with OneLogin's headers the server got %+v", got)
	}
	if st, err := ol.do("GET", "/x", "", nil); err != nil || st != 201 || got.accept != "application/json" || got.ctype != "" {
		t.Errorf("GET with OneLogin's headers = %d, %v; server got %+v", st, err, got)
	}
}

func TestRawHTTPMalformed(t *testing.T) {
	for _, resp := range []string{
		"garbage\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4096)
			c.Read(buf)
			c.Write([]byte(resp))
			c.Close()
		}()
		u, _ := url.Parse("http://" + ln.Addr().String())
		_, err = newRawHTTP(u, "Bearer k", headers{contentType: "application/scim+json"}, 1).do("POST", "/", "{}", nil)
		if err == nil || !errors.Is(err, errMalformed) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			t.Errorf("response %q: err = %v, want a malformed-response error", resp, err)
		}
		ln.Close()
	}
}
