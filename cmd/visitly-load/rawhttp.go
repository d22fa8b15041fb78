package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// rawHTTP is a minimal HTTP/1.1 keep-alive client for plain-http targets.
// The load tool shares the machine's cores with the service it measures, and
// net/http's client spent a third of its CPU handing each request between
// its caller, a writer and a reader goroutine. Here the calling goroutine
// writes the request with one write and parses the response itself (status
// line, Content-Length or chunked body, Connection: close), as wrk does.
// Requests and responses are still ordinary HTTP on a TCP connection.
type rawHTTP struct {
	addr, host, prefix, auth string
	hdr                      headers
	idle                     chan *rawConn
}

// headers are the ones an identity provider adds to every request.
type headers struct {
	accept      string // "" sends no Accept
	contentType string // of request bodies
}

type rawConn struct {
	c   net.Conn
	br  *bufio.Reader
	req []byte
}

func newRawHTTP(base *url.URL, auth string, hdr headers, clients int) *rawHTTP {
	addr := base.Host
	if base.Port() == "" {
		addr = net.JoinHostPort(base.Hostname(), "80")
	}
	return &rawHTTP{addr: addr, host: base.Host, prefix: base.EscapedPath(), auth: auth, hdr: hdr,
		idle: make(chan *rawConn, 2*clients)}
}

// do sends one request on an idle connection (or a new one) and copies the
// response body to into; it returns the status code.
func (r *rawHTTP) do(method, path, body string, into io.Writer) (int, error) {
	var rc *rawConn
	reused := true
	select {
	case rc = <-r.idle:
	default:
		c, err := net.DialTimeout("tcp", r.addr, 10*time.Second)
		if err != nil {
			return 0, err
		}
		rc, reused = &rawConn{c: c, br: bufio.NewReaderSize(c, 64<<10)}, false
	}
	status, keep, err := rc.roundTrip(r, method, path, body, into)
	if err != nil || !keep {
		rc.c.Close()
		if err != nil && reused && status == 0 && method == "GET" {
			// The server may have closed the idle connection; a GET
			// can safely go again on a new one (net/http does the same).
			return r.do(method, path, body, into)
		}
		return status, err
	}
	select {
	case r.idle <- rc:
	default:
		rc.c.Close()
	}
	return status, nil
}

func (rc *rawConn) roundTrip(r *rawHTTP, method, path, body string, into io.Writer) (status int, keep bool, err error) {
	rc.c.SetDeadline(time.Now().Add(60 * time.Second))
	b := rc.req[:0]
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, r.prefix...)
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, r.host...)
	b = append(b, "\r\nAuthorization: "...)
	b = append(b, r.auth...)
	if r.hdr.accept != "" {
		b = append(b, "\r\nAccept: "...)
		b = append(b, r.hdr.accept...)
	}
	if body != "" {
		b = append(b, "\r\nContent-Type: "...)
		b = append(b, r.hdr.contentType...)
		b = append(b, "\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
	}
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	rc.req = b
	if _, err := rc.c.Write(b); err != nil {
		return 0, false, err
	}
	return readResponse(rc.br, into)
}

var errMalformed = errors.New("malformed HTTP response")

// readResponse reads one response from br, its body into into (or nowhere).
func readResponse(br *bufio.Reader, into io.Writer) (status int, keep bool, err error) {
	line, err := readLine(br)
	if err != nil {
		return 0, false, err
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, false, fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, false, fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	keep = line[7] == '1'
	length, chunked := int64(-1), false
	for {
		h, err := readLine(br)
		if err != nil {
			return status, false, err
		}
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return status, false, fmt.Errorf("%w: header %q", errMalformed, h)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.ParseInt(string(value), 10, 64); err != nil || length < 0 {
				return status, false, fmt.Errorf("%w: Content-Length %q", errMalformed, value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			if bytes.EqualFold(value, []byte("close")) {
				keep = false
			}
		}
	}
	if into == nil {
		into = io.Discard
	}
	switch {
	case chunked:
		err = readChunked(br, into)
	case length >= 0:
		if b, ok := into.(*bytes.Buffer); ok {
			b.Grow(int(length))
		}
		_, err = io.CopyN(into, br, length)
	default: // no length: the body runs to the end of the connection
		_, err = io.Copy(into, br)
		keep = false
	}
	return status, keep && err == nil, err
}

func readChunked(br *bufio.Reader, into io.Writer) error {
	for {
		line, err := readLine(br)
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("%w: chunk size %q", errMalformed, line)
		}
		if n == 0 {
			for { // trailers, then the blank line
				t, err := readLine(br)
				if err != nil || len(t) == 0 {
					return err
				}
			}
		}
		if _, err := io.CopyN(into, br, n); err != nil {
			return err
		}
		if crlf, err := readLine(br); err != nil || len(crlf) != 0 {
			return fmt.Errorf("%w: no CRLF after a chunk", errMalformed)
		}
	}
}

// readLine returns one CRLF-terminated line without its end; the slice is
// valid until the next read.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}
