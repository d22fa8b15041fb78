package scimserver

import (
	"fmt"
	"strings"
	"testing"
)

// Bodies encoding/json would read one way and a careful reader another:
// bytes that are not UTF-8 (stored as U+FFFD), lone surrogate escapes (the
// same), a member given twice (the last one won). Each is a 400 that says
// where, and changes nothing.
func TestBodiesThatReadTwoWaysAreRefused(t *testing.T) {
	e := newEnv(t)
	uid := e.createUser(userBody("kept")).get("id").(string)
	gid := e.scim("POST", "/Groups", `{"displayName":"Kept"}`).want(t, 201).get("id").(string)
	before := e.scim("GET", "/Users/"+uid, "").Raw
	var many []string
	for i := range 40 {
		many = append(many, fmt.Sprintf(`"k%d":%d`, i, i))
	}
	tests := []struct {
		name, method, path, body string
		scimType                 string
		mentions                 []string
	}{
		{"a byte that is not UTF-8 in userName", "POST", "/Users", "{\"userName\":\"ann\xff@contoso.example\"}",
			"invalidSyntax", []string{"UTF-8", "0xFF", "line 1, column 17"}},
		{"an overlong encoding of /", "POST", "/Users", "{\"userName\":\"ann\xc0\xaf\"}",
			"invalidSyntax", []string{"UTF-8", "0xC0"}},
		{"a surrogate encoded as UTF-8", "POST", "/Users", "{\"userName\":\"ann\xed\xa0\x80\"}",
			"invalidSyntax", []string{"UTF-8", "0xED"}},
		{"Latin-1 on a second line", "POST", "/Users", "{\"userName\":\"ann\",\n \"displayName\":\"Ren\xe9\"}",
			"invalidSyntax", []string{"UTF-8", "0xE9", "line 2, column 20"}},
		{"a lone high surrogate escape", "POST", "/Users", `{"userName":"ann\ud800"}`,
			"invalidSyntax", []string{`\uD800`, "surrogate", "line 1, column 17"}},
		{"a lone low surrogate escape", "POST", "/Users", `{"userName":"a","displayName":"\uDC00Ann"}`,
			"invalidSyntax", []string{`\uDC00`, "surrogate"}},
		{"two high surrogates", "POST", "/Users", `{"userName":"\ud83d\ud83d"}`,
			"invalidSyntax", []string{`\uD83D`, "surrogate"}},
		{"userName twice", "POST", "/Users", `{"userName":"ann","userName":"bob"}`,
			"invalidSyntax", []string{`"userName"`, "twice", "column 2", "column 19"}},
		{"userName twice, once escaped", "POST", "/Users", `{"userName":"ann","user\u004eame":"bob"}`,
			"invalidSyntax", []string{`"userName"`, "twice"}},
		{"givenName twice inside name", "POST", "/Users", `{"userName":"ann","name":{"givenName":"Ann","givenName":"Bob"}}`,
			"invalidSyntax", []string{`"givenName"`, "twice"}},
		{"value twice in an email", "POST", "/Users", `{"userName":"ann","emails":[{"type":"work","value":"a@x","value":"b@x"}]}`,
			"invalidSyntax", []string{`"value"`, "twice"}},
		{"a name twice in an unknown extension of 41 members", "POST", "/Users", `{"userName":"ann","urn:example:ext":{` + strings.Join(many, ",") + `,"k2":0}}`,
			"invalidSyntax", []string{`"k2"`, "twice"}},
		{"active twice in a PUT", "PUT", "/Users/" + uid, `{"userName":"kept","active":true,"active":false}`,
			"invalidSyntax", []string{`"active"`, "twice"}},
		{"op twice in a PATCH operation", "PATCH", "/Users/" + uid, patchBody(`{"op":"Replace","op":"Remove","path":"displayName","value":"X"}`),
			"invalidSyntax", []string{`"op"`, "twice"}},
		{"value twice in a PATCH operation", "PATCH", "/Users/" + uid, patchBody(`{"op":"Replace","path":"displayName","value":"X","value":"Y"}`),
			"invalidSyntax", []string{`"value"`, "twice"}},
		{"not UTF-8 in a PATCH value", "PATCH", "/Users/" + uid, patchBody("{\"op\":\"Replace\",\"path\":\"displayName\",\"value\":\"\xfe\"}"),
			"invalidSyntax", []string{"UTF-8", "0xFE"}},
		{"a lone surrogate in a PATCH path filter", "PATCH", "/Users/" + uid, patchBody(`{"op":"Replace","path":"emails[value eq \"\udfff\"].value","value":"x@y"}`),
			"invalidSyntax", []string{`\uDFFF`}},
		{"displayName twice in a group", "POST", "/Groups", `{"displayName":"A","displayName":"B"}`,
			"invalidSyntax", []string{`"displayName"`, "twice"}},
		{"members twice in a group PUT", "PUT", "/Groups/" + gid, `{"displayName":"Kept","members":[],"members":[{"value":"` + uid + `"}]}`,
			"invalidSyntax", []string{`"members"`, "twice"}},
		{"schemas twice in a search", "POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"schemas":[]}`,
			"invalidSyntax", []string{`"schemas"`, "twice"}},
		{"not UTF-8 in a search filter", "POST", "/Users/.search", "{\"filter\":\"userName eq \\\"\xff\\\"\"}",
			"invalidSyntax", []string{"UTF-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.scim(tt.method, tt.path, tt.body)
			r.wantError(t, 400, tt.scimType)
			detail, _ := r.get("detail").(string)
			for _, m := range tt.mentions {
				if !strings.Contains(detail, m) {
					t.Errorf("detail %q does not mention %q", detail, m)
				}
			}
		})
	}
	equal(t, "hosts", e.scim("GET", "/Users", "").get("totalResults"), 1.0)
	equal(t, "groups", e.scim("GET", "/Groups", "").get("totalResults"), 1.0)
	equal(t, "the user", e.scim("GET", "/Users/"+uid, "").Raw, before)
	equal(t, "the group's members", e.scim("GET", "/Groups/"+gid, "").get("members"), []any{})
}

// What is not a second reading of the body stays accepted: one name in
// different objects, a surrogate pair, U+FFFD sent as itself.
func TestBodiesThatReadOneWayAreAccepted(t *testing.T) {
	e := newEnv(t)
	r := e.createUser(`{"userName":"ann","emails":[{"type":"work","value":"a@x"},{"type":"home","value":"b@x"}],"displayName":"Ann \ud83d\ude00","title":"\ufffd"}`)
	equal(t, "displayName", r.get("displayName"), "Ann \U0001F600")
	equal(t, "title", r.get("title"), "\ufffd")
	e.scim("PATCH", "/Users/"+r.get("id").(string), patchBody(`{"op":"Replace","path":"title","value":"A"},{"op":"Replace","path":"nickName","value":"B"}`)).want(t, 200)
}

// The admin API's bodies are held to the same rules.
func TestAdminBodiesThatReadTwoWaysAreRefused(t *testing.T) {
	e := newEnv(t)
	for _, body := range []string{
		`{"label":"Okta","label":"Azure AD"}`,
		"{\"label\":\"Ok\xffta\"}",
		`{"label":"Okta\udc00"}`,
	} {
		e.adm("POST", "/apikeys", body).wantError(t, 400, "invalidSyntax")
	}
	equal(t, "keys", len(e.adm("GET", "/apikeys", "").want(t, 200).get("keys").([]any)), 1)
	e.adm("POST", "/apikeys", `{"label":"Okta"}`).want(t, 201)
}
