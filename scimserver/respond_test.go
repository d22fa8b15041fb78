package scimserver

import (
	"net/http"
	"strings"
	"testing"
)

func TestPrefersPlainJSON(t *testing.T) {
	for _, tc := range []struct {
		accept string
		want   bool
	}{
		{"", false},
		{"*/*", false},
		{"application/*", false},
		{"application/scim+json", false},
		{"application/json", true},
		{"Application/JSON; charset=utf-8", true},
		{"application/json, application/scim+json", false}, // a tie goes to SCIM's own type
		{"application/scim+json;q=0.5, application/json", true},
		{"application/json;q=0.9, application/scim+json", false},
		{"application/json, */*;q=0.1", true},
		{"application/json;q=0.5, */*", false},         // */* also covers scim+json, at q=1
		{"application/scim+json;q=0, */*", true},       // the exact range wins over */*
		{"text/html", false},                           // neither: lenient, SCIM's type
		{"application/json;q=0, text/plain", false},    // neither
		{"application/json;q=abc", true},               // an unreadable q counts as 1
		{"text/plain, application/json ; q=1.0", true}, // spaces around parameters
	} {
		if got := prefersPlainJSON(tc.accept); got != tc.want {
			t.Errorf("prefersPlainJSON(%q) = %v, want %v", tc.accept, got, tc.want)
		}
	}
}

// TestAcceptNegotiation checks the media type of real responses — a list, a
// created resource, an error, the admin API — and that request bodies are
// read whatever JSON Content-Type they say they are.
func TestAcceptNegotiation(t *testing.T) {
	e := newEnv(t)
	do := func(method, path, accept, ctype, body string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+e.key)
		if strings.HasPrefix(path, AdminBasePath) {
			req.Header.Set("Authorization", "Bearer "+e.admin)
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		res, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	user := func(n string) string {
		return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"neg` + n + `@example.com","active":true}`
	}
	for _, tc := range []struct {
		name, method, path, accept, ctype, body string
		status                                  int
		want                                    string
	}{
		{"list, no Accept", "GET", SCIMBasePath + "/Users", "", "", "", 200, scimContentType},
		{"list, */*", "GET", SCIMBasePath + "/Users", "*/*", "", "", 200, scimContentType},
		{"list, application/json", "GET", SCIMBasePath + "/Users", "application/json", "", "", 200, jsonContentType},
		{"list, text/html (lenient)", "GET", SCIMBasePath + "/Groups", "text/html", "", "", 200, scimContentType},
		{"discovery, application/json", "GET", SCIMBasePath + "/ServiceProviderConfig", "application/json", "", "", 200, jsonContentType},
		{"create, JSON body and Accept", "POST", SCIMBasePath + "/Users", "application/json", "application/json", user("1"), 201, jsonContentType},
		{"create, JSON body with charset", "POST", SCIMBasePath + "/Users", "", "application/json; charset=utf-8", user("2"), 201, scimContentType},
		{"create, no Content-Type", "POST", SCIMBasePath + "/Users", "application/scim+json", "", user("3"), 201, scimContentType},
		{"error, application/json", "GET", SCIMBasePath + "/Users/nope", "application/json", "", "", 404, jsonContentType},
		{"error, no Accept", "GET", SCIMBasePath + "/Users/nope", "", "", "", 404, scimContentType},
		{"admin API, application/json", "GET", AdminBasePath + "/apikeys", "application/json", "", "", 200, jsonContentType},
	} {
		res := do(tc.method, tc.path, tc.accept, tc.ctype, tc.body)
		if res.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, res.StatusCode, tc.status)
		}
		if got := res.Header.Get("Content-Type"); got != tc.want {
			t.Errorf("%s: Content-Type %q, want %q", tc.name, got, tc.want)
		}
	}
	if res := do("GET", "/healthz", "application/json", "", ""); !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("/healthz with Accept application/json: Content-Type %q, want it left text/plain", res.Header.Get("Content-Type"))
	}
}
