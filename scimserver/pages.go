package scimserver

import (
	"net/http"
	"strconv"
	"time"
)

// A page of more than the default 100 resources (up to 1,000 hosts, ~2 MB)
// is built from that many hosts read into memory, and they stay there until
// the page is written; a client that does not read keeps them for up to
// WriteStallTimeout. So at most maxLargePages such pages are in the works at
// once; a request for another waits up to largePageWait for its turn, then
// gets a 503 with Retry-After. Azure AD's own queries (a filter, the default
// count) are never held up.
const (
	maxLargePages = 8
	retryAfter    = 5 * time.Second
)

// largePageWait is how long a large page waits for its turn; tests shorten it.
var largePageWait = 5 * time.Second

// defaultCount is the page size when a request names none.
const defaultCount = 100

// largePage waits for a turn to build a page of count resources and
// returns what ends it; small pages need none.
func (s *Server) largePage(w http.ResponseWriter, r *http.Request, count int) (release func(), err error) {
	if count <= defaultCount {
		return func() {}, nil
	}
	t := time.NewTimer(largePageWait)
	defer t.Stop()
	select {
	case s.pages <- struct{}{}:
		return func() { <-s.pages }, nil
	case <-t.C:
		w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
		return nil, &scimError{Status: http.StatusServiceUnavailable,
			Detail: "too many large pages are being served; retry shortly, or ask for fewer resources per page (count)"}
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
}
