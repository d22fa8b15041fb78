package scimserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimserver/resource"
)

// scimError is the one error value every handler returns to a client.
type scimError = resource.Error

func notFound(detail string) *scimError {
	return &scimError{Status: http.StatusNotFound, Detail: detail}
}

func badValue(format string, a ...any) *scimError {
	return &scimError{Status: http.StatusBadRequest, ScimType: "invalidValue", Detail: fmt.Sprintf(format, a...)}
}

// asSCIMError maps a refusal to what the client sees, in the client's terms:
// resource errors carry their own status, storage's typed refusals map to
// 404/409/400. Anything else is a fault of the service and is returned as it
// is, for writeError to answer 500 and log.
func asSCIMError(err error, what string) error {
	var (
		se       *scimError
		conflict *hostsync.ConflictError
		member   *hostsync.InvalidMemberError
	)
	switch {
	case errors.As(err, &se):
		return se
	case errors.Is(err, hostsync.ErrNotFound):
		return notFound(what + " not found")
	case errors.As(err, &conflict):
		detail := fmt.Sprintf("%s %q is already taken", conflict.Field, conflict.Value)
		if conflict.Holder != "" {
			detail = fmt.Sprintf("%s %q is now used by live host %s; delete or rename that host first",
				conflict.Field, conflict.Value, conflict.Holder)
		}
		return &scimError{Status: http.StatusConflict, ScimType: "uniqueness", Detail: detail}
	case errors.As(err, &member):
		return badValue("member %q is not an existing user", member.ID)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &scimError{Status: http.StatusServiceUnavailable, Detail: "the request was cancelled before it completed; nothing was changed"}
	}
	return err
}

// internalError is the whole answer to a fault: the cause is in the log
// under the request id, never in the response.
func internalError(requestID string) *scimError {
	return &scimError{Status: http.StatusInternalServerError, Detail: "internal error; request id " + requestID}
}

// writeError renders err in the RFC 7644 §3.12 error schema (status as a string).
func writeError(w http.ResponseWriter, err error) {
	var se *scimError
	if !errors.As(asSCIMError(err, "resource"), &se) {
		se = internalError(logFault(w, err))
	}
	body := struct {
		Schemas  []string `json:"schemas"`
		Status   string   `json:"status"`
		ScimType string   `json:"scimType,omitempty"`
		Detail   string   `json:"detail,omitempty"`
	}{[]string{resource.ErrorSchema}, strconv.Itoa(se.Status), se.ScimType, se.Detail}
	if se.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="Visitly Host Sync"`)
	}
	writeJSON(w, se.Status, body)
}

// faultLogger is the response writer ServeHTTP gives every handler: it logs a
// fault's cause under the request's id and returns the id.
type faultLogger interface {
	logFault(err error) (requestID string)
}

func logFault(w http.ResponseWriter, err error) string {
	if f, ok := w.(faultLogger); ok {
		return f.logFault(err)
	}
	return "unknown"
}
