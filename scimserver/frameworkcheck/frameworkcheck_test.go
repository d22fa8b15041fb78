package frameworkcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/elimity-com/scim"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
)

const (
	base       = "/v1/usersync/SCIM"
	enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	patchOp    = `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`
)

// outcome is what elimity answered to one request: the status, the scimType of
// an error, and for a success whether the follow-up GET shows the right stored
// effect (bad says what is wrong).
type outcome struct {
	status   int
	scimType string
	bad      string
}

func (o outcome) accepted() bool { return o.status/100 == 2 }

func (o outcome) String() string {
	switch {
	case !o.accepted():
		return fmt.Sprintf("%d %s", o.status, o.scimType)
	case o.bad != "":
		return fmt.Sprintf("%d, wrong effect: %s", o.status, o.bad)
	}
	return fmt.Sprintf("%d, effect right", o.status)
}

// TestAzureDialect replays Azure AD's requests (SCIM-AZURE.md §3–§4) in order
// against an elimity server and checks each answer against the one recorded
// when the decision was taken.
func TestAzureDialect(t *testing.T) {
	store := newMemory()
	srv, err := scim.NewServer(&scim.ServerArgs{
		ServiceProviderConfig: &scim.ServiceProviderConfig{},
		ResourceTypes: []scim.ResourceType{
			{
				ID: optional.NewString("User"), Name: "User", Endpoint: "/Users",
				Schema:           schema.CoreUserSchema(),
				SchemaExtensions: []scim.SchemaExtension{{Schema: schema.ExtensionEnterpriseUser()}},
				Handler:          handler{store: store, kind: "User"},
			},
			{
				ID: optional.NewString("Group"), Name: "Group", Endpoint: "/Groups",
				Schema:  schema.CoreGroupSchema(),
				Handler: handler{store: store, kind: "Group"},
			},
		},
	})
	if err != nil {
		t.Fatalf("elimity NewServer: %v", err)
	}
	ts := httptest.NewServer(http.StripPrefix(base, srv))
	t.Cleanup(ts.Close)

	// Ids issued by earlier requests, substituted into later ones.
	ids := map[string]string{}
	expand := func(s string) string {
		for k, v := range ids {
			s = strings.ReplaceAll(s, "{"+k+"}", v)
		}
		return s
	}

	tests := []struct {
		name   string
		method string
		path   string // under base; {user}, {user2}, {group} are substituted
		body   string
		// setup runs before the request; used to flip elimity's global switch.
		setup func(t *testing.T)
		// saveID names the id a 201 issues, for later rows.
		saveID string
		// check is run, for a 2xx answer, on the follow-up GET of checkPath
		// (or on the response itself when checkPath is empty and there is a
		// body); it says what is wrong, or "".
		checkPath string
		check     check
		want      outcome
	}{
		{
			name:   "POST full Azure user (meta, empty roles)",
			method: http.MethodPost, path: "/Users", saveID: "user",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterprise + `"],
				"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
				"userName":"Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
				"active":true,
				"emails":[{"primary":true,"type":"work","value":"Test_User_11bb11bb@testuser.com"}],
				"meta":{"resourceType":"User"},
				"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},
				"roles":[]}`,
			checkPath: "/Users/{user}",
			check: all(
				eq("userName", "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"),
				eq("externalId", "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"),
				eq("active", true),
				eq("name.givenName", "givenName"),
				eq(`emails[type eq "work"].value`, "Test_User_11bb11bb@testuser.com"),
			),
			want: outcome{status: 201},
		},
		{
			name:   "POST a second user (the manager)",
			method: http.MethodPost, path: "/Users", saveID: "user2",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"Boss_User","active":true,
				"meta":{"resourceType":"User"},"roles":[]}`,
			checkPath: "/Users/{user2}", check: eq("userName", "Boss_User"),
			want: outcome{status: 201},
		},
		{
			name:   "GET Test Connection filter on a random GUID",
			method: http.MethodGet, path: "/Users?filter=userName+eq+%229d4c3f0e-3b6a-4f7e-8a51-1f0c2b7d6e55%22",
			check: all(eq("totalResults", float64(0)), eq("Resources", []any{})),
			want:  outcome{status: 200},
		},
		{
			name:   `PATCH "op":"Replace" (capitalised) userName`,
			method: http.MethodPatch, path: "/Users/{user}",
			body:      `{` + patchOp + `,"Operations":[{"op":"Replace","path":"userName","value":"renamed@testuser.com"}]}`,
			checkPath: "/Users/{user}", check: eq("userName", "renamed@testuser.com"),
			want: outcome{status: 200},
		},
		{
			name:   `PATCH active "False" (string)`,
			method: http.MethodPatch, path: "/Users/{user}",
			body:      `{` + patchOp + `,"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
			checkPath: "/Users/{user}", check: eq("active", false),
			want: outcome{status: 400, scimType: "invalidValue"},
		},
		{
			name:   `PATCH active "False" with schema.SetAllowStringValues(true)`,
			method: http.MethodPatch, path: "/Users/{user}",
			setup: func(t *testing.T) {
				schema.SetAllowStringValues(true)
				t.Cleanup(func() { schema.SetAllowStringValues(false) })
			},
			body:      `{` + patchOp + `,"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
			checkPath: "/Users/{user}", check: eq("active", false),
			want: outcome{status: 200},
		},
		{
			name:   `PATCH Replace emails[type eq "work"].value`,
			method: http.MethodPatch, path: "/Users/{user}",
			body: `{` + patchOp + `,"Operations":[
				{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"},
				{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"}]}`,
			checkPath: "/Users/{user}",
			check: all(
				eq(`emails[type eq "work"].value`, "updatedEmail@microsoft.com"),
				eq("emails.#", 1),
				eq("name.familyName", "updatedFamilyName"),
			),
			want: outcome{status: 200},
		},
		{
			name:   `PATCH Add addresses[type eq "work"].formatted (no address yet)`,
			method: http.MethodPatch, path: "/Users/{user}",
			body:      `{` + patchOp + `,"Operations":[{"op":"Add","path":"addresses[type eq \"work\"].formatted","value":"Columbus"}]}`,
			checkPath: "/Users/{user}", check: eq(`addresses[type eq "work"].formatted`, "Columbus"),
			want: outcome{status: 200},
		},
		{
			name:   `PATCH path-less Replace {"name.givenName", "<enterprise URN>:employeeNumber"}`,
			method: http.MethodPatch, path: "/Users/{user}",
			body: `{` + patchOp + `,"Operations":[{"op":"Replace","value":{
				"name.givenName":"updatedGivenName","` + enterprise + `:employeeNumber":"E-1234"}}]}`,
			checkPath: "/Users/{user}",
			check: all(
				eq("name.givenName", "updatedGivenName"),
				eq("name.familyName", "updatedFamilyName"),
				eq(enterprise+".employeeNumber", "E-1234"),
			),
			want: outcome{status: 200},
		},
		{
			name:   "PATCH Add <enterprise URN>:manager as a plain string id",
			method: http.MethodPatch, path: "/Users/{user}",
			body:      `{` + patchOp + `,"Operations":[{"op":"Add","path":"` + enterprise + `:manager","value":"{user2}"}]}`,
			checkPath: "/Users/{user}", check: eq(enterprise+".manager.value", "{user2}"),
			want: outcome{status: 400, scimType: "invalidValue"},
		},
		{
			name:   `PATCH Replace <enterprise URN>:manager with "" (clearing it)`,
			method: http.MethodPatch, path: "/Users/{user}",
			body:      `{` + patchOp + `,"Operations":[{"op":"Replace","path":"` + enterprise + `:manager","value":""}]}`,
			checkPath: "/Users/{user}", check: eq(enterprise+".manager", nil),
			want: outcome{status: 400, scimType: "invalidValue"},
		},
		{
			name:   "POST user with unmapped attributes as null (tutorial's second example)",
			method: http.MethodPost, path: "/Users", saveID: "user3",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterprise + `"],
				"externalId":"jdoe","userName":"jdoe@contoso.com","active":true,"displayName":"John Doe",
				"emails":[{"primary":true,"type":"work","value":"jdoe@contoso.com"}],
				"meta":{"resourceType":"User"},"name":{"familyName":"Doe","givenName":"John"},
				"addresses":null,"phoneNumbers":null,"preferredLanguage":null,"title":null,
				"` + enterprise + `":{"department":null,"manager":null}}`,
			checkPath: "/Users/{user3}", check: all(eq("userName", "jdoe@contoso.com"), eq("title", nil)),
			want: outcome{status: 201},
		},
		{
			name:   "PATCH with empty Operations (Microsoft's SCIM Validator)",
			method: http.MethodPatch, path: "/Users/{user}",
			body:      `{` + patchOp + `,"Operations":[]}`,
			checkPath: "/Users/{user}", check: eq("userName", "renamed@testuser.com"),
			want: outcome{status: 400, scimType: "invalidValue"},
		},
		{
			name:   "POST Azure group (Microsoft ADSCIM schema URI, meta)",
			method: http.MethodPost, path: "/Groups", saveID: "group",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group",
				"http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
				"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"displayName","meta":{"resourceType":"Group"}}`,
			checkPath: "/Groups/{group}", check: eq("displayName", "displayName"),
			want: outcome{status: 201},
		},
		{
			name:   `PATCH group Add members [{"$ref":null,"value":…}] ×2`,
			method: http.MethodPatch, path: "/Groups/{group}",
			body: `{` + patchOp + `,"Operations":[{"op":"Add","path":"members","value":[
				{"$ref":null,"value":"{user}"},{"$ref":null,"value":"{user2}"}]}]}`,
			checkPath: "/Groups/{group}", check: eq("members.#", 2),
			want: outcome{status: 200},
		},
		{
			name:   "PATCH group Remove members by value (member in value, not path)",
			method: http.MethodPatch, path: "/Groups/{group}",
			body: `{` + patchOp + `,"Operations":[{"op":"Remove","path":"members","value":[
				{"$ref":null,"value":"{user}"}]}]}`,
			checkPath: "/Groups/{group}",
			check:     all(eq("members.#", 1), eq("members.0.value", "{user2}")),
			want:      outcome{status: 200},
		},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup(t)
			}
			status, res := call(t, ts.URL, tc.method, expand(tc.path), expand(tc.body))
			got := outcome{status: status}
			if got.accepted() {
				if tc.saveID != "" {
					id, _ := res["id"].(string)
					if id == "" {
						t.Fatalf("elimity answered %d without an id: %v", status, res)
					}
					ids[tc.saveID] = id
				}
				if tc.checkPath != "" {
					var st int
					st, res = call(t, ts.URL, http.MethodGet, expand(tc.checkPath), "")
					if st != http.StatusOK {
						t.Fatalf("follow-up GET %s: %d %v", tc.checkPath, st, res)
					}
				}
				if tc.check != nil {
					got.bad = tc.check(res, expand)
				}
			} else {
				got.scimType, _ = res["scimType"].(string)
			}
			t.Logf("elimity: %s → %s", tc.name, got)
			if got == tc.want {
				return
			}
			if got.accepted() && got.bad == "" {
				t.Errorf("elimity now accepts %s (%s; recorded: %s): reconsider the decision in scimserver/frameworkcheck",
					tc.name, got, tc.want)
			} else {
				t.Errorf("elimity's answer to %s changed to %s (recorded: %s): reconsider the decision in scimserver/frameworkcheck",
					tc.name, got, tc.want)
			}
		})
	}
}

// call sends one request as Azure AD does and decodes the JSON answer (nil
// for an empty body).
func call(t *testing.T, srvURL, method, path, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srvURL+base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/scim+json")
	req.Header.Set("Authorization", "Bearer test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	var res map[string]any
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &res); err != nil {
			t.Fatalf("%s %s: %d answer is not JSON: %v: %s", method, path, resp.StatusCode, err, raw)
		}
	}
	return resp.StatusCode, res
}

// check says what is wrong with a resource, or "" when it is right; expand
// puts the ids issued during the run into wanted values.
type check = func(res map[string]any, expand func(string) string) string

func all(cs ...check) check {
	return func(res map[string]any, expand func(string) string) string {
		var bad []string
		for _, c := range cs {
			if s := c(res, expand); s != "" {
				bad = append(bad, s)
			}
		}
		return strings.Join(bad, "; ")
	}
}

// eq checks one value, found by a small path: dotted keys, a list index, "#"
// for a list's length, and one `attr[type eq "x"]` selector. The URN of an
// extension is one key.
func eq(path string, want any) check {
	return func(res map[string]any, expand func(string) string) string {
		got, w := lookup(res, path), want
		if s, ok := w.(string); ok {
			w = expand(s)
		}
		if !reflect.DeepEqual(got, w) {
			return fmt.Sprintf("%s is %#v, want %#v", path, got, w)
		}
		return ""
	}
}

func lookup(res map[string]any, path string) any {
	var cur any = res
	rest := path
	if strings.HasPrefix(rest, enterprise) {
		cur = res[enterprise]
		rest = strings.TrimPrefix(strings.TrimPrefix(rest, enterprise), ".")
	}
	for rest != "" {
		var part string
		if i := strings.IndexByte(rest, '['); i >= 0 && (strings.IndexByte(rest, '.') < 0 || i < strings.IndexByte(rest, '.')) {
			j := strings.IndexByte(rest, ']')
			part, rest = rest[:j+1], strings.TrimPrefix(rest[j+1:], ".")
		} else if i := strings.IndexByte(rest, '.'); i >= 0 {
			part, rest = rest[:i], rest[i+1:]
		} else {
			part, rest = rest, ""
		}
		switch v := cur.(type) {
		case map[string]any:
			if name, sel, ok := strings.Cut(part, "["); ok {
				// attr[type eq "x"]: the element whose type is x.
				typ := strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(sel, `type eq "`), "]"), `"`)
				list, _ := v[name].([]any)
				cur = nil
				for _, e := range list {
					if m, _ := e.(map[string]any); m != nil && m["type"] == typ {
						cur = m
						break
					}
				}
			} else {
				cur = v[part]
			}
		case []any:
			if part == "#" {
				return len(v)
			}
			var i int
			if _, err := fmt.Sscan(part, &i); err != nil || i >= len(v) {
				return nil
			}
			cur = v[i]
		default:
			if part == "#" {
				return 0
			}
			return nil
		}
	}
	return cur
}
