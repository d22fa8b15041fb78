package resource

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// numbers is n numbers from from on, comma-separated.
func numbers(from, n int) string {
	var b strings.Builder
	for i := from; i < from+n; i++ {
		if i > from {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(i))
	}
	return b.String()
}

// manyEmails is n distinct email values, comma-separated.
func manyEmails(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"t%[1]d","value":"e%[1]d@example.com"}`, i)
	}
	return b.String()
}

// patchBody wraps operations in a PatchOp.
func patchBody(ops string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + ops + `]}`
}

func TestPatchUser(t *testing.T) {
	tests := []struct {
		name string
		ops  string
		want func(d Doc)
	}{
		{"op names are case-insensitive", `{"op":"ADD","path":"title","value":"CEO"},{"op":"rEpLaCe","path":"userType","value":"Employee"},{"op":"REMOVE","path":"nickName"}`,
			func(d Doc) { d["title"], d["userType"] = "CEO", "Employee"; delete(d, "nickName") }},
		{"attribute names in paths are case-insensitive", `{"op":"replace","path":"NAME.GIVENNAME","value":"G"},{"op":"replace","path":"DisplayName","value":"D"}`,
			func(d Doc) { obj(d, "name")["givenName"] = "G"; d["displayName"] = "D" }},
		{"core URN-prefixed path", `{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:userName","value":"u2"}`,
			func(d Doc) { d["userName"] = "u2" }},
		{"enterprise URN path in another case", `{"op":"add","path":"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:costCenter","value":"42"}`,
			func(d Doc) { obj(d, ent)["costCenter"] = "42" }},
		{"unprefixed enterprise attribute", `{"op":"replace","path":"department","value":"R&D"}`,
			func(d Doc) { obj(d, ent)["department"] = "R&D" }},
		{"the enterprise extension as a whole merges", `{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"division":"North","Department":"Ops"}}`,
			func(d Doc) { obj(d, ent)["division"] = "North"; obj(d, ent)["department"] = "Ops" }},
		{"removing the enterprise extension", `{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}`,
			func(d Doc) { delete(d, ent); d["schemas"] = []any{UserSchema} }},
		{"path-less nested objects merge", `{"op":"add","value":{"name":{"middleName":"M"},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"division":"N"}}}`,
			func(d Doc) { obj(d, "name")["middleName"] = "M"; obj(d, ent)["division"] = "N" }},
		{"path-less URN-prefixed and dotted manager", `{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"boss-7"}}`,
			func(d Doc) { obj(d, ent)["manager"] = Doc{"value": "boss-7"} }},
		{"path-less value may name the core schema", `{"op":"replace","value":{"urn:ietf:params:scim:schemas:core:2.0:User":{"title":"T"}}}`,
			func(d Doc) { d["title"] = "T" }},
		{"Add on a complex attribute merges", `{"op":"add","path":"name","value":{"honorificPrefix":"Dr"}}`,
			func(d Doc) { obj(d, "name")["honorificPrefix"] = "Dr" }},
		{"Replace on a complex attribute merges too (RFC 7644 §3.5.2.3)", `{"op":"replace","path":"name","value":{"givenName":"G"}}`,
			func(d Doc) { obj(d, "name")["givenName"] = "G" }},
		{"Replace on a multi-valued attribute replaces the list", `{"op":"replace","path":"emails","value":[{"value":"only@example.com","type":"work"}]}`,
			func(d Doc) { d["emails"] = []any{Doc{"value": "only@example.com", "type": "work"}} }},
		{"Add on a multi-valued attribute appends", `{"op":"add","path":"emails","value":[{"value":"o@example.com","type":"other"}]}`,
			func(d Doc) { d["emails"] = append(d["emails"].([]any), Doc{"value": "o@example.com", "type": "other"}) }},
		{"Add of an existing value (compared case-insensitively) merges into it", `{"op":"add","path":"emails","value":[{"value":"HOME@example.com","type":"home"}]}`,
			func(d Doc) { elem(d, "emails", 1)["value"] = "HOME@example.com" }},
		{"Add of a value with an existing type updates that value", `{"op":"add","path":"emails","value":[{"value":"new@example.com","type":"work"}]}`,
			func(d Doc) { elem(d, "emails", 0)["value"] = "new@example.com" }},
		{"a new primary value demotes the old one", `{"op":"add","path":"emails","value":[{"value":"o@example.com","type":"other","primary":true}]}`,
			func(d Doc) {
				elem(d, "emails", 0)["primary"] = false
				d["emails"] = append(d["emails"].([]any), Doc{"value": "o@example.com", "type": "other", "primary": true})
			}},
		{"primary set through a filter demotes the old one", `{"op":"replace","path":"emails[type eq \"home\"].primary","value":"True"}`,
			func(d Doc) { elem(d, "emails", 0)["primary"] = false; elem(d, "emails", 1)["primary"] = true }},
		{"Replace on a filter without sub-attribute replaces the matching value", `{"op":"replace","path":"emails[type eq \"work\"]","value":{"value":"w@example.com"}}`,
			func(d Doc) { d["emails"].([]any)[0] = Doc{"type": "work", "value": "w@example.com"} }},
		{"Add on a filter without sub-attribute merges into the matching value", `{"op":"add","path":"emails[type eq \"work\"]","value":{"display":"Work"}}`,
			func(d Doc) { elem(d, "emails", 0)["display"] = "Work" }},
		{"filter values are unescaped and compared case-insensitively", `{"op":"replace","path":"emails[value eq \"HOME@EXAMPLE.COM\"].display","value":"Home"},{"op":"add","path":"ims[type eq \"x\\\"q\"].value","value":"i"}`,
			func(d Doc) {
				elem(d, "emails", 1)["display"] = "Home"
				d["ims"] = []any{Doc{"type": `x"q`, "value": "i"}}
			}},
		{"filter with and creates the value from both conditions", `{"op":"add","path":"phoneNumbers[type eq \"work\" and primary eq true].value","value":"1"}`,
			func(d Doc) { d["phoneNumbers"] = []any{Doc{"type": "work", "primary": true, "value": "1"}} }},
		{"Remove by filter removes only the matching value", `{"op":"remove","path":"emails[type eq \"home\"]"}`,
			func(d Doc) { d["emails"] = d["emails"].([]any)[:1] }},
		{"Remove with a value list removes only those values", `{"op":"remove","path":"emails","value":[{"value":"home@example.com"}]}`,
			func(d Doc) { d["emails"] = d["emails"].([]any)[:1] }},
		{"Remove of a sub-attribute", `{"op":"remove","path":"name.givenName"}`,
			func(d Doc) { delete(obj(d, "name"), "givenName") }},
		{"Remove of a sub-attribute on every value", `{"op":"remove","path":"emails.primary"}`,
			func(d Doc) { delete(elem(d, "emails", 0), "primary") }},
		{"Remove of an absent attribute succeeds", `{"op":"remove","path":"title"},{"op":"remove","path":"addresses[type eq \"work\"]"},{"op":"remove","path":"urn:example:ext:1.0:x"}`,
			func(d Doc) {}},
		{"Add with an empty string clears", `{"op":"add","path":"displayName","value":""}`,
			func(d Doc) { delete(d, "displayName") }},
		{"sub-attribute on an empty multi-valued attribute creates a value", `{"op":"add","path":"photos.value","value":"https://p"}`,
			func(d Doc) { d["photos"] = []any{Doc{"value": "https://p"}} }},
		{"writes that leave meta and schemas as they are are accepted", `{"op":"replace","path":"meta.created","value":"2001-01-01T00:00:00Z"},{"op":"replace","path":"schemas","value":["urn:ietf:params:scim:schemas:core:2.0:User"]},{"op":"add","value":{"meta":{"version":"1","resourceType":"user"}}},{"op":"add","path":"schemas","value":["urn:example:x"]}`,
			func(d Doc) {}},
		{"the user's own id is accepted and ignored", `{"op":"replace","path":"id","value":"2819c223-7f76-453a-919d-413861904646"},{"op":"replace","value":{"id":"2819c223-7f76-453a-919d-413861904646","title":"T"}}`,
			func(d Doc) { d["title"] = "T" }},
		{"two work emails are kept", `{"op":"replace","path":"emails","value":[{"type":"work","value":"a@x"},{"type":"work","value":"b@x","primary":true}]}`,
			func(d Doc) {
				d["emails"] = []any{Doc{"type": "work", "value": "a@x"}, Doc{"type": "work", "value": "b@x", "primary": true}}
			}},
		{"password is ignored", `{"op":"replace","path":"password","value":"hunter2"}`,
			func(d Doc) {}},
		{"unknown attributes are stored as sent", `{"op":"add","path":"customAttr","value":"x"},{"op":"add","path":"urn:example:ext:1.0:badge","value":"7"}`,
			func(d Doc) {
				d["customAttr"] = "x"
				d["urn:example:ext:1.0"] = Doc{"badge": "7"}
				d["schemas"] = append(d["schemas"].([]any), "urn:example:ext:1.0")
			}},
		{"a filter on an unknown attribute matches nothing, so Add creates; an object stays an object", `{"op":"add","path":"custom","value":{"kind":"a","n":"1"}},{"op":"add","path":"custom[kind eq \"a\"]","value":{"n":"2"}}`,
			func(d Doc) { d["custom"] = Doc{"kind": "a", "n": "2"} }},
		{"a path-less key that is not a path is an unknown attribute", `{"op":"add","value":{"odd key!":"v"}}`,
			func(d Doc) { d["odd key!"] = "v" }},
		{"later operations see earlier ones", `{"op":"add","path":"emails[type eq \"other\"].value","value":"a@x"},{"op":"replace","path":"emails[type eq \"other\"].display","value":"A"}`,
			func(d Doc) {
				d["emails"] = append(d["emails"].([]any), Doc{"type": "other", "value": "a@x", "display": "A"})
			}},
		{"operations member in lower case", ``, func(d Doc) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := normUser(t, azureUser)
			before := canon(t, cur)
			body := patchBody(tt.ops)
			if tt.ops == "" {
				body = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"operations":[]}`
			}
			got, err := patchUser(cur, []byte(body))
			if err != nil {
				t.Fatalf("PatchUser: %v", err)
			}
			want := normUser(t, azureUser)
			tt.want(want)
			equalJSON(t, got, canon(t, want))
			if canon(t, cur) != before {
				t.Error("PatchUser modified its input")
			}
		})
	}
}

func TestPatchUserErrors(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		scimType string
		mentions []string
	}{
		{"not JSON", `{"Operations":[`, ScimInvalidSyntax, []string{"JSON"}},
		{"not a PatchOp", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":[]}`, ScimInvalidSyntax, []string{PatchOpSchema}},
		{"Operations missing", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`, ScimInvalidSyntax, []string{"Operations"}},
		{"Operations not an array", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":{"op":"add"}}`, ScimInvalidSyntax, []string{"Operations", "array"}},
		{"operation not an object", patchBody(`"add"`), ScimInvalidSyntax, []string{"Operations[0]"}},
		{"unknown op", patchBody(`{"op":"merge","path":"title","value":"x"}`), ScimInvalidSyntax, []string{`"merge"`}},
		{"op missing", patchBody(`{"path":"title","value":"x"}`), ScimInvalidSyntax, []string{"no op"}},
		{"add without value", patchBody(`{"op":"add","path":"title"}`), ScimInvalidSyntax, []string{"value"}},
		{"remove without path", patchBody(`{"op":"Remove"}`), ScimNoTarget, []string{"Operations[0]", "path"}},
		{"malformed path", patchBody(`{"op":"replace","path":"emails[type eq","value":"x"}`), ScimInvalidPath, []string{"emails[type eq"}},
		{"path not a string", patchBody(`{"op":"replace","path":5,"value":"x"}`), ScimInvalidPath, []string{"path"}},
		{"write to id", patchBody(`{"op":"replace","path":"id","value":"other"}`), ScimMutability, []string{"id"}},
		{"path-less write to id", patchBody(`{"op":"replace","value":{"id":"other"}}`), ScimMutability, []string{"id"}},
		{"boolean of the wrong type", patchBody(`{"op":"replace","path":"active","value":"maybe"}`), ScimInvalidValue, []string{"active", "boolean"}},
		{"string of the wrong type", patchBody(`{"op":"replace","path":"name.givenName","value":5}`), ScimInvalidValue, []string{"name.givenName", "string"}},
		{"multi-valued given a string", patchBody(`{"op":"replace","path":"emails","value":"x@y"}`), ScimInvalidValue, []string{"emails", "array"}},
		{"path-less value not an object", patchBody(`{"op":"replace","value":"x"}`), ScimInvalidValue, []string{"object"}},
		{"sub-attribute of a simple attribute", patchBody(`{"op":"replace","path":"userName.x","value":"x"}`), ScimInvalidPath, []string{"userName"}},
		{"filter on a simple attribute", patchBody(`{"op":"replace","path":"userName[value eq \"x\"]","value":"x"}`), ScimInvalidPath, []string{"userName"}},
		{"filter with a bad comparison", patchBody(`{"op":"replace","path":"emails[primary gt true].value","value":"x"}`), ScimInvalidPath, []string{"boolean"}},
		{"clearing the required userName", patchBody(`{"op":"remove","path":"userName"}`), ScimInvalidValue, []string{"userName", "required"}},
		{"replace schemas with another resource type's", patchBody(`{"op":"replace","path":"schemas","value":["urn:ietf:params:scim:schemas:core:2.0:Group"]}`), ScimMutability, []string{"schemas"}},
		{"another resourceType in meta", patchBody(`{"op":"replace","path":"meta.resourceType","value":"Group"}`), ScimMutability, []string{"resourceType"}},
		{"path-less meta of another resource type", patchBody(`{"op":"add","value":{"meta":{"resourceType":"Group"}}}`), ScimMutability, []string{"resourceType"}},
		{"remove id", patchBody(`{"op":"remove","path":"id"}`), ScimMutability, []string{"id"}},
		{"remove meta", patchBody(`{"op":"remove","path":"meta"}`), ScimMutability, []string{"meta"}},
		{"1,001 emails", patchBody(`{"op":"replace","path":"emails","value":[` + manyEmails(1001) + `]}`), ScimInvalidValue, []string{"emails", "1001", "at most 1000"}},
		{"adding past 1,000 emails", patchBody(`{"op":"add","path":"emails","value":[` + manyEmails(999) + `]}`), ScimInvalidValue, []string{"emails", "at most 1000"}},
		{"a filter add past 1,000 emails", patchBody(`{"op":"add","path":"emails","value":[` + manyEmails(998) + `]},{"op":"add","path":"emails[type eq \"x\"].value","value":"x@x"}`), ScimInvalidValue, []string{"emails", "at most 1000"}},
		{"an unknown array grown past 10,000 values", patchBody(`{"op":"add","path":"x","value":[` + numbers(0, 6000) + `]},{"op":"add","path":"x","value":[` + numbers(6000, 5000) + `]}`), ScimInvalidValue, []string{"x", "at most 10000"}},
		{"blank userName", patchBody(`{"op":"replace","path":"userName","value":" \u00a0 "}`), ScimInvalidValue, []string{"userName", "blank"}},
		{"userName with a tab", patchBody(`{"op":"replace","value":{"userName":"a\tb"}}`), ScimInvalidValue, []string{"userName", "control"}},
		{"manager with several values", patchBody(`{"op":"add","path":"manager","value":[{"value":"a"},{"value":"b"}]}`), ScimInvalidValue, []string{"manager"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := patchUser(normUser(t, azureUser), []byte(tt.body))
			wantSCIMError(t, err, tt.scimType, tt.mentions...)
			if got != nil {
				t.Errorf("a failed PATCH returned a document: %s", canon(t, got))
			}
		})
	}
}

// TestPatchUserAtomic checks RFC 7644 §3.5.2: when one operation fails,
// nothing changes — the current document included.
func TestPatchUserAtomic(t *testing.T) {
	cur := normUser(t, azureUser)
	before := canon(t, cur)
	body := patchBody(`{"op":"replace","path":"displayName","value":"Changed"},
		{"op":"replace","path":"emails[type eq \"work\"].value","value":"changed@example.com"},
		{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"},
		{"op":"replace","path":"active","value":"perhaps"}`)
	got, err := patchUser(cur, []byte(body))
	wantSCIMError(t, err, ScimInvalidValue, "Operations[3]", "active")
	if got != nil {
		t.Errorf("got a document: %s", canon(t, got))
	}
	if after := canon(t, cur); after != before {
		t.Errorf("the current document changed:\n%s\n%s", before, after)
	}
}

func TestPatchUserKeepsNoID(t *testing.T) {
	// The stored document never holds id, so a userName change cannot move
	// it; a rendered resource passed as cur loses its id and meta.
	cur := normUser(t, azureUser)
	cur["id"], cur["meta"] = "2819c223", Doc{"resourceType": "User"}
	got, err := patchUser(cur, []byte(patchBody(`{"op":"replace","path":"userName","value":"renamed"}`)))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got["id"]; ok {
		t.Error("id must not be in the stored document")
	}
	if _, ok := got["meta"]; ok {
		t.Error("meta must not be in the stored document")
	}
	if got["userName"] != "renamed" {
		t.Errorf("userName = %v", got["userName"])
	}
}
