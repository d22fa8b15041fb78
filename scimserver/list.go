package scimserver

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/visitly/hostsync/scimserver/resource"
)

// listWriter writes a ListResponse directly as bytes: resources arrive already
// encoded (the store keeps canonical JSON), so a 1,000-host page is spliced, not
// decoded and re-encoded. A page that fits in pageFlushAt goes out in one
// piece with its Content-Length; a larger one is streamed (chunked) in pieces
// of about that size, so that a client that does not read holds up one piece
// of memory, not a 2 MB page.
type listWriter struct {
	w       http.ResponseWriter
	buf     []byte
	n       int
	p       listParams
	project bool
	tmp     []byte
	started bool  // part of the page is on the wire
	err     error // the client went away or stalled: the rest is not written
}

// pageFlushAt is the size of the pieces a large page is written in.
const pageFlushAt = 32 << 10

func newListWriter(w http.ResponseWriter, total, rows int, p listParams) *listWriter {
	lw := &listWriter{w: w, p: p, project: len(p.Attributes) > 0 || len(p.Excl) > 0}
	lw.buf = make([]byte, 0, min(256+rows*1300, pageFlushAt+4<<10)) // sized by what is returned, not by count
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
	if lw.err != nil {
		return
	}
	if lw.project {
		res = project(res, lw.p)
	}
	if lw.n > 0 {
		lw.buf = append(lw.buf, ',')
	}
	lw.buf = append(lw.buf, res...)
	lw.n++
	if len(lw.buf) >= pageFlushAt {
		lw.flush()
	}
}

func (lw *listWriter) flush() {
	if !lw.started {
		lw.w.Header().Set("Content-Type", scimContentType)
		lw.w.WriteHeader(http.StatusOK)
		lw.started = true
	}
	if lw.err == nil {
		_, lw.err = lw.w.Write(lw.buf)
	}
	lw.buf = lw.buf[:0]
}

// finish writes the end of the page.
func (lw *listWriter) finish() {
	lw.buf = append(lw.buf, `],"startIndex":`...)
	lw.buf = strconv.AppendInt(lw.buf, int64(lw.p.StartIndex), 10)
	lw.buf = append(lw.buf, `,"itemsPerPage":`...)
	lw.buf = strconv.AppendInt(lw.buf, int64(lw.n), 10)
	lw.buf = append(lw.buf, '}')
	if !lw.started {
		writeRaw(lw.w, http.StatusOK, lw.buf)
		return
	}
	lw.flush()
}

// fail answers err when nothing of the page has been sent; otherwise it
// aborts the response, so that the client sees a broken page, never a short
// one that looks whole.
func (lw *listWriter) fail(err error) {
	if !lw.started {
		writeError(lw.w, err)
		return
	}
	logFault(lw.w, err)
	panic(http.ErrAbortHandler)
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
