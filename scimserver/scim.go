package scimserver

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/visitly/hostsync/scimserver/resource"
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

// listParams are the query parameters of RFC 7644 §3.4.2, from the URL or a
// POST /.search body.
type listParams struct {
	Filter            string
	StartIndex, Count int
	Attributes, Excl  []string
}

// query reads a query parameter case-insensitively (startindex, StartIndex…).
func query(r *http.Request, name string) (string, bool) {
	q := r.URL.Query()
	if v, ok := q[name]; ok && len(v) > 0 {
		return v[0], true
	}
	for k, v := range q {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0], true
		}
	}
	return "", false
}

func parseListParams(r *http.Request) (listParams, error) {
	p := listParams{StartIndex: 1, Count: 100}
	if v, ok := query(r, "filter"); ok {
		p.Filter = v
	}
	if v, ok := query(r, "startIndex"); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return p, badValue("startIndex must be an integer, got %q", v)
		}
		p.StartIndex = n
	}
	if v, ok := query(r, "count"); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return p, badValue("count must be an integer, got %q", v)
		}
		p.Count = n
	}
	if v, ok := query(r, "attributes"); ok {
		p.Attributes = splitList(v)
	}
	if v, ok := query(r, "excludedAttributes"); ok {
		p.Excl = splitList(v)
	}
	p.clamp()
	return p, nil
}

// clamp applies RFC 7644 §3.4.2.4: startIndex < 1 means 1, a negative count means 0.
func (p *listParams) clamp() {
	if p.StartIndex < 1 {
		p.StartIndex = 1
	}
	if p.Count < 0 {
		p.Count = 0
	}
	if p.Count > maxPageSize {
		p.Count = maxPageSize
	}
}

// parseSearchBody reads a POST /.search body (RFC 7644 §3.4.3).
func (s *Server) parseSearchBody(w http.ResponseWriter, r *http.Request) (listParams, error) {
	p := listParams{StartIndex: 1, Count: 100}
	b, err := s.readBody(w, r)
	if err != nil {
		return p, err
	}
	d, err := resource.Decode(b)
	if err != nil {
		return p, err
	}
	for k, v := range d {
		switch strings.ToLower(k) {
		case "filter":
			str, ok := v.(string)
			if !ok {
				return p, badValue("filter must be a string")
			}
			p.Filter = str
		case "startindex", "count":
			n, err := jsonInt(v)
			if err != nil {
				return p, badValue("%s must be an integer", k)
			}
			if strings.EqualFold(k, "count") {
				p.Count = n
			} else {
				p.StartIndex = n
			}
		case "attributes", "excludedattributes":
			list, err := stringList(v)
			if err != nil {
				return p, badValue("%s must be a list of strings", k)
			}
			if strings.EqualFold(k, "attributes") {
				p.Attributes = list
			} else {
				p.Excl = list
			}
		}
	}
	p.clamp()
	return p, nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
