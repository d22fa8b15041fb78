package scimclient

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

var (
	// ErrUnreachable wraps every failure to get an HTTP answer at all: refused connection, DNS,
	// timeout, TLS. The underlying error stays in the chain.
	ErrUnreachable = errors.New("scimclient: service unreachable")
	// ErrBadURL is returned by New for a service URL that is not http(s)://host[:port][/prefix].
	ErrBadURL = errors.New("scimclient: service URL must look like https://host[:port]")
)

// Error is an error answer of the service, decoded from the SCIM error schema both APIs use.
type Error struct {
	Status   int    // HTTP status
	ScimType string // e.g. "uniqueness", "invalidFilter"; may be empty
	Detail   string // the service's explanation; may be empty

	method, path string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("scimclient: ")
	if e.method != "" {
		b.WriteString(e.method + " " + e.path + ": ")
	}
	b.WriteString(strconv.Itoa(e.Status) + " " + http.StatusText(e.Status))
	if e.ScimType != "" {
		b.WriteString(" (" + e.ScimType + ")")
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	return b.String()
}

// IsUnauthorized reports whether the service refused the credential (401) or the action (403).
func IsUnauthorized(err error) bool {
	return hasStatus(err, http.StatusUnauthorized) || hasStatus(err, http.StatusForbidden)
}

// IsNotFound reports whether the service answered 404.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsConflict reports whether the service answered 409 (e.g. restoring a host whose userName is taken).
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

func hasStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}

// scimError is the wire form; status is a string per RFC 7644 §3.12, but tolerate a number.
type scimError struct {
	Status   json.RawMessage `json:"status"`
	ScimType string          `json:"scimType"`
	Detail   string          `json:"detail"`
}

// decodeError builds an *Error from an error answer; a body that is not SCIM JSON (a proxy's HTML
// page, say) becomes the detail, shortened.
func decodeError(method, path string, status int, body []byte) error {
	e := &Error{Status: status, method: method, path: path}
	var se scimError
	if err := json.Unmarshal(body, &se); err == nil && (se.Detail != "" || se.ScimType != "" || len(se.Status) > 0) {
		e.ScimType, e.Detail = se.ScimType, se.Detail
		return e
	}
	e.Detail = shorten(strings.TrimSpace(string(body)), 200)
	return e
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
