package scimserver

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/visitly/hostsync/scimserver/resource"
)

// listWriter builds a ListResponse directly as bytes: resources arrive already
// encoded (the store keeps canonical JSON), so a 1,000-host page is spliced, not
// decoded and re-encoded.
type listWriter struct {
	buf     []byte
	n       int
	p       listParams
	project bool
	tmp     []byte
}

func newListWriter(total, rows int, p listParams) *listWriter {
	lw := &listWriter{p: p, project: len(p.Attributes) > 0 || len(p.Excl) > 0}
	lw.buf = make([]byte, 0, 256+rows*1300) // sized by what is returned, not by count
	lw.buf = append(lw.buf, `{"schemas":["`+resource.ListResponseSchema+`"],"totalResults":`...)
	lw.buf = strconv.AppendInt(lw.buf, int64(total), 10)
	lw.buf = append(lw.buf, `,"Resources":[`...)
	return lw
}

// scratch returns a reusable buffer for encoding one resource.
func (lw *listWriter) scratch() []byte { return lw.tmp[:0] }

// add appends one encoded resource.
func (lw *listWriter) add(res []byte) {
	lw.tmp = res
	if lw.project {
		res = project(res, lw.p)
	}
	if lw.n > 0 {
		lw.buf = append(lw.buf, ',')
	}
	lw.buf = append(lw.buf, res...)
	lw.n++
}

func (lw *listWriter) finish() []byte {
	lw.buf = append(lw.buf, `],"startIndex":`...)
	lw.buf = strconv.AppendInt(lw.buf, int64(lw.p.StartIndex), 10)
	lw.buf = append(lw.buf, `,"itemsPerPage":`...)
	lw.buf = strconv.AppendInt(lw.buf, int64(lw.n), 10)
	return append(lw.buf, '}')
}

// project applies attributes/excludedAttributes to one encoded resource.
func project(raw []byte, p listParams) []byte {
	d, err := resource.Decode(raw)
	if err != nil {
		return raw
	}
	out, err := json.Marshal(resource.Project(d, p.Attributes, p.Excl))
	if err != nil {
		return raw
	}
	return out
}

// baseURL is the service's own URL for meta.location: the configured public
// URL, else what the client used to reach us.
func (s *Server) baseURL(r *http.Request) string {
	if s.opt.PublicURL != "" {
		return s.opt.PublicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if fp := r.Header.Get("X-Forwarded-Proto"); fp == "https" || fp == "http" {
		scheme = fp
	}
	return scheme + "://" + r.Host
}
