package scimserver

import (
	"net/url"
	"testing"
)

// TestAdminRoutesAnswerInTheErrorSchema: a wrong method is a 405 that says
// which methods the path takes, an unknown path a 404, both in the SCIM error
// schema the console decodes, and neither without the admin credential.
func TestAdminRoutesAnswerInTheErrorSchema(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"DELETE", "/status", 405, "GET"},
		{"PUT", "/apikeys", 405, "GET, POST"},
		{"GET", "/apikeys/1/revoke", 405, "POST"},
		{"POST", "/hosts", 405, "GET"},
		{"DELETE", "/hosts/abc", 405, "GET"},
		{"GET", "/hosts/abc/restore", 405, "POST"},
		{"PATCH", "/activity", 405, "GET, POST"},
		{"POST", "/changes", 405, "GET"},
		{"GET", "", 404, ""},
		{"GET", "/", 404, ""},
		{"GET", "/nope", 404, ""},
		{"GET", "/hosts/abc/def", 404, ""},
		{"POST", "/apikeys/1/revoke/now", 404, ""},
		{"GET", "/STATUS", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := e.adm(tt.method, tt.path, "")
			r.wantError(t, tt.status, "")
			if got := r.Header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			e.call(tt.method, AdminBasePath+tt.path, "", "").wantError(t, 401, "")
			e.call(tt.method, AdminBasePath+tt.path, "", e.key).wantError(t, 401, "")
		})
	}
}

// TestAdminRouteIDsAreUnescaped: an id travels path-escaped, as scimclient
// sends it, and reaches the store as it was.
func TestAdminRouteIDsAreUnescaped(t *testing.T) {
	e := newEnv(t)
	r := e.adm("GET", "/hosts/"+url.PathEscape("a b/c"), "")
	r.wantError(t, 404, "")
	if got := r.get("detail"); got != `host a b/c not found` {
		t.Errorf("detail = %v", got)
	}
	id := e.scim("POST", "/Users", userBody("ada@contoso.example")).want(t, 201).get("id").(string)
	e.scim("DELETE", "/Users/"+id, "").want(t, 204)
	e.adm("GET", "/hosts/"+id, "").want(t, 200)
	if got := e.adm("POST", "/hosts/"+id+"/restore", "").want(t, 200).get("state"); got != "active" {
		t.Errorf("restored host's state = %v", got)
	}
}
