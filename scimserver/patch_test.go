package scimserver

import (
	"strings"
	"testing"
)

const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

func patchBody(ops string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + ops + `]}`
}

// TestPatchAsAzureSendsIt replays each PATCH Azure AD sends and checks the
// stored effect with a follow-up GET.
func TestPatchAsAzureSendsIt(t *testing.T) {
	tests := []struct {
		name  string
		ops   string         // operations, or a recorded body in testdata (ending .json)
		check map[string]any // path → value after the PATCH (nil = unassigned)
	}{
		{"multi-valued email and family name", "azuread/patch-user-replace-work-email-and-family-name.json",
			map[string]any{"emails.0.value": "updatedEmail@microsoft.com", "emails.0.type": "work", "name.familyName": "updatedFamilyName", "name.givenName": "Ada"}},
		{"disable with boolean", "azuread/patch-user-replace-active-false.json", map[string]any{"active": false}},
		{"disable with string False", "azuread/patch-user-replace-active-string-false.json", map[string]any{"active": false}},
		{"disable with lower-case string and lower-case op", `{"op":"replace","path":"active","value":"false"}`, map[string]any{"active": false}},
		{"Add on active", "azuread/patch-user-add-active-string-false.json", map[string]any{"active": false}},
		{"add single-valued string", "azuread/patch-user-add-nickname.json", map[string]any{"nickName": "Babs"}},
		{"Add address by filter creates the element", "azuread/patch-user-add-work-address-by-filter.json",
			map[string]any{"addresses.0.formatted": "Columbus", "addresses.0.type": "work"}},
		{"Replace on a missing phone by filter creates it and keeps the email",
			`{"op":"Replace","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1 555 0199"}`,
			map[string]any{"phoneNumbers.0.value": "+1 555 0199", "phoneNumbers.0.type": "mobile", "emails.0.value": "ada@contoso.example"}},
		{"path-less replace with dotted and URN keys", "azuread/patch-user-replace-several-flag.json",
			map[string]any{"displayName": "Bjfe", "name.givenName": "Kkom", "name.familyName": "Unua", ent + ".employeeNumber": "Aklq"}},
		{"one Replace per path, as without the feature flag",
			`{"op":"Replace","path":"displayName","value":"D"},{"op":"Replace","path":"externalId","value":"E"},
			 {"op":"Replace","path":"` + ent + `:employeeNumber","value":"42"},{"op":"Replace","path":"` + ent + `:department","value":"Sales"}`,
			map[string]any{"displayName": "D", "externalId": "E", ent + ".employeeNumber": "42", ent + ".department": "Sales"}},
		{"manager as plain id string", "azuread/patch-user-add-manager-id.json", map[string]any{ent + ".manager.value": "boss-2"}},
		{"manager as tutorial list", "azuread/patch-user-add-manager-list.json", map[string]any{ent + ".manager.value": "boss-4"}},
		{"manager cleared with empty Replace",
			`{"op":"Add","path":"` + ent + `:manager","value":"mgr-7"},{"op":"Replace","path":"` + ent + `:manager","value":""}`,
			map[string]any{ent + ".manager": nil}},
		{"replace with empty string clears", `{"op":"Replace","path":"title","value":""}`, map[string]any{"title": nil}},
		{"replace with null clears", `{"op":"Replace","path":"title","value":null}`, map[string]any{"title": nil}},
		{"remove clears", `{"op":"Remove","path":"title"}`, map[string]any{"title": nil}},
		{"remove of an absent attribute succeeds", `{"op":"Remove","path":"nickName"}`, map[string]any{"title": "Engineer"}},
		{"op in upper case", `{"op":"REPLACE","path":"title","value":"Lead"}`, map[string]any{"title": "Lead"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			id := e.createUser(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@contoso.example","active":true,"title":"Engineer",
"name":{"givenName":"Ada","familyName":"Lovelace"},"emails":[{"type":"work","value":"ada@contoso.example","primary":true}]}`).get("id").(string)
			body := patchBody(tt.ops)
			if strings.HasSuffix(tt.ops, ".json") {
				body = recorded(t, tt.ops)
			}
			r := e.scim("PATCH", "/Users/"+id, body).want(t, 200)
			equal(t, "id after PATCH", r.get("id"), id)
			g := e.scim("GET", "/Users/"+id, "").want(t, 200)
			for path, want := range tt.check {
				equal(t, path, g.get(path), want)
			}
		})
	}
}

func TestPatchUserNameKeepsID(t *testing.T) {
	e := newEnv(t)
	id := e.createUser(userBody("old@contoso.example")).get("id").(string)
	e.scim("PATCH", "/Users/"+id, patchBody(`{"op":"Replace","path":"userName","value":"5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}`)).want(t, 200)
	r := e.scim("GET", "/Users?"+filterQ(`userName eq "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"`), "").want(t, 200)
	equal(t, "same id", r.get("Resources.0.id"), id)
	equal(t, "old name gone", e.scim("GET", "/Users?"+filterQ(`userName eq "old@contoso.example"`), "").get("totalResults"), 0.0)
}

func TestDeactivatedHostStaysVisibleAndReactivates(t *testing.T) {
	e := newEnv(t)
	id := e.createUser(userBody("dana")).get("id").(string)
	e.scim("PATCH", "/Users/"+id, patchBody(`{"op":"Replace","path":"active","value":"False"}`)).want(t, 200)
	equal(t, "GET active", e.scim("GET", "/Users/"+id, "").want(t, 200).get("active"), false)
	r := e.scim("GET", "/Users?"+filterQ(`userName eq "dana"`), "").want(t, 200)
	equal(t, "filter still finds it", r.get("Resources.0.active"), false)
	e.scim("PATCH", "/Users/"+id, patchBody(`{"op":"Replace","path":"active","value":"True"}`)).want(t, 200)
	equal(t, "reactivated", e.scim("GET", "/Users/"+id, "").get("active"), true)
}

func TestPatchIsAtomic(t *testing.T) {
	e := newEnv(t)
	id := e.createUser(userBody("erin")).get("id").(string)
	before := e.scim("GET", "/Users/"+id, "").Body
	e.scim("PATCH", "/Users/"+id, patchBody(`{"op":"Replace","path":"title","value":"Changed"},{"op":"Replace","path":"active","value":"maybe"}`)).
		wantError(t, 400, "invalidValue")
	after := e.scim("GET", "/Users/"+id, "").Body
	equal(t, "resource after failed PATCH", after, before)
}

func TestPatchEmptyOperationsIsNoOp(t *testing.T) {
	e := newEnv(t)
	id := e.createUser(userBody("finn")).get("id").(string)
	before := e.scim("GET", "/Users/"+id, "").Body
	e.scim("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}`).want(t, 200)
	equal(t, "unchanged", e.scim("GET", "/Users/"+id, "").Body, before)
}

func TestPatchErrors(t *testing.T) {
	e := newEnv(t)
	id := e.createUser(userBody("gus")).get("id").(string)
	tests := []struct {
		name, body, scimType string
	}{
		{"malformed JSON", `{"Operations":[`, "invalidSyntax"},
		{"Operations not a list", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":{}}`, "invalidSyntax"},
		{"bad path", patchBody(`{"op":"Replace","path":"emails[type eq","value":"x"}`), "invalidPath"},
		{"remove without path", patchBody(`{"op":"Remove"}`), "noTarget"},
		{"wrong type", patchBody(`{"op":"Replace","path":"active","value":{"a":1}}`), "invalidValue"},
		{"userName as number", patchBody(`{"op":"Replace","path":"userName","value":12}`), "invalidValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.scim("PATCH", "/Users/"+id, tt.body).wantError(t, 400, tt.scimType)
		})
	}
	t.Run("unknown op", func(t *testing.T) {
		r := e.scim("PATCH", "/Users/"+id, patchBody(`{"op":"Merge","path":"title","value":"x"}`))
		r.want(t, 400)
	})
}

func TestPutReplacesUser(t *testing.T) {
	e := newEnv(t)
	id := e.createUser(userBody("hal")).get("id").(string)
	r := e.scim("PUT", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"`+id+`","userName":"hal","active":true,"title":"New"}`).want(t, 200)
	equal(t, "id", r.get("id"), id)
	g := e.scim("GET", "/Users/"+id, "").want(t, 200)
	equal(t, "title", g.get("title"), "New")
	equal(t, "emails removed by PUT", g.get("emails"), nil)
}
