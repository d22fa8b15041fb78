package scimserver

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
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
