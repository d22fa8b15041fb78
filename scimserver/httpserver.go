package scimserver

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"net/http"
	"syscall"
	"time"
)

// The limits every listener of the service has, headless or embedded in the
// console (README, Security notes).
const (
	// FirstByteTimeout closes a new connection whose client has sent
	// nothing (not even a TLS hello) for this long: a client that means
	// to talk sends at once, and silent sockets are how a stranger holds
	// connections without a credential.
	FirstByteTimeout = 5 * time.Second
	// ReadHeaderTimeout bounds how long a client may take to send a
	// request's headers; ReadTimeout the whole request, body included.
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 60 * time.Second
	// ResponseTimeout bounds the time from a request's arrival to its
	// answer's first byte (Azure AD gives up after 60 s anyway).
	ResponseTimeout = 60 * time.Second
	// WriteStallTimeout bounds how long one piece of an answer may wait on a
	// client that does not read: a client that reads nothing for this long
	// has its connection closed. A large page to a slow client that keeps
	// reading is never cut, unlike with one deadline for the whole answer.
	WriteStallTimeout = 30 * time.Second
	// IdleTimeout closes a kept-alive connection with no request. Azure AD
	// sends its requests in bursts; a connection idle for longer is
	// cheaper to open again than to hold.
	IdleTimeout = 30 * time.Second
	// MaxHeaderBytes caps a request's headers (a bearer key is ~50 bytes).
	MaxHeaderBytes = 64 << 10
	// DefaultMaxConnections is how many connections are open at once
	// (ConnLimits.Max).
	DefaultMaxConnections = 512
	// DefaultMaxConnectionsPerAddress is how many of them one client
	// address may hold (ConnLimits.PerAddress). Azure AD uses a handful.
	DefaultMaxConnectionsPerAddress = 64
	// LingerTimeout and LingerBytes bound how long, and how much, the
	// service still reads and discards from a client before it closes the
	// connection, so that a client still sending (a request refused for
	// its size: 431, 413) gets the answer rather than a reset. One that
	// sends more, or for longer, is reset.
	LingerTimeout = 5 * time.Second
	LingerBytes   = 4 << 20
)

// writeChunk is the largest piece one write deadline covers.
const writeChunk = 64 << 10

// writeStall is WriteStallTimeout and firstByteTimeout FirstByteTimeout;
// tests shorten them.
var (
	writeStall       = WriteStallTimeout
	firstByteTimeout = FirstByteTimeout
)

// NewHTTPServer is the http.Server every listener of the service uses, with
// the timeouts and header limit above. tlsConf (nil for plain HTTP) is
// cloned, raised to TLS 1.2 at least, which Azure AD requires, and limited
// to tlsCipherSuites; serve it with ServeTLS(ln, "", "") or on
// tls.NewListener(ln, hs.TLSConfig) when TLSConfig is set. HTTPS answers
// carry Strict-Transport-Security. log gets the server's own errors (TLS
// handshakes and the like) as warnings, failed handshakes sparingly.
// Serve it on a LimitListener: the server tells the listener which
// connections are idle, so that those are closed first for room.
func NewHTTPServer(h http.Handler, tlsConf *tls.Config, log *slog.Logger) *http.Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hs := &http.Server{
		Handler:           writeDeadlines{strictTransport{h}},
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		// No WriteTimeout: one deadline for the whole answer would cut a
		// 2 MB page to a slow reader. writeDeadlines sets them per piece.
		IdleTimeout:    IdleTimeout,
		MaxHeaderBytes: MaxHeaderBytes,
		ErrorLog:       newServerLog(log),
		ConnState:      trackState,
	}
	if tlsConf != nil {
		hs.TLSConfig = tlsConf.Clone()
		if hs.TLSConfig.MinVersion < tls.VersionTLS12 {
			hs.TLSConfig.MinVersion = tls.VersionTLS12
		}
		hs.TLSConfig.CipherSuites = tlsCipherSuites
	}
	return hs
}

// tlsCipherSuites are the TLS 1.2 suites served: ECDHE key exchange and
// AEAD ciphers only. Go's defaults also offer AES-CBC with SHA-1 MACs,
// which security reviews flag (padding oracles, SHA-1); every client that
// speaks TLS 1.2, Azure AD's included, has one of these. TLS 1.3's suites
// are all sound and not configurable.
var tlsCipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// hstsValue keeps browsers that reached the service over HTTPS on HTTPS for
// a year. Without includeSubDomains: the service does not speak for its
// domain's other hosts.
const hstsValue = "max-age=31536000"

// strictTransport adds Strict-Transport-Security to answers over TLS.
type strictTransport struct{ h http.Handler }

func (s strictTransport) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.TLS != nil {
		w.Header().Set("Strict-Transport-Security", hstsValue)
	}
	s.h.ServeHTTP(w, r)
}

// IsAddressInUse reports whether err is the OS's "address already in use"
// (Unix EADDRINUSE, Windows WSAEADDRINUSE).
func IsAddressInUse(err error) bool {
	var errno syscall.Errno
	return errors.Is(err, syscall.EADDRINUSE) || (errors.As(err, &errno) && errno == 10048)
}

// writeDeadlines gives each request ResponseTimeout until its answer starts,
// then each piece of the answer (at most writeChunk bytes) WriteStallTimeout.
type writeDeadlines struct{ h http.Handler }

func (d writeDeadlines) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(ResponseTimeout)) // fails only for writers that cannot, e.g. in tests
	d.h.ServeHTTP(&deadlineWriter{ResponseWriter: w, rc: rc}, r)
}

type deadlineWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
}

func (w *deadlineWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		piece := b[:min(len(b), writeChunk)]
		_ = w.rc.SetWriteDeadline(time.Now().Add(writeStall))
		m, err := w.ResponseWriter.Write(piece)
		n += m
		if err != nil {
			return n, err
		}
		b = b[len(piece):]
	}
	return n, nil
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
