package scimserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/visitly/hostsync/scimserver/resource"
)

// FuzzHandler sends arbitrary SCIM requests, seeded with every recorded
// one, to the whole handler on a real store. No request may cause a 5xx
// (but the 501 of /Bulk and /Me), and every 4xx carries an RFC 7644 error
// body whose status matches.
func FuzzHandler(f *testing.F) {
	e := newEnv(f)
	m := ids{}
	for _, ref := range []string{"{user}", "f648f8d5ea4e4cd38e9c", "u1091", "7f4bc1a3-285e-48ae-8202-5accb43efb0e", "00u1f96ECLNVOKVMUSEA"} {
		m[ref] = e.scim("POST", "/Users", userBody("fuzz-"+ref)).want(f, 201).get("id").(string)
	}
	m["{group}"] = e.scim("POST", "/Groups", `{"displayName":"fuzz"}`).want(f, 201).get("id").(string)
	m["00g1emaKYZTWRYYRRTSK"] = m["{group}"]
	for _, dir := range []string{"azuread", "okta"} {
		for _, name := range recordedNames(f, dir, "") {
			req := loadRecorded(f, name, m)
			f.Add(req.method, req.path, []byte(req.body))
		}
	}
	h := New(e.st, Options{})
	f.Fuzz(func(t *testing.T, method, path string, body []byte) {
		req, err := http.NewRequest(method, "http://hosts.example"+SCIMBasePath+path, bytes.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		req.Header.Set("Authorization", "Bearer "+e.key)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		code := w.Code
		if code >= 500 && code != http.StatusNotImplemented {
			t.Fatalf("%s %s: %d\n%s", method, path, code, w.Body)
		}
		if code < 400 {
			return
		}
		var eb struct {
			Schemas []string
			Status  string
			Detail  string
		}
		if err := json.Unmarshal(w.Body.Bytes(), &eb); err != nil {
			t.Fatalf("%s %s: %d without a JSON error body: %v\n%s", method, path, code, err, w.Body)
		}
		if len(eb.Schemas) != 1 || eb.Schemas[0] != resource.ErrorSchema || eb.Status != strconv.Itoa(code) {
			t.Fatalf("%s %s: %d with a body that is not a SCIM error: %s", method, path, code, w.Body)
		}
		if code != http.StatusNotFound && eb.Detail == "" {
			t.Fatalf("%s %s: %d without a detail", method, path, code)
		}
	})
}
