package scimserver

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/visitly/hostsync"
)

// Text that looks like one thing and is another: control characters in any
// attribute, invisible format characters in a name, a name longer than a
// kilobyte. Each is a 400 invalidValue naming the attribute and the code
// point, and stores nothing.
func TestTextThatLooksLikeSomethingElseIsRefused(t *testing.T) {
	e := newEnv(t)
	uid := e.createUser(userBody("kept")).get("id").(string)
	gid := e.scim("POST", "/Groups", `{"displayName":"Kept"}`).want(t, 201).get("id").(string)
	before := e.scim("GET", "/Users/"+uid, "").Raw
	long := strings.Repeat("a", 1025)
	tests := []struct {
		name, method, path, body string
		mentions                 []string
	}{
		{"a NUL in givenName", "POST", "/Users", `{"userName":"ann","name":{"givenName":"A\u0000nn"}}`, []string{"name.givenName", "U+0000", "control"}},
		{"an escape sequence in title", "POST", "/Users", `{"userName":"ann","title":"\u001b[2J"}`, []string{"title", "U+001B"}},
		{"a C1 control in department", "POST", "/Users", `{"userName":"ann","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R\u0085D"}}`,
			[]string{"enterprise:2.0:User:department", "U+0085"}},
		{"DEL in a phone number", "POST", "/Users", `{"userName":"ann","phoneNumbers":[{"type":"work","value":"555\u007f"}]}`, []string{"phoneNumbers[0].value", "U+007F"}},
		{"a NUL in a postal address", "POST", "/Users", `{"userName":"ann","addresses":[{"type":"work","formatted":"1 Main St\u0000"}]}`,
			[]string{"addresses[0].formatted", "U+0000", "only tabs and line breaks"}},
		{"a right-to-left override in displayName", "POST", "/Users", `{"userName":"ann","displayName":"Ann \u202egnp.exe"}`,
			[]string{"displayName", "U+202E", "bidirectional", "character 5"}},
		{"a left-to-right isolate in familyName", "POST", "/Users", `{"userName":"ann","name":{"familyName":"\u2066Smith\u2069"}}`, []string{"name.familyName", "U+2066", "bidirectional"}},
		{"a zero-width space in userName", "POST", "/Users", `{"userName":"an\u200bn@contoso.example"}`, []string{"userName", "U+200B", "zero-width"}},
		{"a zero-width joiner in nickName", "POST", "/Users", `{"userName":"ann","nickName":"A\u200dnn"}`, []string{"nickName", "U+200D"}},
		{"a word joiner in an email", "POST", "/Users", `{"userName":"ann","emails":[{"type":"work","value":"ann\u2060@contoso.example"}]}`, []string{"emails[0].value", "U+2060"}},
		{"a byte order mark in externalId", "POST", "/Users", `{"userName":"ann","externalId":"\ufeffann"}`, []string{"externalId", "U+FEFF"}},
		{"a soft hyphen in userName", "POST", "/Users", `{"userName":"an\u00adn"}`, []string{"userName", "U+00AD", "invisible"}},
		{"a line separator in formatted name", "POST", "/Users", `{"userName":"ann","name":{"formatted":"Ann\u2028Lee"}}`, []string{"name.formatted", "U+2028"}},
		{"a userName of 1,025 bytes", "POST", "/Users", `{"userName":"` + long + `"}`, []string{"userName", "1025 bytes", "at most 1024"}},
		{"a userName of 100,000 characters", "POST", "/Users", `{"userName":"` + strings.Repeat("é", 100000) + `"}`, []string{"userName", "200000 bytes"}},
		{"a givenName of 1,025 bytes", "POST", "/Users", `{"userName":"ann","name":{"givenName":"` + long + `"}}`, []string{"name.givenName", "at most 1024"}},
		{"a group named with a right-to-left override", "POST", "/Groups", `{"displayName":"Staff\u202e"}`, []string{"displayName", "U+202E"}},
		{"a group externalId with a zero-width space", "POST", "/Groups", `{"displayName":"Staff","externalId":"s\u200b"}`, []string{"externalId", "U+200B"}},
		{"a group renamed by PATCH to a 1,025-byte name", "PATCH", "/Groups/" + gid, patchBody(`{"op":"Replace","path":"displayName","value":"` + long + `"}`), []string{"displayName", "1025"}},
		{"a PATCH that sets a bidi override", "PATCH", "/Users/" + uid, patchBody(`{"op":"Replace","path":"displayName","value":"\u202dKept"}`), []string{"displayName", "U+202D"}},
		{"a path-less PATCH that sets a NUL", "PATCH", "/Users/" + uid, patchBody(`{"op":"Replace","value":{"name.givenName":"K\u0000"}}`), []string{"name.givenName", "U+0000"}},
		{"a PATCH that adds an email with a zero-width space", "PATCH", "/Users/" + uid, patchBody(`{"op":"Add","path":"emails[type eq \"home\"].value","value":"k\u200b@x"}`), []string{"emails[1].value", "U+200B"}},
		{"a PUT with a NUL in title", "PUT", "/Users/" + uid, `{"userName":"kept","title":"T\u0000"}`, []string{"title", "U+0000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.scim(tt.method, tt.path, tt.body)
			r.wantError(t, 400, "invalidValue")
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
	equal(t, "the group's name", e.scim("GET", "/Groups/"+gid, "").get("displayName"), "Kept")
}

// What real directories hold stays accepted: line breaks in a postal
// address (Azure AD's own examples send them), any script, emoji, a
// bidi override outside names, a name of exactly 1,024 bytes.
func TestRealTextIsAccepted(t *testing.T) {
	e := newEnv(t)
	name := strings.Repeat("a", 1014) + "@x.example"
	r := e.createUser(`{"userName":"` + name + `","displayName":"\u0639\u0644\u064a \u05d3\u05d5\u05d3 \u674e\u96f7 \ud83d\ude00",
		"title":"\u202eodd but not a name","addresses":[{"type":"work","formatted":"1 Main St\r\nSpringfield\tIL","streetAddress":"1 Main St\nSuite 2"}]}`)
	equal(t, "userName", r.get("userName"), name)
	equal(t, "formatted", r.get("addresses.0.formatted"), "1 Main St\r\nSpringfield\tIL")
	equal(t, "streetAddress", r.get("addresses.0.streetAddress"), "1 Main St\nSuite 2")
	equal(t, "title", r.get("title"), "\u202eodd but not a name")
}

// Text people read is stored in normalization form C, so é is one code
// point however it was typed; identifiers a client matches byte for byte
// (externalId) are kept as sent.
func TestNamesAreStoredInNFC(t *testing.T) {
	e := newEnv(t)
	r := e.createUser(`{"userName":"jose\u0301@contoso.example","displayName":"Jose\u0301","name":{"givenName":"Jose\u0301"},"externalId":"jose\u0301","title":"Re\u0301gisseur"}`)
	equal(t, "userName", r.get("userName"), "jos\u00e9@contoso.example")
	equal(t, "displayName", r.get("displayName"), "Jos\u00e9")
	equal(t, "givenName", r.get("name.givenName"), "Jos\u00e9")
	equal(t, "title", r.get("title"), "R\u00e9gisseur")
	equal(t, "externalId", r.get("externalId"), "jose\u0301")
	id := r.get("id").(string)
	for _, f := range []string{`userName eq "jose\u0301@contoso.example"`, `userName eq "jos\u00e9@contoso.example"`, `displayName eq "Jose\u0301"`, `name.givenName eq "Jose\u0301"`} {
		equal(t, f, e.scim("GET", "/Users?"+filterQ(f), "").get("Resources.0.id"), id)
	}
	e.scim("PATCH", "/Users/"+id, patchBody(`{"op":"Replace","path":"nickName","value":"Jose\u0301"}`)).want(t, 200)
	equal(t, "nickName after PATCH", e.scim("GET", "/Users/"+id, "").get("nickName"), "Jos\u00e9")
}

// A host stored before these rules keeps working: a PATCH that does not
// touch its odd text (Azure AD's deactivation) succeeds, one that sets new
// odd text does not.
func TestTextStoredBeforeTheRulesDoesNotBlockAPatch(t *testing.T) {
	e := newEnv(t)
	attrs := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"legacy","active":true,
		"displayName":"Legacy\u202e","name":{"givenName":"Leg\u0000acy"},"nickName":"` + strings.Repeat("n", 2000) + `"}`
	h, err := e.st.CreateHost(context.Background(), hostsync.Actor{Kind: "cli"}, &hostsync.HostRecord{UserName: "legacy", DisplayName: "Legacy\u202e", Active: true, Attrs: json.RawMessage(attrs)})
	if err != nil {
		t.Fatal(err)
	}
	r := e.scim("PATCH", "/Users/"+h.ID, patchBody(`{"op":"Replace","path":"active","value":"False"}`)).want(t, 200)
	equal(t, "active", r.get("active"), false)
	equal(t, "givenName kept", r.get("name.givenName"), "Leg\u0000acy")
	e.scim("PATCH", "/Users/"+h.ID, patchBody(`{"op":"Replace","path":"name.familyName","value":"L\u0000"}`)).wantError(t, 400, "invalidValue")
	e.scim("PATCH", "/Users/"+h.ID, patchBody(`{"op":"Replace","path":"displayName","value":"Legacy"}`)).want(t, 200)
}

// userNames (and group displayNames) that people cannot tell apart are one:
// the second is a 409 uniqueness, and Azure AD's matching filter finds the
// first by either spelling, so it never creates what would conflict.
func TestLookalikeNamesAreOneHost(t *testing.T) {
	e := newEnv(t)
	for _, pair := range [][2]string{
		{"ann@contoso.example", `\uff41nn@contoso.example`},         // fullwidth a
		{"jos\u00e9@contoso.example", `JOSE\u0301@contoso.example`}, // é precomposed, then E + combining acute
		{"strau\u00df@contoso.example", "STRAUSS@contoso.example"},
		{"\u212aim@contoso.example", "kim@contoso.example"}, // Kelvin sign
	} {
		id := e.createUser(`{"userName":"` + pair[0] + `"}`).get("id").(string)
		e.scim("POST", "/Users", `{"userName":"`+pair[1]+`"}`).wantError(t, 409, "uniqueness")
		var second string
		if err := json.Unmarshal([]byte(`"`+pair[1]+`"`), &second); err != nil {
			t.Fatal(err)
		}
		equal(t, "userName eq "+second, e.scim("GET", "/Users?"+filterQ(`userName eq "`+second+`"`), "").get("Resources.0.id"), id)
	}
	e.scim("POST", "/Groups", `{"displayName":"Visitors"}`).want(t, 201)
	e.scim("POST", "/Groups", `{"displayName":"\uff36ISITORS"}`).wantError(t, 409, "uniqueness")
	equal(t, "hosts", e.scim("GET", "/Users", "").get("totalResults"), 4.0)
}
