// Package scimserver is the host-sync service's HTTP side: the SCIM 2.0 service
// provider that Azure AD provisions hosts into (/v1/usersync/SCIM) and the small
// admin API the console uses (/v1/admin). It speaks Azure AD's dialect on input,
// answers in strict RFC 7644 form, and keeps everything in a Store (SQLite's
// storage/hostdb or PostgreSQL's storage/pgstore).
package scimserver

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/visitly/hostsync"
)

// Base paths. The SCIM one is the Tenant URL's path in Visitly's Azure AD tutorial.
const (
	SCIMBasePath  = "/v1/usersync/SCIM"
	AdminBasePath = "/v1/admin"
)

// RequestIDHeader is the response header that carries the id the service
// gave the request; a 500's detail names the same id.
const RequestIDHeader = "X-Request-Id"

// DefaultMaxBodyBytes caps request bodies; a full Azure AD user is about 1 KiB,
// a group PATCH with hundreds of members a few tens of KiB.
const DefaultMaxBodyBytes = 1 << 20

// maxPageSize is the largest page a list request gets (ServiceProviderConfig
// filter.maxResults); larger counts are capped, as RFC 7644 §3.4.2.4 allows.
const maxPageSize = 1000

// Options configure a Server. The zero value is usable.
type Options struct {
	Logger       *slog.Logger
	MaxBodyBytes int64
	Version      string
	// PublicURL, when set (e.g. "https://hosts.example.com"), is used for
	// meta.location instead of the request's Host header, for servers behind a
	// reverse proxy.
	PublicURL string
	// TLSStatus, when set, reports the served certificate's health in the
	// admin status (certs.Manager.Status); nil reports mode "none".
	TLSStatus func() hostsync.TLSStatus
}

// Server serves the SCIM and admin APIs. It is an http.Handler.
type Server struct {
	st  Store
	log *slog.Logger
	opt Options
	// The last refused calls of this process, SCIM and admin API; the
	// store has those of earlier runs (calls.go).
	rej, rejAdmin atomic.Pointer[hostsync.RejectedCall]
	refusals      refusals // what the store records of them (refusals.go)

	admin http.Handler  // the admin API's router, behind serveAdmin's authentication
	pages chan struct{} // one token per large page being built or written (pages.go)
}

// New returns a Server on st.
func New(st Store, opt Options) *Server {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.MaxBodyBytes <= 0 {
		opt.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opt.Version == "" {
		opt.Version = "dev"
	}
	opt.PublicURL = strings.TrimRight(opt.PublicURL, "/")
	s := &Server{st: st, log: opt.Logger, opt: opt, pages: make(chan struct{}, maxLargePages)}
	s.refusals.st = st
	s.admin = s.adminRoutes()
	return s
}

// Close records what the server still holds for the store (the refused
// calls of the current minute); call it after the HTTP server has stopped
// and before the store closes.
func (s *Server) Close() { s.refusals.stop() }

// ServeHTTP routes a request. Paths match case-insensitively because Microsoft's
// own test suite calls /users in lower case.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	// Every answer carries an id; a 500 names it, and the log line with
	// the cause has it, so a support request can be matched to the log.
	id := rand.Text()
	w.Header().Set(RequestIDHeader, id)
	rw := &statusWriter{ResponseWriter: negotiate(w, r), id: id, log: s.log}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p) // a response cut on purpose: net/http closes the connection quietly
			}
			s.log.Error("panic serving request", "request_id", id, "method", r.Method, "path", r.URL.Path, "panic", p)
			if rw.status == 0 {
				writeError(rw, internalError(id))
			}
		}
		lvl := slog.LevelDebug
		if rw.status >= 500 {
			lvl = slog.LevelError
		}
		// Never the query (it may carry user names) nor any header: no secret in logs.
		s.log.Log(r.Context(), lvl, "request", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", rw.status,
			"duration_ms", float64(time.Since(start).Microseconds())/1000)
	}()

	p := r.URL.Path
	switch {
	case hasPrefixFold(p, SCIMBasePath):
		s.serveSCIM(rw, r, p[len(SCIMBasePath):])
	case hasPrefixFold(p, AdminBasePath):
		s.serveAdmin(rw, r)
	case p == "/healthz":
		serveHealth(rw)
	case p == "/readyz":
		s.serveReady(rw, r)
	default:
		writeError(rw, notFound("no such endpoint: "+p))
	}
}

// hasPrefixFold reports whether p starts with prefix, ignoring case, at a
// segment boundary.
func hasPrefixFold(p, prefix string) bool {
	if len(p) < len(prefix) || !strings.EqualFold(p[:len(prefix)], prefix) {
		return false
	}
	return len(p) == len(prefix) || p[len(prefix)] == '/' || p[len(prefix)] == '?'
}

// segments splits "/Users/abc/" into ["Users", "abc"].
func segments(rest string) []string {
	rest = strings.Trim(rest, "/")
	if rest == "" {
		return nil
	}
	return strings.Split(rest, "/")
}

// statusWriter remembers the status for the access log and logs a fault's
// cause under the request's id.
type statusWriter struct {
	http.ResponseWriter
	status int
	id     string
	log    *slog.Logger
}

func (w *statusWriter) logFault(err error) string {
	w.log.Error("internal error", "request_id", w.id, "error", err)
	return w.id
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
