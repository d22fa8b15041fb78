package scimserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/visitly/hostsync/scimserver/resource"
)

// queryParams is a request's query string, read strictly: one that does not
// parse is refused, not read in part (url.Query drops a pair with a ';' or a
// bad %-escape); names match in any case (startindex, StartIndex…); a name
// given twice is refused rather than one value picked; a parameter present
// with an empty value is refused rather than taken as absent. An ignored
// filter would list every host, and Azure AD PATCHes what its filter found.
//
// The first error sticks, as in bufio.Scanner: a handler reads all its
// parameters, then checks err once. Names this service does not know are
// ignored (Azure AD adds feature flags such as aadOptscim062020).
type queryParams struct {
	v   url.Values
	err error
}

func readQuery(r *http.Request) *queryParams {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return &queryParams{err: &scimError{Status: http.StatusBadRequest, ScimType: resource.ScimInvalidSyntax,
			Detail: "the query string does not parse (" + err.Error() + "); nothing was read from it"}}
	}
	return &queryParams{v: v}
}

// get returns the value of name, present or not; an empty value counts as present.
func (q *queryParams) get(name string) (string, bool) {
	if q.err != nil {
		return "", false
	}
	var vals []string
	for k, v := range q.v {
		if strings.EqualFold(k, name) {
			vals = append(vals, v...)
		}
	}
	switch len(vals) {
	case 0:
		return "", false
	case 1:
		return vals[0], true
	}
	scimType := resource.ScimInvalidSyntax
	if strings.EqualFold(name, "filter") {
		scimType = resource.ScimInvalidFilter
	}
	q.err = &scimError{Status: http.StatusBadRequest, ScimType: scimType,
		Detail: name + " is given " + strconv.Itoa(len(vals)) + " times; give it at most once"}
	return "", false
}

// text returns a value that must not be empty when present.
func (q *queryParams) text(name string) string {
	v, ok := q.get(name)
	if ok && v == "" && q.err == nil {
		q.err = badValue("%s is empty; give a value or leave the parameter out", name)
	}
	return v
}

// number returns an integer value, or def when the parameter is absent.
func (q *queryParams) number(name string, def int64) int64 {
	v, ok := q.get(name)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		if q.err == nil {
			q.err = badValue("%s must be an integer, got %q", name, v)
		}
		return def
	}
	return n
}

// list returns a comma-separated list, nil when the parameter is absent.
func (q *queryParams) list(name string) []string {
	if v := q.text(name); v != "" {
		return splitList(v)
	}
	return nil
}

// listParams are the query parameters of RFC 7644 §3.4.2, from the URL or a
// POST /.search body. HasFilter tells a filter given empty, which is refused,
// from no filter at all.
type listParams struct {
	Filter            string
	HasFilter         bool
	StartIndex, Count int
	Attributes, Excl  []string
}

func parseListParams(r *http.Request) (listParams, error) {
	q := readQuery(r)
	p := listParams{
		StartIndex: int(q.number("startIndex", 1)),
		Count:      int(q.number("count", defaultCount)),
		Attributes: q.list("attributes"),
		Excl:       q.list("excludedAttributes"),
	}
	p.Filter, p.HasFilter = q.get("filter")
	if q.err != nil {
		return listParams{}, q.err
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

// parseSearchBody reads a POST /.search body (RFC 7644 §3.4.3) as strictly
// as a query string: a member given twice, in any case, is refused.
func (s *Server) parseSearchBody(w http.ResponseWriter, r *http.Request) (listParams, error) {
	p := listParams{StartIndex: 1, Count: defaultCount}
	b, err := s.readBody(w, r)
	if err != nil {
		return p, err
	}
	d, err := resource.Decode(b)
	if err != nil {
		return p, err
	}
	if err := checkRepeats(b); err != nil {
		return p, err
	}
	// What every request body is checked for (UTF-8, no other member given
	// twice), after checkRepeats so that a repeated filter stays an
	// invalidFilter. A search body is small: decoding it twice costs little.
	if _, err := resource.DecodeRequest(b); err != nil {
		return p, err
	}
	for k, v := range d {
		switch strings.ToLower(k) {
		case "filter":
			str, ok := v.(string)
			if !ok {
				return p, badValue("filter must be a string")
			}
			p.Filter, p.HasFilter = str, true
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

// checkRepeats refuses a search body that gives a parameter twice: decoded
// into a map, {"filter":"a","filter":"b"} would keep one of them silently.
// b is a JSON object that resource.Decode has accepted.
func checkRepeats(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := t.(string)
		key := strings.ToLower(name)
		switch key {
		case "filter", "startindex", "count", "attributes", "excludedattributes":
			if seen[key] {
				scimType := resource.ScimInvalidSyntax
				if key == "filter" {
					scimType = resource.ScimInvalidFilter
				}
				return &scimError{Status: http.StatusBadRequest, ScimType: scimType, Detail: name + " is given twice; give it at most once"}
			}
			seen[key] = true
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return nil
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
