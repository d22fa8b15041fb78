package scimserver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// manyEmails is a user body with n distinct emails.
func manyEmails(userName string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"emails":[`, userName)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"work","value":"e%d@contoso.example"}`, i)
	}
	b.WriteString(`]}`)
	return b.String()
}

// members is a member list of n ids.
func members(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"value":"m%d"}`, i)
	}
	return b.String()
}

func TestRequestsAreBounded(t *testing.T) {
	e := newEnv(t)
	equal(t, "1,000 emails are accepted", len(e.createUser(manyEmails("thousand", 1000)).get("emails").([]any)), 1000)
	e.scim("POST", "/Users", manyEmails("too-many", 1001)).wantError(t, 400, "invalidValue")
	equal(t, "nothing stored for the refused user", e.scim("GET", "/Users?"+filterQ(`userName eq "too-many"`), "").get("totalResults"), 0.0)

	id := e.createUser(userBody("pat")).get("id").(string)
	before := e.scim("GET", "/Users/"+id, "").Body
	var ops []string
	for i := range 1001 {
		ops = append(ops, fmt.Sprintf(`{"op":"add","path":"emails[type eq \"t%d\"].value","value":"e%d@x"}`, i, i))
	}
	e.scim("PATCH", "/Users/"+id, patchBody(strings.Join(ops, ","))).wantError(t, 400, "invalidValue")
	equal(t, "user after the refused PATCH", e.scim("GET", "/Users/"+id, "").Body, before)

	r := e.scim("POST", "/Groups", `{"displayName":"Big","members":[`+members(10001)+`]}`)
	r.wantError(t, 400, "invalidValue")
	if d := r.get("detail").(string); !strings.Contains(d, "10000") {
		t.Errorf("detail %q does not state the limit", d)
	}
	equal(t, "no group stored", e.scim("GET", "/Groups", "").get("totalResults"), 0.0)
	gid := e.scim("POST", "/Groups", `{"displayName":"G"}`).want(t, 201).get("id").(string)
	e.scim("PATCH", "/Groups/"+gid, patchBody(`{"op":"add","path":"members","value":[`+members(6000)+`]},{"op":"add","path":"members","value":[`+members(4001)+`]}`)).
		wantError(t, 400, "invalidValue")
}

func TestBlankAndInvisibleNamesAreRefused(t *testing.T) {
	e := newEnv(t)
	for _, body := range []string{
		`{"userName":"   "}`,
		`{"userName":"\t"}`,
		`{"userName":"a\u0000b"}`,
		`{"userName":"ada@contoso.example\n"}`,
		`{"userName":"\u0007"}`,
		`{"userName":"\u200b"}`,
		`{"userName":"ok","displayName":" "}`,
		`{"userName":"ok","displayName":"Ada\u001b[31m"}`,
	} {
		t.Run(body, func(t *testing.T) {
			e.scim("POST", "/Users", body).wantError(t, 400, "invalidValue")
		})
	}
	equal(t, "nothing stored", e.scim("GET", "/Users", "").get("totalResults"), 0.0)
	e.scim("POST", "/Groups", `{"displayName":"\t"}`).wantError(t, 400, "invalidValue")
	id := e.createUser(userBody("ok")).get("id").(string)
	e.scim("PATCH", "/Users/"+id, patchBody(`{"op":"Replace","path":"userName","value":"  "}`)).wantError(t, 400, "invalidValue")
}

func TestUserNameIsTrimmedBeforeUniqueness(t *testing.T) {
	e := newEnv(t)
	r := e.createUser(`{"userName":" a@x ","displayName":" Ada "}`)
	equal(t, "userName", r.get("userName"), "a@x")
	equal(t, "displayName", r.get("displayName"), "Ada")
	e.scim("POST", "/Users", `{"userName":"a@x"}`).wantError(t, 409, "uniqueness")
	equal(t, "found by the trimmed name", e.scim("GET", "/Users?"+filterQ(`userName eq "a@x"`), "").get("totalResults"), 1.0)
}

func TestTwoWorkEmailsAreKept(t *testing.T) {
	e := newEnv(t)
	r := e.createUser(`{"userName":"okta","emails":[{"type":"work","value":"first@x"},{"type":"work","value":"second@x","primary":true}]}`)
	equal(t, "emails", r.get("emails"), []any{
		map[string]any{"type": "work", "value": "first@x"},
		map[string]any{"type": "work", "value": "second@x", "primary": true},
	})
	id := r.get("id").(string)
	equal(t, "the host's email is the primary one", e.adm("GET", "/hosts/"+id, "").want(t, 200).get("email"), "second@x")
	r = e.createUser(`{"userName":"onelogin","emails":[{"type":"home","value":"h@x"},{"type":"work","value":"w1@x"},{"type":"work","value":"w2@x"}]}`)
	equal(t, "else the first work one", e.adm("GET", "/hosts/"+r.get("id").(string), "").want(t, 200).get("email"), "w1@x")
	e.scim("PATCH", "/Users/"+id, patchBody(`{"op":"replace","path":"emails","value":[{"type":"work","value":"a@x"},{"type":"work","value":"b@x"}]}`)).want(t, 200)
}

func TestReadOnlyAttributesChangeOnlyWithA400(t *testing.T) {
	e := newEnv(t)
	id := e.createUser(userBody("ro")).get("id").(string)
	for _, tt := range []struct {
		name, ops string
		status    int
	}{
		{"its own id", `{"op":"replace","path":"id","value":"` + id + `"}`, 200},
		{"another id", `{"op":"replace","path":"id","value":"other"}`, 400},
		{"path-less with its own id", `{"op":"replace","value":{"id":"` + id + `","title":"T"}}`, 200},
		{"path-less with another id", `{"op":"replace","value":{"id":"other","title":"T"}}`, 400},
		{"meta as it is", `{"op":"replace","path":"meta","value":{"resourceType":"User","created":"2019-09-18T18:15:26Z"}}`, 200},
		{"another resourceType", `{"op":"replace","path":"meta.resourceType","value":"Group"}`, 400},
		{"schemas naming the User schema", `{"op":"replace","path":"schemas","value":["urn:ietf:params:scim:schemas:core:2.0:User"]}`, 200},
		{"schemas of a Group", `{"op":"replace","path":"schemas","value":["urn:ietf:params:scim:schemas:core:2.0:Group"]}`, 400},
	} {
		t.Run("PATCH "+tt.name, func(t *testing.T) {
			r := e.scim("PATCH", "/Users/"+id, patchBody(tt.ops))
			if tt.status == 400 {
				r.wantError(t, 400, "mutability")
				return
			}
			r.want(t, tt.status)
		})
	}
	put := func(extra string) resp {
		return e.scim("PUT", "/Users/"+id, `{"userName":"ro",`+extra+`}`)
	}
	put(`"id":"`+id+`","meta":{"resourceType":"User","lastModified":"2019-09-18T18:15:26Z"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]`).want(t, 200)
	put(`"id":"other"`).wantError(t, 400, "mutability")
	put(`"meta":{"resourceType":"Group"}`).wantError(t, 400, "mutability")
	put(`"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]`).wantError(t, 400, "mutability")
	equal(t, "id unchanged", e.scim("GET", "/Users/"+id, "").want(t, 200).get("id"), id)

	// Okta repeats the group's own id in every membership PATCH.
	gid := e.scim("POST", "/Groups", `{"displayName":"Okta"}`).want(t, 201).get("id").(string)
	e.scim("PATCH", "/Groups/"+gid, patchBody(`{"op":"replace","value":{"id":"`+gid+`","displayName":"Okta 2"}}`)).want(t, 204)
	equal(t, "renamed", e.scim("GET", "/Groups/"+gid, "").get("displayName"), "Okta 2")
	e.scim("PATCH", "/Groups/"+gid, patchBody(`{"op":"replace","value":{"id":"`+id+`","displayName":"Okta 3"}}`)).wantError(t, 400, "mutability")
	e.scim("PUT", "/Groups/"+gid, `{"id":"`+gid+`","displayName":"Okta 4"}`).want(t, 200)
	e.scim("PUT", "/Groups/"+gid, `{"id":"x","displayName":"Okta 5"}`).wantError(t, 400, "mutability")
}

// TestGoneClientStoresNothing sends requests whose client has already
// gone: the handler stops instead of storing.
func TestGoneClientStoresNothing(t *testing.T) {
	e := newEnv(t)
	h := New(e.st, Options{})
	id := e.createUser(userBody("stay")).get("id").(string)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, req := range []struct{ method, path, body string }{
		{"POST", "/Users", userBody("gone")},
		{"PATCH", "/Users/" + id, patchBody(`{"op":"replace","path":"title","value":"gone"}`)},
		{"POST", "/Groups", `{"displayName":"gone"}`},
	} {
		r := httptest.NewRequestWithContext(ctx, req.method, SCIMBasePath+req.path, strings.NewReader(req.body))
		r.Header.Set("Authorization", "Bearer "+e.key)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusServiceUnavailable {
			t.Errorf("%s %s with a cancelled context: %d, want 503; %s", req.method, req.path, w.Code, w.Body)
		}
	}
	equal(t, "no user created", e.scim("GET", "/Users?"+filterQ(`userName eq "gone"`), "").get("totalResults"), 0.0)
	equal(t, "user not changed", e.scim("GET", "/Users/"+id, "").get("title"), nil)
	equal(t, "no group created", e.scim("GET", "/Groups", "").get("totalResults"), 0.0)
}
