package scimserver

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// serveSCIM routes below /v1/usersync/SCIM. Every SCIM request needs an API key.
func (s *Server) serveSCIM(w http.ResponseWriter, r *http.Request, rest string) {
	r, err := s.authSCIM(r)
	if err != nil {
		writeError(w, err)
		return
	}
	seg := segments(rest)
	if len(seg) == 0 {
		// Some vendors answer a GET of the bare base URL defensively; do the
		// same. A write there is a 405: answering it with a 200 would tell
		// the client its change was made.
		s.requireGET(w, r, s.getServiceProviderConfig)
		return
	}
	switch strings.ToLower(seg[0]) {
	case "users":
		s.routeResource(w, r, seg[1:], userHandlers(s))
	case "groups":
		s.routeResource(w, r, seg[1:], groupHandlers(s))
	case "serviceproviderconfig", "serviceproviderconfigs":
		s.requireGET(w, r, s.getServiceProviderConfig)
	case "resourcetypes":
		s.requireGET(w, r, func(w http.ResponseWriter, r *http.Request) { s.getResourceTypes(w, r, seg[1:]) })
	case "schemas":
		s.requireGET(w, r, func(w http.ResponseWriter, r *http.Request) { s.getSchemas(w, r, seg[1:]) })
	case "bulk", "me":
		writeError(w, &scimError{Status: http.StatusNotImplemented, Detail: "/" + seg[0] + " is not supported by this service"})
	default:
		writeError(w, notFound("no such SCIM endpoint: /"+seg[0]))
	}
}

func (s *Server) requireGET(w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r, "GET")
		return
	}
	h(w, r)
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, &scimError{Status: http.StatusMethodNotAllowed, Detail: r.Method + " is not allowed here; use " + allow})
}

// resourceHandlers are the operations of one SCIM resource type.
type resourceHandlers struct {
	list, create        http.HandlerFunc
	search              http.HandlerFunc
	get, replace, patch func(http.ResponseWriter, *http.Request, string)
	delete              func(http.ResponseWriter, *http.Request, string)
}

func (s *Server) routeResource(w http.ResponseWriter, r *http.Request, seg []string, h resourceHandlers) {
	switch {
	case len(seg) == 0:
		switch r.Method {
		case http.MethodGet:
			h.list(w, r)
		case http.MethodPost:
			h.create(w, r)
		default:
			methodNotAllowed(w, r, "GET, POST")
		}
	case len(seg) == 1 && seg[0] == ".search":
		if r.Method != http.MethodPost {
			methodNotAllowed(w, r, "POST")
			return
		}
		h.search(w, r)
	case len(seg) == 1:
		id := seg[0]
		switch r.Method {
		case http.MethodGet:
			h.get(w, r, id)
		case http.MethodPut:
			h.replace(w, r, id)
		case http.MethodPatch:
			h.patch(w, r, id)
		case http.MethodDelete:
			h.delete(w, r, id)
		default:
			methodNotAllowed(w, r, "GET, PUT, PATCH, DELETE")
		}
	default:
		writeError(w, notFound("no such SCIM endpoint: "+r.URL.Path))
	}
}

// readBody reads a request body up to the configured limit; a larger body is
// a 413 with a SCIM error, never a truncated parse.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	limit := s.opt.MaxBodyBytes
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(limit)
		}
		return nil, &scimError{Status: http.StatusBadRequest, ScimType: "invalidSyntax", Detail: "could not read the request body: " + err.Error()}
	}
	return b, nil
}

func tooLarge(limit int64) *scimError {
	return &scimError{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("request body is larger than the %d-byte limit", limit)}
}
