package resource

import (
	"testing"
)

// Request bodies Azure AD (Entra ID) sends, copied field for field from
// /work/shared/SCIM-AZURE.md §3–§5 (ids shortened there as here). They drive
// the tests below and seed the fuzz targets.

const (
	azureCreateUser = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
 "externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
 "userName":"Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
 "active":true,
 "emails":[{"primary":true,"type":"work","value":"Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"}],
 "meta":{"resourceType":"User"},
 "name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},
 "roles":[]}`

	// The tutorial's "Provision a user" example: unmapped attributes as null
	// and the enterprise URN misspelled "…:2.0User".
	azureCreateUserNulls = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
 "externalId":"jyoung","userName":"Test_User_dfeef4c5-5681-4387-b016-bdf221e82081","active":true,
 "addresses":null,"displayName":"Test User","emails":[{"value":"jyoung@example.com","type":"work","primary":true}],
 "meta":{"resourceType":"User"},"name":{"familyName":"Young","givenName":"John"},
 "phoneNumbers":null,"preferredLanguage":null,"title":null,"department":null,"manager":null}`

	azureCreateGroup = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
 "externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"displayName","meta":{"resourceType":"Group"}}`

	// The reference code's Postman "garbage" create: active as a string.
	postmanCreateStringActive = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"UserName222","active":"True",
 "displayName":"BobIsAmazing","emails":[{"primary":true,"type":"work","value":"testing@bob2.com"}]}`
)

const ent = EnterpriseSchema

// azureUser is the stored user the PATCH bodies are applied to.
const azureUser = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
 "userName":"Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee","externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","active":true,
 "displayName":"Test User","nickName":"Tess",
 "emails":[{"primary":true,"type":"work","value":"Test_User_11bb11bb@testuser.com"},{"type":"home","value":"home@example.com"}],
 "name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},
 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales","manager":{"value":"boss-1"}}}`

// azureUserPatches are Azure AD's user PATCH bodies with what each must do
// to azureUser.
var azureUserPatches = []struct {
	name string
	body string
	want func(d Doc)
}{
	{
		name: "§3 update user multi-valued",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"},
               {"op":"Replace","path":"name.familyName","value":"updatedFamilyName"}]}`,
		want: func(d Doc) {
			elem(d, "emails", 0)["value"] = "updatedEmail@microsoft.com"
			obj(d, "name")["familyName"] = "updatedFamilyName"
		},
	},
	{
		name: "§3 update user single-valued",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations":[{"op":"Replace","path":"userName","value":"5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}]}`,
		want: func(d Doc) { d["userName"] = "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com" },
	},
	{
		name: "§3 disable user (boolean)",
		body: `{"Operations":[{"op":"Replace","path":"active","value":false}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`,
		want: func(d Doc) { d["active"] = false },
	},
	{
		name: "§4 disable user without the flag (string)",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
		want: func(d Doc) { d["active"] = false },
	},
	{
		name: "§4 disable user with aadOptscim062020",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`,
		want: func(d Doc) { d["active"] = false },
	},
	{
		name: "§4 deprovisioning with Add on active (rancher#54025)",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"active","value":"False"}]}`,
		want: func(d Doc) { d["active"] = false },
	},
	{
		name: "§4 add single-valued string without the flag",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"nickName","value":"Babs"}]}`,
		want: func(d Doc) { d["nickName"] = "Babs" },
	},
	{
		name: "§4 add single-valued string with the flag",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"nickName","value":"Babs"}]}`,
		want: func(d Doc) { d["nickName"] = "Babs" },
	},
	{
		name: "§4 replace several attributes without the flag",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
 {"op":"Replace","path":"displayName","value":"Bjfe"},
 {"op":"Replace","path":"emails[type eq \"work\"].value","value":"Bjfe@example.com"},
 {"op":"Replace","path":"name.givenName","value":"Kkom"},
 {"op":"Replace","path":"name.familyName","value":"Unua"},
 {"op":"Replace","path":"externalId","value":"Eqpj"},
 {"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"Aklq"}]}`,
		want: func(d Doc) {
			d["displayName"], d["externalId"] = "Bjfe", "Eqpj"
			elem(d, "emails", 0)["value"] = "Bjfe@example.com"
			obj(d, "name")["givenName"], obj(d, "name")["familyName"] = "Kkom", "Unua"
			obj(d, ent)["employeeNumber"] = "Aklq"
		},
	},
	{
		name: "§4 replace several attributes with the flag (path-less, dotted keys)",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
 {"op":"replace","path":"emails[type eq \"work\"].value","value":"Bjfe@example.com"},
 {"op":"replace","value":{"displayName":"Bjfe","name.givenName":"Kkom","name.familyName":"Unua","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"Aklq"}}]}`,
		want: func(d Doc) {
			d["displayName"] = "Bjfe"
			elem(d, "emails", 0)["value"] = "Bjfe@example.com"
			obj(d, "name")["givenName"], obj(d, "name")["familyName"] = "Kkom", "Unua"
			obj(d, ent)["employeeNumber"] = "Aklq"
		},
	},
	{
		name: "§4 path-less active as a string",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","value":{"active":"False"}}]}`,
		want: func(d Doc) { d["active"] = false },
	},
	{
		name: "§4 restore: active true as a string",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"True"}]}`,
		want: func(d Doc) {},
	},
	{
		name: "§4 Add with a filter on an address that does not exist yet",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"addresses[type eq \"work\"].formatted","value":"Columbus"}]}`,
		want: func(d Doc) { d["addresses"] = []any{Doc{"type": "work", "formatted": "Columbus"}} },
	},
	{
		name: "§4 Replace with a filter that matches nothing adds, keeping the other emails",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"emails[type eq \"other\"].value","value":"other@example.com"}]}`,
		want: func(d Doc) {
			d["emails"] = append(d["emails"].([]any), Doc{"type": "other", "value": "other@example.com"})
		},
	},
	{
		name: "§4 Add a mobile phone by filter",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1 555 0100"}]}`,
		want: func(d Doc) { d["phoneNumbers"] = []any{Doc{"type": "mobile", "value": "+1 555 0100"}} },
	},
	{
		name: "§3 manager as a plain id string (Add)",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"boss-2"}]}`,
		want: func(d Doc) { obj(d, ent)["manager"] = Doc{"value": "boss-2"} },
	},
	{
		name: "§3 manager as a plain id string (Replace)",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"boss-3"}]}`,
		want: func(d Doc) { obj(d, ent)["manager"] = Doc{"value": "boss-3"} },
	},
	{
		name: "§3 manager as the tutorial's Example 5",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"manager","value":[{"$ref":"http://example.com/v1/usersync/SCIM/Users/boss-4","value":"boss-4"}]}]}`,
		want: func(d Doc) {
			obj(d, ent)["manager"] = Doc{"value": "boss-4", "$ref": "http://example.com/v1/usersync/SCIM/Users/boss-4"}
		},
	},
	{
		name: "§3 manager.value by URN path",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value","value":"boss-5"}]}`,
		want: func(d Doc) { obj(d, ent)["manager"] = Doc{"value": "boss-5"} },
	},
	{
		name: "§3 manager removed by path",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}]}`,
		want: func(d Doc) { delete(obj(d, ent), "manager") },
	},
	{
		name: "§3 manager removed by filter (scim-patch#453)",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"manager[value eq \"boss-1\"]"}]}`,
		want: func(d Doc) { delete(obj(d, ent), "manager") },
	},
	{
		name: "§3 manager filter for someone else removes nothing",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"manager[value eq \"boss-9\"]"}]}`,
		want: func(d Doc) {},
	},
	{
		name: "§5 SCIM_Update_Manager_Test: remove via Replace with empty",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":""}]}`,
		want: func(d Doc) { delete(obj(d, ent), "manager") },
	},
	{
		name: "§5 SCIM_Null_Update_Test: empty string then null",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
 {"op":"Replace","path":"nickName","value":""},{"op":"Replace","path":"displayName","value":null},
 {"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":""},
 {"op":"Replace","path":"emails[type eq \"home\"].value","value":null}]}`,
		want: func(d Doc) {
			delete(d, "nickName")
			delete(d, "displayName")
			delete(obj(d, ent), "department")
			d["emails"] = d["emails"].([]any)[:1]
		},
	},
	{
		name: "§5 the SCIM validator's empty Operations",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}`,
		want: func(d Doc) {},
	},
	{
		name: "§5 Postman: PATCH Replace userName",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"userName","value":"ryan3"}]}`,
		want: func(d Doc) { d["userName"] = "ryan3" },
	},
}

// azureGroupPatches are Azure AD's group PATCH bodies (azureCreateGroup as
// the current group) with the resulting displayName and member operations.
var azureGroupPatches = []struct {
	name        string
	body        string
	displayName string
	ops         MemberOps
}{
	{
		name:        "§3 update group non-member",
		body:        `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":"1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}]}`,
		displayName: "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName",
	},
	{
		name:        "§3 add members",
		body:        `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"f648f8d5ea4e4cd38e9c"}]}]}`,
		displayName: "displayName",
		ops:         MemberOps{Add: []string{"f648f8d5ea4e4cd38e9c"}},
	},
	{
		name:        "§3 remove members: only the listed one, not all",
		body:        `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"f648f8d5ea4e4cd38e9c"}]}]}`,
		displayName: "displayName",
		ops:         MemberOps{Remove: []string{"f648f8d5ea4e4cd38e9c"}},
	},
	{
		name:        "§4 remove member without the flag",
		body:        `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"value":"u1091"}]}]}`,
		displayName: "displayName",
		ops:         MemberOps{Remove: []string{"u1091"}},
	},
	{
		name:        "§4 remove member with aadOptscim062020",
		body:        `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"7f4bc1a3-285e-48ae-8202-5accb43efb0e\"]"}]}`,
		displayName: "displayName",
		ops:         MemberOps{Remove: []string{"7f4bc1a3-285e-48ae-8202-5accb43efb0e"}},
	},
	{
		name:        "§5 Postman: add members",
		body:        `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"id-1"},{"value":"id-2"}]}]}`,
		displayName: "displayName",
		ops:         MemberOps{Add: []string{"id-1", "id-2"}},
	},
	{
		name:        "§5 Postman: add a member as a bare string",
		body:        `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":"string id 1"}]}`,
		displayName: "displayName",
		ops:         MemberOps{Add: []string{"string id 1"}},
	},
	{
		name:        "§5 Postman: remove members[value eq]",
		body:        `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"id-1\"]"}]}`,
		displayName: "displayName",
		ops:         MemberOps{Remove: []string{"id-1"}},
	},
	{
		name:        "§5 Postman: remove all members",
		body:        `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members"}]}`,
		displayName: "displayName",
		ops:         MemberOps{RemoveAll: true},
	},
	{
		name: "§5 validator: multi-member PATCH",
		body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
 {"op":"Add","path":"members","value":[{"value":"m1"},{"value":"m2"},{"value":"m3"}]},
 {"op":"Remove","path":"members","value":[{"value":"m2"}]}]}`,
		displayName: "displayName",
		ops:         MemberOps{Add: []string{"m1", "m3"}, Remove: []string{"m2"}},
	},
}

func TestAzureCreateUser(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{
			name: "§3 create user",
			body: azureCreateUser,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
 "userName":"Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee","active":true,
 "emails":[{"primary":true,"type":"work","value":"Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"}],
 "name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"}}`,
		},
		{
			name: "§3 provision a user with nulls and a misspelled URN",
			body: azureCreateUserNulls,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"externalId":"jyoung","userName":"Test_User_dfeef4c5-5681-4387-b016-bdf221e82081",
 "active":true,"displayName":"Test User","emails":[{"value":"jyoung@example.com","type":"work","primary":true}],"name":{"familyName":"Young","givenName":"John"}}`,
		},
		{
			name: "§5 Postman: active \"True\" is stored as true",
			body: postmanCreateStringActive,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"UserName222","active":true,"displayName":"BobIsAmazing",
 "emails":[{"primary":true,"type":"work","value":"testing@bob2.com"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			equalJSON(t, normUser(t, tt.body), tt.want)
		})
	}
	t.Run("§5 Postman: create without userName is a 400", func(t *testing.T) {
		_, err := NormalizeUser(doc(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"active":true,"displayName":"NoUserName"}`))
		wantSCIMError(t, err, ScimInvalidValue, "userName")
	})
}

func TestAzureUserPatches(t *testing.T) {
	for _, tt := range azureUserPatches {
		t.Run(tt.name, func(t *testing.T) {
			cur := normUser(t, azureUser)
			before := canon(t, cur)
			got, err := PatchUser(cur, []byte(tt.body))
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

func TestAzureCreateGroup(t *testing.T) {
	d, members, err := NormalizeGroup(doc(t, azureCreateGroup))
	if err != nil {
		t.Fatal(err)
	}
	equalJSON(t, d, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"displayName"}`)
	if members != nil {
		t.Errorf("members = %q, want none", members)
	}
	if dn, ext := GroupIndex(d); dn != "displayName" || ext != "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159" {
		t.Errorf("GroupIndex = %q %q", dn, ext)
	}
}

func TestAzureGroupPatches(t *testing.T) {
	for _, tt := range azureGroupPatches {
		t.Run(tt.name, func(t *testing.T) {
			cur, _, err := NormalizeGroup(doc(t, azureCreateGroup))
			if err != nil {
				t.Fatal(err)
			}
			got, ops, err := PatchGroup(cur, []byte(tt.body))
			if err != nil {
				t.Fatalf("PatchGroup: %v", err)
			}
			if dn, _ := GroupIndex(got); dn != tt.displayName {
				t.Errorf("displayName = %q, want %q", dn, tt.displayName)
			}
			if _, ok := got["members"]; ok {
				t.Error("members must stay out of the group document")
			}
			equalOps(t, ops, tt.ops)
		})
	}
}

func equalOps(t *testing.T, got, want MemberOps) {
	t.Helper()
	if got.RemoveAll != want.RemoveAll || canon(t, got.Add) != canon(t, want.Add) || canon(t, got.Remove) != canon(t, want.Remove) {
		t.Errorf("MemberOps = %+v, want %+v", got, want)
	}
}

// obj returns the object at key, for editing expected documents.
func obj(d Doc, key string) Doc { return d[key].(Doc) }

// elem returns the i-th value of a multi-valued attribute.
func elem(d Doc, key string, i int) Doc { return d[key].([]any)[i].(Doc) }
