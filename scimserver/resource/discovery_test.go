package resource

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// schemaAttr finds an attribute (and sub-attribute) in a Schema resource,
// case-insensitively, as Microsoft's Schema_Discoverability_Test does.
func schemaAttr(s Doc, name, sub string) Doc {
	for _, a := range s["attributes"].([]any) {
		ad := a.(Doc)
		if !strings.EqualFold(ad["name"].(string), name) {
			continue
		}
		if sub == "" {
			return ad
		}
		subs, _ := ad["subAttributes"].([]any)
		for _, sa := range subs {
			if sd := sa.(Doc); strings.EqualFold(sd["name"].(string), sub) {
				return sd
			}
		}
	}
	return nil
}

func schemaByID(t *testing.T, id string) Doc {
	t.Helper()
	for _, s := range Schemas() {
		if s["id"] == id {
			return s
		}
	}
	t.Fatalf("no schema %s", id)
	return nil
}

// TestSchemasListEveryStoredAttribute checks the attributes the brief and
// RFC 7643 §4.1 name, and Azure AD's default mappings, against /Schemas:
// each is accepted by NormalizeUser and advertised.
func TestSchemasListEveryStoredAttribute(t *testing.T) {
	user, entSchema, group := schemaByID(t, UserSchema), schemaByID(t, EnterpriseSchema), schemaByID(t, GroupSchema)
	in := Doc{"userName": "u"}
	tests := []struct {
		schema    Doc
		name, sub string
		value     any
	}{
		{user, "userName", "", "u"},
		{user, "externalId", "", "e"},
		{user, "active", "", "False"},
		{user, "displayName", "", "d"},
		{user, "nickName", "", "n"},
		{user, "profileUrl", "", "https://p"},
		{user, "title", "", "t"},
		{user, "userType", "", "t"},
		{user, "preferredLanguage", "", "en"},
		{user, "locale", "", "en-US"},
		{user, "timezone", "", "UTC"},
		{user, "name", "formatted", nil},
		{user, "name", "familyName", nil},
		{user, "name", "givenName", nil},
		{user, "name", "middleName", nil},
		{user, "name", "honorificPrefix", nil},
		{user, "name", "honorificSuffix", nil},
		{user, "emails", "value", nil},
		{user, "emails", "display", nil},
		{user, "emails", "type", nil},
		{user, "emails", "primary", nil},
		{user, "phoneNumbers", "value", nil},
		{user, "ims", "value", nil},
		{user, "photos", "value", nil},
		{user, "addresses", "formatted", nil},
		{user, "addresses", "streetAddress", nil},
		{user, "addresses", "locality", nil},
		{user, "addresses", "region", nil},
		{user, "addresses", "postalCode", nil},
		{user, "addresses", "country", nil},
		{user, "addresses", "type", nil},
		{user, "addresses", "primary", nil},
		{user, "entitlements", "value", nil},
		{user, "roles", "value", nil},
		{user, "x509Certificates", "value", nil},
		{entSchema, "employeeNumber", "", "1"},
		{entSchema, "costCenter", "", "c"},
		{entSchema, "organization", "", "o"},
		{entSchema, "division", "", "d"},
		{entSchema, "department", "", "d"},
		{entSchema, "manager", "value", nil},
		{entSchema, "manager", "$ref", nil},
		{entSchema, "manager", "displayName", nil},
		{group, "displayName", "", nil},
		{group, "externalId", "", nil},
		{group, "members", "value", nil},
		{group, "members", "display", nil},
		{group, "members", "$ref", nil},
		{group, "members", "type", nil},
	}
	for _, tt := range tests {
		t.Run(tt.schema["name"].(string)+" "+tt.name+" "+tt.sub, func(t *testing.T) {
			if schemaAttr(tt.schema, tt.name, tt.sub) == nil {
				t.Errorf("/Schemas lacks %s %s", tt.name, tt.sub)
			}
		})
		if tt.value != nil {
			key := tt.name
			if tt.schema["id"] == EnterpriseSchema {
				key = EnterpriseSchema + ":" + tt.name
			}
			in[key] = tt.value
		}
	}
	// Every simple attribute above is stored, and stored under the name
	// /Schemas gives it.
	got, err := NormalizeUser(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		if tt.value == nil {
			continue
		}
		holder := got
		if tt.schema["id"] == EnterpriseSchema {
			holder = got[EnterpriseSchema].(Doc)
		}
		if _, ok := holder[schemaAttr(tt.schema, tt.name, "")["name"].(string)]; !ok {
			t.Errorf("NormalizeUser did not store %s", tt.name)
		}
	}
	if schemaAttr(user, "password", "") != nil {
		t.Error("password is never stored and must not be advertised")
	}
}

// TestSchemasAreComplete checks every attribute for RFC 7643 §7's
// characteristics and the whole documents for nulls (Microsoft: "don't send
// null values").
func TestSchemasAreComplete(t *testing.T) {
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case nil:
			t.Errorf("%s is null", path)
		case Doc:
			for k, e := range x {
				walk(path+"."+k, e)
			}
		case []any:
			for i, e := range x {
				walk(path+"["+strconv.Itoa(i)+"]", e)
			}
		case string:
			if x == "" {
				t.Errorf("%s is empty", path)
			}
		}
	}
	var checkAttrs func(path string, attrs []any)
	checkAttrs = func(path string, attrs []any) {
		for _, a := range attrs {
			ad := a.(Doc)
			p := path + "." + ad["name"].(string)
			for _, k := range []string{"name", "type", "multiValued", "description", "required", "caseExact", "mutability", "returned", "uniqueness"} {
				if _, ok := ad[k]; !ok {
					t.Errorf("%s has no %s", p, k)
				}
			}
			if ad["type"] == "complex" {
				subs, ok := ad["subAttributes"].([]any)
				if !ok || len(subs) == 0 {
					t.Errorf("%s is complex without subAttributes", p)
				}
				checkAttrs(p, subs)
			}
			if ad["type"] == "reference" {
				if _, ok := ad["referenceTypes"]; !ok {
					t.Errorf("%s is a reference without referenceTypes", p)
				}
			}
		}
	}
	for _, s := range Schemas() {
		walk(s["id"].(string), s)
		checkAttrs(s["id"].(string), s["attributes"].([]any))
		if _, err := json.Marshal(s); err != nil {
			t.Error(err)
		}
	}
	for _, r := range ResourceTypes() {
		walk("ResourceType "+r["id"].(string), r)
	}
	walk("ServiceProviderConfig", ServiceProviderConfig(100))

	user := schemaByID(t, UserSchema)
	for _, c := range []struct{ name, key, want string }{
		{"userName", "uniqueness", "server"},
		{"userName", "caseExact", "false"},
		{"externalId", "caseExact", "true"},
		{"active", "type", "boolean"},
		{"emails", "multiValued", "true"},
	} {
		if got := canon(t, schemaAttr(user, c.name, "")[c.key]); strings.Trim(got, `"`) != c.want {
			t.Errorf("%s.%s = %s, want %s", c.name, c.key, got, c.want)
		}
	}
}

func TestResourceTypesAndConfig(t *testing.T) {
	rts := ResourceTypes()
	if len(rts) != 2 || rts[0]["endpoint"] != "/Users" || rts[0]["schema"] != UserSchema || rts[1]["endpoint"] != "/Groups" || rts[1]["schema"] != GroupSchema {
		t.Fatalf("ResourceTypes = %s", canon(t, rts))
	}
	if got := canon(t, rts[0]["schemaExtensions"]); got != `[{"required":false,"schema":"`+EnterpriseSchema+`"}]` {
		t.Errorf("User schemaExtensions = %s", got)
	}
	spc := ServiceProviderConfig(200)
	if canon(t, spc["patch"]) != `{"supported":true}` || canon(t, spc["filter"]) != `{"maxResults":200,"supported":true}` {
		t.Errorf("ServiceProviderConfig = %s", canon(t, spc))
	}
	if spc["authenticationSchemes"].([]any)[0].(Doc)["type"] != "oauthbearertoken" {
		t.Errorf("authenticationSchemes = %s", canon(t, spc["authenticationSchemes"]))
	}
}
