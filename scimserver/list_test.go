package scimserver

import (
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLargePagesStreamAndSmallOnesKeepTheirLength: a page larger than a
// piece goes out chunked and whole; a small one still says its length.
func TestLargePagesStreamAndSmallOnesKeepTheirLength(t *testing.T) {
	e := newEnv(t)
	pad := strings.Repeat("x", 1500)
	for i := range 40 {
		body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u%d@contoso.example","active":true,"title":%q}`, i, pad)
		e.scim("POST", "/Users", body).want(t, 201)
	}
	big := e.scim("GET", "/Users?count=100", "").want(t, 200)
	if len(big.Raw) < pageFlushAt {
		t.Fatalf("page is %d bytes, want more than a piece", len(big.Raw))
	}
	if n := len(big.get("Resources").([]any)); n != 40 || big.get("itemsPerPage") != float64(40) {
		t.Errorf("streamed page has %d resources, itemsPerPage %v", n, big.get("itemsPerPage"))
	}
	if cl := big.Header.Get("Content-Length"); cl != "" {
		t.Errorf("large page has Content-Length %s, want it streamed", cl)
	}
	small := e.scim("GET", "/Users?count=2", "").want(t, 200)
	if cl := small.Header.Get("Content-Length"); cl != strconv.Itoa(len(small.Raw)) {
		t.Errorf("small page: Content-Length %q for %d bytes", cl, len(small.Raw))
	}
}

// TestLargePagesTakeTurns: while maxLargePages large pages are in the works
// (clients that do not read hold theirs), another waits, then gets a 503
// with Retry-After; a page of the default size is not held up.
func TestLargePagesTakeTurns(t *testing.T) {
	old := largePageWait
	largePageWait = 200 * time.Millisecond
	t.Cleanup(func() { largePageWait = old })
	e := newEnv(t)
	srv := New(e.st, Options{})
	for range maxLargePages {
		srv.pages <- struct{}{} // as if eight stuck clients held theirs
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	for _, path := range []string{"/Users?count=1000", "/Groups?count=101"} {
		r := e.call("GET", hs.URL+SCIMBasePath+path, "", e.key)
		r.wantError(t, 503, "")
		if got := r.Header.Get("Retry-After"); got != "5" {
			t.Errorf("%s: Retry-After %q", path, got)
		}
	}
	e.call("GET", hs.URL+SCIMBasePath+"/Users?filter=userName+eq+%22x%22", "", e.key).want(t, 200)
	e.call("GET", hs.URL+SCIMBasePath+"/Users?count=100", "", e.key).want(t, 200)
	<-srv.pages // one finishes
	e.call("GET", hs.URL+SCIMBasePath+"/Users?count=1000", "", e.key).want(t, 200)
}
