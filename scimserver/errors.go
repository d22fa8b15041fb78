package scimserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/visitly/hostsync/scimserver/resource"
	"github.com/visitly/hostsync/storage/hostdb"
)

// scimError is the one error value every handler returns to a client.
type scimError = resource.Error

func notFound(detail string) *scimError {
	return &scimError{Status: http.StatusNotFound, Detail: detail}
}

func badValue(format string, a ...any) *scimError {
	return &scimError{Status: http.StatusBadRequest, ScimType: "invalidValue", Detail: fmt.Sprintf(format, a...)}
}

// asSCIMError maps any error to what the client sees. Bad input never becomes
// a 500: resource errors carry their own status, storage sentinels map to
// 404/409/400, and only real server faults (I/O, a full disk) are 500s.
func asSCIMError(err error, what string) *scimError {
	var se *scimError
	switch {
	case errors.As(err, &se):
		return se
	case errors.Is(err, hostdb.ErrNotFound):
		return notFound(what + " not found")
	case errors.Is(err, hostdb.ErrConflict):
		return &scimError{Status: http.StatusConflict, ScimType: "uniqueness", Detail: storageDetail(err)}
	case errors.Is(err, hostdb.ErrInvalidMember):
		return &scimError{Status: http.StatusBadRequest, ScimType: "invalidValue", Detail: storageDetail(err)}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &scimError{Status: http.StatusServiceUnavailable, Detail: "the request was cancelled before it completed; nothing was changed"}
	default:
		return &scimError{Status: http.StatusInternalServerError, Detail: "the service could not complete the request; nothing was changed: " + storageDetail(err)}
	}
}

// storageDetail turns "hostdb: conflict: userName \"x\" is already taken" into
// the readable part.
func storageDetail(err error) string {
	msg := err.Error()
	for _, p := range []string{"hostdb: conflict: ", "hostdb: invalid member: ", "hostdb: "} {
		if strings.HasPrefix(msg, p) {
			return msg[len(p):]
		}
	}
	return msg
}

// writeError renders err in the RFC 7644 §3.12 error schema (status as a string).
func writeError(w http.ResponseWriter, err error) {
	se := asSCIMError(err, "resource")
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
