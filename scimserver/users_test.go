package scimserver

import (
	"fmt"
	"net/url"
	"testing"
)

func filterQ(f string) string { return "filter=" + url.QueryEscape(f) }

func (e *env) createUser(body string) resp {
	e.t.Helper()
	return e.scim("POST", "/Users", body).want(e.t, 201)
}

func userBody(userName string) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"active":true,
"externalId":"ext-%[1]s","displayName":"User %[1]s","emails":[{"type":"work","value":"%[1]s@contoso.example","primary":true}]}`, userName)
}

func TestTestConnectionQueriesAnswerEmptyList(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{
		"/Users?" + filterQ(`userName eq "8b6a2f47-2b7c-4d3e-9f1e-5a9c1c0e6d21"`),
		"/Users?filter=userName+eq+%228b6a2f47-2b7c-4d3e-9f1e-5a9c1c0e6d21%22", // as it is on the wire
		"/Groups?excludedAttributes=members&" + filterQ(`displayName eq "b4e0c6d2-2d41-4bd4-8a4b-1f2b6c1a7c55"`),
		"/Users?aadOptscim062020&" + filterQ(`userName eq "x"`), // feature flag query string is ignored
		"/users?" + filterQ(`userName eq "x"`),                  // Microsoft's own suite uses lower case
	} {
		t.Run(path, func(t *testing.T) {
			r := e.scim("GET", path, "").want(t, 200)
			equal(t, "schemas", r.get("schemas"), []any{"urn:ietf:params:scim:api:messages:2.0:ListResponse"})
			equal(t, "totalResults", r.get("totalResults"), 0.0)
			equal(t, "startIndex", r.get("startIndex"), 1.0)
			equal(t, "Resources", r.get("Resources"), []any{})
		})
	}
}

func TestCreateUserAsAzureSendsIt(t *testing.T) {
	e := newEnv(t)
	r := e.createUser(recorded(t, "azuread/create-user.json"))
	id, _ := r.get("id").(string)
	if id == "" {
		t.Fatal("created user has no id")
	}
	loc := r.Header.Get("Location")
	equal(t, "Location", loc, e.srv.URL+SCIMBasePath+"/Users/"+id)
	equal(t, "meta.location", r.get("meta.location"), loc)
	equal(t, "meta.resourceType", r.get("meta.resourceType"), "User")
	if r.get("meta.created") == nil || r.get("meta.lastModified") == nil {
		t.Errorf("meta lacks created/lastModified: %v", r.get("meta"))
	}
	equal(t, "roles", r.get("roles"), nil)

	g := e.call("GET", loc, "", e.key).want(t, 200)
	equal(t, "userName", g.get("userName"), "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee")
	equal(t, "externalId", g.get("externalId"), "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef")
	equal(t, "active", g.get("active"), true)
	equal(t, "email", g.get("emails.0.value"), "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com")
	equal(t, "name.givenName", g.get("name.givenName"), "givenName")
	equal(t, "schemas.0", g.get("schemas.0"), "urn:ietf:params:scim:schemas:core:2.0:User")
}

func TestCreateUserWithNullsAndUnknownSchemaURI(t *testing.T) {
	e := newEnv(t)
	r := e.createUser(recorded(t, "azuread/create-user-with-nulls.json"))
	g := e.scim("GET", "/Users/"+r.get("id").(string), "").want(t, 200)
	for _, attr := range []string{"addresses", "phoneNumbers", "preferredLanguage", "title", "department", "manager"} {
		if v := g.get(attr); v != nil {
			t.Errorf("%s = %#v, want unassigned", attr, v)
		}
	}
	equal(t, "displayName", g.get("displayName"), "Test User")
}

func TestCreateUserStringBooleanAndFullEnterpriseBody(t *testing.T) {
	e := newEnv(t)
	r := e.createUser(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
"userName":"ada@contoso.example","active":"True","title":"Engineer","preferredLanguage":"en-GB","displayName":"Ada",
"phoneNumbers":[{"type":"work","value":"+44 20 7946 0000"},{"type":"mobile","value":"+44 7700 900000"}],
"addresses":[{"type":"work","formatted":"1 Main St","locality":"London","country":"GB"}],
"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"701984","department":"R&D","costCenter":"4130","organization":"Contoso","division":"Labs","manager":{"value":"m-1"}},
"x-custom-unmapped":"kept"}`)
	g := e.scim("GET", "/Users/"+r.get("id").(string), "").want(t, 200)
	equal(t, "active", g.get("active"), true)
	equal(t, "title", g.get("title"), "Engineer")
	equal(t, "mobile", g.get("phoneNumbers.1.value"), "+44 7700 900000")
	equal(t, "locality", g.get("addresses.0.locality"), "London")
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	equal(t, "employeeNumber", g.get(ent+".employeeNumber"), "701984")
	equal(t, "division", g.get(ent+".division"), "Labs")
	equal(t, "manager", g.get(ent+".manager.value"), "m-1")
	equal(t, "unmapped attribute", g.get("x-custom-unmapped"), "kept")
	equal(t, "schemas", g.get("schemas"), []any{"urn:ietf:params:scim:schemas:core:2.0:User", ent})
}

func TestDuplicateUserNameIsConflictCaseInsensitively(t *testing.T) {
	e := newEnv(t)
	e.createUser(userBody("Grace@Contoso.example"))
	e.scim("POST", "/Users", userBody("grace@contoso.EXAMPLE")).wantError(t, 409, "uniqueness")
}

func TestFilters(t *testing.T) {
	e := newEnv(t)
	a := e.createUser(userBody("alice")).get("id").(string)
	b := e.createUser(userBody("bob")).get("id").(string)
	c := e.createUser(userBody("carol")).get("id").(string)
	tests := []struct {
		filter string
		want   []string
	}{
		{`userName eq "ALICE"`, []string{a}},
		{`USERNAME Eq "alice"`, []string{a}},
		{`externalId eq "ext-bob"`, []string{b}},
		{`externalId eq "EXT-BOB"`, nil}, // externalId is caseExact
		{`id eq "` + a + `"`, []string{a}},
		{`displayName eq "User bob"`, []string{b}},
		{`emails[type eq "work"].value eq "alice@contoso.example"`, []string{a}},
		{`emails[type eq "work" and value eq "bob@contoso.example"]`, []string{b}},
		{`userName eq "alice" and externalId eq "ext-alice"`, []string{a}},
		{`userName eq "alice" and externalId eq "ext-bob"`, nil},
		{`userName eq "alice" or userName eq "bob"`, []string{a, b}},
		{`userName sw "a"`, []string{a}},
		{`userName co "o"`, []string{b, c}},
		{`not (userName eq "alice") and active eq true`, []string{b, c}},
		{`meta.created gt "2000-01-01T00:00:00Z" and userName eq "bob"`, []string{b}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			r := e.scim("GET", "/Users?"+filterQ(tt.filter), "").want(t, 200)
			var got []string
			for _, res := range r.get("Resources").([]any) {
				got = append(got, res.(map[string]any)["id"].(string))
			}
			equal(t, "ids", got, tt.want)
			equal(t, "totalResults", r.get("totalResults"), float64(len(tt.want)))
		})
	}
}

func TestBadFiltersAreInvalidFilter(t *testing.T) {
	e := newEnv(t)
	for _, f := range []string{
		`userName eq`,
		`userName xx "a"`,
		`(userName eq "a"`,
		`userName eq "a" and`,
		`active gt true`,
		`emails[type eq "work"`,
	} {
		t.Run(f, func(t *testing.T) {
			e.scim("GET", "/Users?"+filterQ(f), "").wantError(t, 400, "invalidFilter")
			e.scim("GET", "/Groups?"+filterQ(f), "").wantError(t, 400, "invalidFilter")
		})
	}
}

func TestPagingIsOneBasedAndStable(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i := range 12 {
		ids = append(ids, e.createUser(userBody(fmt.Sprintf("page%02d", i))).get("id").(string))
	}
	for page := 0; page < 3; page++ {
		start := page*5 + 1
		r := e.scim("GET", fmt.Sprintf("/Users?startIndex=%d&count=5", start), "").want(t, 200)
		equal(t, "startIndex", r.get("startIndex"), float64(start))
		equal(t, "totalResults", r.get("totalResults"), 12.0)
		res := r.get("Resources").([]any)
		wantN := min(5, 12-page*5)
		equal(t, "itemsPerPage", r.get("itemsPerPage"), float64(wantN))
		for i, x := range res {
			equal(t, fmt.Sprintf("page %d item %d", page, i), x.(map[string]any)["id"], ids[page*5+i])
		}
	}
	r := e.scim("GET", "/Users?startIndex=0&count=-3", "").want(t, 200)
	equal(t, "count<0 gives no resources", r.get("itemsPerPage"), 0.0)
	equal(t, "startIndex<1 means 1", r.get("startIndex"), 1.0)
	e.scim("GET", "/Users?startIndex=x", "").wantError(t, 400, "invalidValue")
}
