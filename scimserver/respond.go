package scimserver

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// The two media types the service answers in. Both carry the same JSON;
// RFC 7644 §3.8 names application/scim+json and lets a client that asks for
// application/json (OneLogin does) have that instead.
const (
	scimContentType = "application/scim+json"
	jsonContentType = "application/json"
)

// writeJSON answers with v as application/scim+json, or as application/json
// when the request's Accept asked for it (see negotiate); the admin API
// answers the same way, so one client decoder serves both.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"could not encode the response"}`)
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", scimContentType)
	if status != http.StatusNoContent && status != http.StatusNotModified {
		// The whole body is at hand: say its length, so that a 1 MB page
		// goes out in one piece rather than chunked and a client can size
		// its buffer once.
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// negotiate returns the writer a request is answered through: w itself when
// the client takes application/scim+json (no Accept, */*, application/*, or
// scim+json at least as high as application/json), otherwise a writer that
// labels the same JSON application/json.
//
// It is lenient on purpose: an Accept that allows neither type (text/html,
// or scim+json;q=0 with nothing else) still gets application/scim+json
// rather than a 406, as RFC 7231 §5.3.2 permits. Identity providers send odd
// Accept headers, and a 406 would stop a provisioning cycle over a label.
func negotiate(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	accept := r.Header.Values("Accept")
	if len(accept) == 0 || !prefersPlainJSON(strings.Join(accept, ",")) {
		return w
	}
	return &plainJSONWriter{ResponseWriter: w}
}

// prefersPlainJSON reports whether accept ranks application/json above
// application/scim+json, by each type's most specific matching range
// (RFC 7231 §5.3.2); on a tie SCIM's own type wins.
func prefersPlainJSON(accept string) bool {
	qSCIM, qJSON := acceptQ(accept, "scim+json"), acceptQ(accept, "json")
	return qJSON > qSCIM
}

// acceptQ is the quality accept gives application/<subtype>: the q of the
// most specific range that matches it (exact, then application/*, then */*),
// 0 when none does.
func acceptQ(accept, subtype string) float64 {
	best, q := -1, 0.0
	for _, rng := range strings.Split(accept, ",") {
		params := strings.Split(rng, ";")
		mt := strings.ToLower(strings.TrimSpace(params[0]))
		spec := -1
		switch mt {
		case "application/" + subtype:
			spec = 2
		case "application/*":
			spec = 1
		case "*/*", "*":
			spec = 0
		}
		if spec <= best {
			continue
		}
		best, q = spec, 1
		for _, p := range params[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
	}
	return q
}

// plainJSONWriter relabels application/scim+json responses as
// application/json; every other header and the body pass through untouched.
type plainJSONWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *plainJSONWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		if h := w.Header(); h.Get("Content-Type") == scimContentType {
			h.Set("Content-Type", jsonContentType)
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *plainJSONWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *plainJSONWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// jsonInt reads an integer from a value decoded with UseNumber.
func jsonInt(v any) (int, error) {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		return int(i), err
	case string:
		return strconv.Atoi(n)
	case float64:
		return int(n), nil
	}
	return 0, errors.New("not a number")
}

// stringList reads ["a","b"] or "a,b".
func stringList(v any) ([]string, error) {
	switch l := v.(type) {
	case string:
		return splitList(l), nil
	case []any:
		out := make([]string, 0, len(l))
		for _, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, errors.New("not a string")
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, errors.New("not a list")
}
