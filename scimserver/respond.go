package scimserver

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

const scimContentType = "application/scim+json"

// writeJSON answers with v as application/scim+json (also for the admin API, so
// one client decoder serves both).
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
