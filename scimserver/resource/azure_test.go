package resource

import (
	"testing"
)

// The request bodies Azure AD (Entra ID) sends, and those of Microsoft's
// reference Postman suite, are recorded once, one file per request, in
// testdata/azuread at the repository root (see its README); the tables below
// say what each must do. The server's tests replay the same files over HTTP.

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
	file string
	want func(d Doc)
}{
	{
		name: "§3 update user multi-valued",
		file: "patch-user-replace-work-email-and-family-name.json",
		want: func(d Doc) {
			elem(d, "emails", 0)["value"] = "updatedEmail@microsoft.com"
			obj(d, "name")["familyName"] = "updatedFamilyName"
		},
	},
	{
		name: "§3 update user single-valued",
		file: "patch-user-replace-username.json",
		want: func(d Doc) { d["userName"] = "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com" },
	},
	{
		name: "§3 disable user (boolean)",
		file: "patch-user-replace-active-false.json",
		want: func(d Doc) { d["active"] = false },
	},
	{
		name: "§4 disable user without the flag (string)",
		file: "patch-user-replace-active-string-false.json",
		want: func(d Doc) { d["active"] = false },
	},
	{
		name: "§4 disable user with aadOptscim062020",
		file: "patch-user-replace-active-false-flag.json",
		want: func(d Doc) { d["active"] = false },
	},
	{
		name: "§4 deprovisioning with Add on active (rancher#54025)",
		file: "patch-user-add-active-string-false.json",
		want: func(d Doc) { d["active"] = false },
	},
	{
		name: "§4 add single-valued string without the flag",
		file: "patch-user-add-nickname.json",
		want: func(d Doc) { d["nickName"] = "Babs" },
	},
	{
		name: "§4 add single-valued string with the flag",
		file: "patch-user-add-nickname-flag.json",
		want: func(d Doc) { d["nickName"] = "Babs" },
	},
	{
		name: "§4 replace several attributes without the flag",
		file: "patch-user-replace-several.json",
		want: func(d Doc) {
			d["displayName"], d["externalId"] = "Bjfe", "Eqpj"
			elem(d, "emails", 0)["value"] = "Bjfe@example.com"
			obj(d, "name")["givenName"], obj(d, "name")["familyName"] = "Kkom", "Unua"
			obj(d, ent)["employeeNumber"] = "Aklq"
		},
	},
	{
		name: "§4 replace several attributes with the flag (path-less, dotted keys)",
		file: "patch-user-replace-several-flag.json",
		want: func(d Doc) {
			d["displayName"] = "Bjfe"
			elem(d, "emails", 0)["value"] = "Bjfe@example.com"
			obj(d, "name")["givenName"], obj(d, "name")["familyName"] = "Kkom", "Unua"
			obj(d, ent)["employeeNumber"] = "Aklq"
		},
	},
	{
		name: "§4 path-less active as a string",
		file: "patch-user-replace-pathless-active-string-false.json",
		want: func(d Doc) { d["active"] = false },
	},
	{
		name: "§4 restore: active true as a string",
		file: "patch-user-replace-active-string-true.json",
		want: func(d Doc) {},
	},
	{
		name: "§4 Add with a filter on an address that does not exist yet",
		file: "patch-user-add-work-address-by-filter.json",
		want: func(d Doc) { d["addresses"] = []any{Doc{"type": "work", "formatted": "Columbus"}} },
	},
	{
		name: "§4 Replace with a filter that matches nothing adds, keeping the other emails",
		file: "patch-user-replace-other-email-by-filter.json",
		want: func(d Doc) {
			d["emails"] = append(d["emails"].([]any), Doc{"type": "other", "value": "other@example.com"})
		},
	},
	{
		name: "§4 Add a mobile phone by filter",
		file: "patch-user-add-mobile-phone-by-filter.json",
		want: func(d Doc) { d["phoneNumbers"] = []any{Doc{"type": "mobile", "value": "+1 555 0100"}} },
	},
	{
		name: "§3 manager as a plain id string (Add)",
		file: "patch-user-add-manager-id.json",
		want: func(d Doc) { obj(d, ent)["manager"] = Doc{"value": "boss-2"} },
	},
	{
		name: "§3 manager as a plain id string (Replace)",
		file: "patch-user-replace-manager-id.json",
		want: func(d Doc) { obj(d, ent)["manager"] = Doc{"value": "boss-3"} },
	},
	{
		name: "§3 manager as the tutorial's Example 5",
		file: "patch-user-add-manager-list.json",
		want: func(d Doc) {
			obj(d, ent)["manager"] = Doc{"value": "boss-4", "$ref": "http://example.com/v1/usersync/SCIM/Users/boss-4"}
		},
	},
	{
		name: "§3 manager.value by URN path",
		file: "patch-user-replace-manager-value.json",
		want: func(d Doc) { obj(d, ent)["manager"] = Doc{"value": "boss-5"} },
	},
	{
		name: "§3 manager removed by path",
		file: "patch-user-remove-manager.json",
		want: func(d Doc) { delete(obj(d, ent), "manager") },
	},
	{
		name: "§3 manager removed by filter (scim-patch#453)",
		file: "patch-user-remove-manager-by-filter.json",
		want: func(d Doc) { delete(obj(d, ent), "manager") },
	},
	{
		name: "§3 manager filter for someone else removes nothing",
		file: "patch-user-remove-other-manager-by-filter.json",
		want: func(d Doc) {},
	},
	{
		name: "§5 SCIM_Update_Manager_Test: remove via Replace with empty",
		file: "patch-user-replace-manager-empty.json",
		want: func(d Doc) { delete(obj(d, ent), "manager") },
	},
	{
		name: "§5 SCIM_Null_Update_Test: empty string then null",
		file: "patch-user-null-update.json",
		want: func(d Doc) {
			delete(d, "nickName")
			delete(d, "displayName")
			delete(obj(d, ent), "department")
			d["emails"] = d["emails"].([]any)[:1]
		},
	},
	{
		name: "§5 the SCIM validator's empty Operations",
		file: "patch-user-empty-operations.json",
		want: func(d Doc) {},
	},
	{
		name: "§5 Postman: PATCH Replace userName",
		file: "postman-patch-user-replace-username.json",
		want: func(d Doc) { d["userName"] = "ryan3" },
	},
}

// azureGroupPatches are Azure AD's group PATCH bodies (azureCreateGroup as
// the current group) with the resulting displayName and member operations.
var azureGroupPatches = []struct {
	name        string
	file        string
	displayName string
	ops         MemberOps
}{
	{
		name:        "§3 update group non-member",
		file:        "patch-group-replace-display-name.json",
		displayName: "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName",
	},
	{
		name:        "§3 add members",
		file:        "patch-group-add-member.json",
		displayName: "displayName",
		ops:         MemberOps{Add: []string{"f648f8d5ea4e4cd38e9c"}},
	},
	{
		name:        "§3 remove members: only the listed one, not all",
		file:        "patch-group-remove-member.json",
		displayName: "displayName",
		ops:         MemberOps{Remove: []string{"f648f8d5ea4e4cd38e9c"}},
	},
	{
		name:        "§4 remove member without the flag",
		file:        "patch-group-remove-member-value.json",
		displayName: "displayName",
		ops:         MemberOps{Remove: []string{"u1091"}},
	},
	{
		name:        "§4 remove member with aadOptscim062020",
		file:        "patch-group-remove-member-by-filter-flag.json",
		displayName: "displayName",
		ops:         MemberOps{Remove: []string{"7f4bc1a3-285e-48ae-8202-5accb43efb0e"}},
	},
	{
		name:        "§5 Postman: add members",
		file:        "postman-patch-group-add-members.json",
		displayName: "displayName",
		ops:         MemberOps{Add: []string{"id-1", "id-2"}},
	},
	{
		name:        "§5 Postman: add a member as a bare string",
		file:        "postman-patch-group-add-member-string.json",
		displayName: "displayName",
		ops:         MemberOps{Add: []string{"string id 1"}},
	},
	{
		name:        "§5 Postman: remove members[value eq]",
		file:        "postman-patch-group-remove-member-by-filter.json",
		displayName: "displayName",
		ops:         MemberOps{Remove: []string{"id-1"}},
	},
	{
		name:        "§5 Postman: remove all members",
		file:        "postman-patch-group-remove-all-members.json",
		displayName: "displayName",
		ops:         MemberOps{RemoveAll: true},
	},
	{
		name:        "§5 validator: multi-member PATCH",
		file:        "patch-group-add-and-remove-members.json",
		displayName: "displayName",
		ops:         MemberOps{Add: []string{"m1", "m3"}, Remove: []string{"m2"}},
	},
}

func TestAzureCreateUser(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{
			name: "§3 create user",
			file: "create-user.json",
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
 "userName":"Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee","active":true,
 "emails":[{"primary":true,"type":"work","value":"Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"}],
 "name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"}}`,
		},
		{
			name: "§3 provision a user with nulls and a misspelled URN",
			file: "create-user-with-nulls.json",
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"externalId":"jyoung","userName":"Test_User_dfeef4c5-5681-4387-b016-bdf221e82081",
 "active":true,"displayName":"Test User","emails":[{"value":"jyoung@example.com","type":"work","primary":true}],"name":{"familyName":"Young","givenName":"John"}}`,
		},
		{
			name: "§5 Postman: active \"True\" is stored as true",
			file: "postman-create-user-string-active.json",
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"UserName222","active":true,"displayName":"BobIsAmazing",
 "emails":[{"primary":true,"type":"work","value":"testing@bob2.com"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			equalJSON(t, normUser(t, string(recorded(t, tt.file))), tt.want)
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
			got, err := patchUser(cur, recorded(t, tt.file))
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
	d, members, err := NormalizeGroup(doc(t, azureCreateGroup(t)))
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
			cur, _, err := NormalizeGroup(doc(t, azureCreateGroup(t)))
			if err != nil {
				t.Fatal(err)
			}
			got, ops, err := patchGroup(cur, recorded(t, tt.file))
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
