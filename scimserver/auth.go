package scimserver

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/visitly/hostsync"
)

type actorKey struct{}

// actorFrom returns who is making the request (set by the auth step).
func actorFrom(ctx context.Context) hostsync.Actor {
	if a, ok := ctx.Value(actorKey{}).(hostsync.Actor); ok {
		return a
	}
	return hostsync.Actor{Kind: hostsync.ActorSystem}
}

// bearer extracts the token of an "Authorization: Bearer <token>" header. The
// scheme is case-insensitive (RFC 7235).
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

var errUnauthorized = &scimError{Status: http.StatusUnauthorized, Detail: "missing, unknown or revoked API key: send Authorization: Bearer <API key>"}

// authSCIM authenticates a SCIM request with an API key. A rejection is
// recorded (never the presented token) so the console can show that the
// identity provider holds an old or wrong key. The actor carries the key's
// IdP, so that every change it makes is attributed to that IdP in words
// ("Okta (key #3)").
func (s *Server) authSCIM(r *http.Request) (*http.Request, error) {
	tok, ok := bearer(r)
	if !ok {
		s.reject(r, false, "no bearer token")
		return r, errUnauthorized
	}
	// The console's Test connection only reads; a write that carries the
	// header counts as the key's use like any other, so a leaked key cannot
	// hide its changes behind it.
	check := r.Header.Get(hostsync.ConsoleCheckHeader) != "" && (r.Method == http.MethodGet || r.Method == http.MethodHead)
	var key hostsync.APIKey
	var err error
	if check {
		key, err = s.st.CheckAPIKey(r.Context(), tok)
	} else {
		key, err = s.st.AuthenticateAPIKey(r.Context(), tok)
	}
	if err != nil {
		if !errors.Is(err, hostsync.ErrUnauthorized) {
			return r, err
		}
		s.reject(r, false, "unknown or revoked API key")
		return r, errUnauthorized
	}
	path := scimRelPath(r.URL.Path)
	if !check {
		s.st.NoteCall(key, r.Method, path)
	}
	// The store keeps the request of an IdP's last change with it.
	a := hostsync.Actor{Kind: hostsync.ActorAPIKey, ID: key.ID, Label: key.Label, IdP: key.IdP, Method: r.Method, Path: path}
	return r.WithContext(context.WithValue(r.Context(), actorKey{}, a)), nil
}

// authAdmin authenticates an admin API request with the admin credential.
// A rejection is recorded apart from the SCIM ones: it is the console's (or
// a script's) wrong admin credential, not an identity provider's wrong key.
func (s *Server) authAdmin(r *http.Request) (*http.Request, error) {
	tok, ok := bearer(r)
	if !ok {
		s.reject(r, true, "admin API: no bearer token")
		return r, &scimError{Status: http.StatusUnauthorized, Detail: "missing admin credential: send Authorization: Bearer <admin token>"}
	}
	if err := s.st.AuthenticateAdmin(r.Context(), tok); err != nil {
		if !errors.Is(err, hostsync.ErrUnauthorized) {
			return r, err
		}
		s.reject(r, true, "admin API: wrong admin credential")
		return r, &scimError{Status: http.StatusUnauthorized, Detail: "the admin credential was refused; create a new one with `visitly-scimd admin-token`"}
	}
	return r.WithContext(context.WithValue(r.Context(), actorKey{}, hostsync.Actor{Kind: hostsync.ActorAdmin})), nil
}

// reject notes a call refused for its credential: in memory, for the status
// of this process (every refusal), and in the store (at most one a second
// per door, in the activity log and as the door's last refusal, read back
// after a restart).
func (s *Server) reject(r *http.Request, admin bool, reason string) {
	// Milliseconds, as the stores keep it: the status reads the same from
	// this process's memory as from the database on another replica.
	c := hostsync.RejectedCall{Admin: admin, At: time.Now().UTC().Truncate(time.Millisecond), Method: r.Method, Path: r.URL.Path, Remote: remoteIP(r), Reason: reason}
	if admin {
		s.rejAdmin.Store(&c)
	} else {
		s.rej.Store(&c)
	}
	s.refusals.note(c)
}

// scimRelPath shortens /v1/usersync/SCIM/Users/abc to /Users/abc.
func scimRelPath(p string) string {
	if hasPrefixFold(p, SCIMBasePath) {
		p = p[len(SCIMBasePath):]
	}
	if p == "" {
		return "/"
	}
	return p
}
