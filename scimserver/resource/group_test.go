package resource

import (
	"fmt"
	"strings"
	"testing"
)

// manyMembers is n member objects with ids m<from>…, comma-separated.
func manyMembers(from, n int) string {
	var b strings.Builder
	for i := from; i < from+n; i++ {
		if i > from {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"value":"m%d"}`, i)
	}
	return b.String()
}

func TestNormalizeGroup(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		members []string
	}{
		{
			name:    "members in every form Azure AD and others send, deduplicated in order",
			in:      `{"displayName":"G","Members":[{"value":"a","display":"A","$ref":null},{"Value":"b","type":"User"},"c",{"value":"a"},null,{"value":""}]}`,
			want:    `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G"}`,
			members: []string{"a", "b", "c"},
		},
		{
			name:    "empty member list",
			in:      `{"displayName":"G","members":[]}`,
			want:    `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G"}`,
			members: nil,
		},
		{
			name: "names are case-insensitive; unknown attributes kept; server-owned ignored",
			in:   `{"DISPLAYNAME":"G","EXTERNALID":"X","id":"i","meta":{"resourceType":"Group"},"urn:example:grp:1.0":{"site":"Paris"},"note":"n"}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","urn:example:grp:1.0"],"displayName":"G","externalId":"X","urn:example:grp:1.0":{"site":"Paris"},"note":"n"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, members, err := NormalizeGroup(doc(t, tt.in))
			if err != nil {
				t.Fatal(err)
			}
			equalJSON(t, d, tt.want)
			if canon(t, members) != canon(t, tt.members) {
				t.Errorf("members = %q, want %q", members, tt.members)
			}
		})
	}
}

func TestNormalizeGroupErrors(t *testing.T) {
	tests := []struct {
		name, in string
		mentions []string
	}{
		{"displayName missing", `{"externalId":"x"}`, []string{"displayName", "required"}},
		{"displayName not a string", `{"displayName":["x"]}`, []string{"displayName"}},
		{"members not a list", `{"displayName":"G","members":5}`, []string{"members"}},
		{"member value not a string", `{"displayName":"G","members":[{"value":5}]}`, []string{"members[0].value"}},
		{"blank displayName", `{"displayName":" \u3000 "}`, []string{"displayName", "blank"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := NormalizeGroup(doc(t, tt.in))
			wantSCIMError(t, err, ScimInvalidValue, tt.mentions...)
		})
	}
}

func TestPatchGroup(t *testing.T) {
	tests := []struct {
		name string
		ops  string
		want MemberOps
		doc  string
	}{
		{"Add is idempotent within a request", `{"op":"add","path":"members","value":[{"value":"a"},{"value":"a"}]},{"op":"add","path":"members","value":["a","b"]}`,
			MemberOps{Add: []string{"a", "b"}}, ""},
		{"Replace members is RemoveAll then Add", `{"op":"replace","path":"members","value":[{"value":"a"}]}`,
			MemberOps{Add: []string{"a"}, RemoveAll: true}, ""},
		{"Replace members with an empty list empties the group", `{"op":"replace","path":"members","value":[]}`,
			MemberOps{RemoveAll: true}, ""},
		{"Remove members with an empty list removes nothing", `{"op":"remove","path":"members","value":[]}`,
			MemberOps{}, ""},
		{"Remove members with a null value removes all", `{"op":"remove","path":"members","value":null}`,
			MemberOps{RemoveAll: true}, ""},
		{"RemoveAll then Add keeps the Add", `{"op":"remove","path":"members"},{"op":"add","path":"members","value":[{"value":"x"}]}`,
			MemberOps{Add: []string{"x"}, RemoveAll: true}, ""},
		{"Add then RemoveAll drops the Add", `{"op":"add","path":"members","value":[{"value":"x"}]},{"op":"remove","path":"members"}`,
			MemberOps{RemoveAll: true}, ""},
		{"Add then Remove of the same member", `{"op":"add","path":"members","value":[{"value":"x"}]},{"op":"remove","path":"members[value eq \"x\"]"}`,
			MemberOps{Remove: []string{"x"}}, ""},
		{"Remove then Add of the same member", `{"op":"remove","path":"members","value":[{"value":"x"}]},{"op":"add","path":"members","value":[{"value":"x"}]}`,
			MemberOps{Add: []string{"x"}}, ""},
		{"members filter with or", `{"op":"remove","path":"members[value eq \"a\" or value eq \"b\"]"}`,
			MemberOps{Remove: []string{"a", "b"}}, ""},
		{"Add by filter", `{"op":"add","path":"members[value eq \"a\"]","value":{"display":"A"}}`,
			MemberOps{Add: []string{"a"}}, ""},
		{"Replace by filter swaps a member", `{"op":"replace","path":"members[value eq \"a\"]","value":{"value":"b"}}`,
			MemberOps{Add: []string{"b"}, Remove: []string{"a"}}, ""},
		{"a member's display is not kept", `{"op":"replace","path":"members[value eq \"a\"].display","value":"A"}`,
			MemberOps{}, ""},
		{"path-less add of members and displayName", `{"op":"add","value":{"members":[{"value":"a"}],"displayName":"New"}}`,
			MemberOps{Add: []string{"a"}}, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"New","externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"}`},
		{"path-less replace of members", `{"op":"Replace","value":{"Members":[{"value":"a"}]}}`,
			MemberOps{Add: []string{"a"}, RemoveAll: true}, ""},
		{"Okta: path-less replace carrying the group's own id", `{"op":"replace","value":{"id":"e9e30dba-f08f-4109-8486-d5c6a331660a","displayName":"Okta","members":[{"value":"a"}]}}`,
			MemberOps{Add: []string{"a"}, RemoveAll: true}, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Okta","externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"}`},
		{"Replace externalId; Remove externalId", `{"op":"replace","path":"externalId","value":"E2"},{"op":"remove","path":"externalId"}`,
			MemberOps{}, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"displayName"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur, _, err := NormalizeGroup(doc(t, azureCreateGroup(t)))
			if err != nil {
				t.Fatal(err)
			}
			before := canon(t, cur)
			got, ops, err := patchGroup(cur, []byte(patchBody(tt.ops)))
			if err != nil {
				t.Fatalf("PatchGroup: %v", err)
			}
			equalOps(t, ops, tt.want)
			want := tt.doc
			if want == "" {
				want = before
			}
			equalJSON(t, got, want)
			if canon(t, cur) != before {
				t.Error("PatchGroup modified its input")
			}
		})
	}
}

func TestPatchGroupErrors(t *testing.T) {
	tests := []struct {
		name, ops, scimType string
		mentions            []string
	}{
		{"members filter on display", `{"op":"remove","path":"members[display eq \"A\"]"}`, ScimInvalidPath, []string{"members[value eq"}},
		{"members sub-attribute without filter", `{"op":"replace","path":"members.value","value":"x"}`, ScimInvalidPath, []string{"members.value"}},
		{"member id not a string", `{"op":"add","path":"members","value":[{"value":7}]}`, ScimInvalidValue, []string{"members[0].value"}},
		{"clearing displayName", `{"op":"replace","path":"displayName","value":""}`, ScimInvalidValue, []string{"displayName", "required"}},
		{"remove without path", `{"op":"remove","value":[{"value":"a"}]}`, ScimNoTarget, nil},
		{"path-less replace carrying another group's id", `{"op":"replace","value":{"id":"another-group","displayName":"Okta"}}`, ScimMutability, []string{"id"}},
		{"blank displayName", `{"op":"replace","path":"displayName","value":"\t"}`, ScimInvalidValue, []string{"displayName", "control"}},
		{"10,001 members in one operation", `{"op":"add","path":"members","value":[` + manyMembers(0, 10001) + `]}`, ScimInvalidValue, []string{"more than 10000", "tooMany"}},
		{"10,001 members over two operations", `{"op":"add","path":"members","value":[` + manyMembers(0, 6000) + `]},{"op":"remove","path":"members","value":[` + manyMembers(6000, 4001) + `]}`, ScimInvalidValue, []string{"at most 10000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur, _, err := NormalizeGroup(doc(t, azureCreateGroup(t)))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = patchGroup(cur, []byte(patchBody(tt.ops)))
			wantSCIMError(t, err, tt.scimType, tt.mentions...)
		})
	}
}

func TestPatchGroupManyMembers(t *testing.T) {
	cur, _, err := NormalizeGroup(doc(t, azureCreateGroup(t)))
	if err != nil {
		t.Fatal(err)
	}
	// Add 10,000, remove every other one: the order of what is left is the
	// order they were added in.
	var rm []string
	for i := 0; i < 10000; i += 2 {
		rm = append(rm, fmt.Sprintf(`"m%d"`, i))
	}
	body := patchBody(`{"op":"add","path":"members","value":[` + manyMembers(0, 5000) + `]},` +
		`{"op":"remove","path":"members","value":[` + strings.Join(rm[:2500], ",") + `]}`)
	_, ops, err := patchGroup(cur, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(ops.Add) != 2500 || ops.Add[0] != "m1" || ops.Add[2499] != "m4999" || len(ops.Remove) != 2500 || ops.Remove[0] != "m0" {
		t.Errorf("Add has %d ids (%s … %s), Remove %d", len(ops.Add), ops.Add[0], ops.Add[len(ops.Add)-1], len(ops.Remove))
	}
}

func TestCheckReadOnly(t *testing.T) {
	self := Meta{ResourceType: "User", ID: "u-1"}
	for _, tt := range []struct {
		name, body string
		ok         bool
	}{
		{"nothing read-only", `{"userName":"a"}`, true},
		{"its own id, meta and schemas", `{"id":"u-1","meta":{"resourceType":"User","created":"2019-09-18T18:15:26.5788954+00:00"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]}`, true},
		{"null id", `{"id":null}`, true},
		{"another id", `{"id":"u-2"}`, false},
		{"an id in another case", `{"ID":"U-1"}`, false},
		{"a Group's meta", `{"meta":{"resourceType":"Group"}}`, false},
		{"a Group's schemas", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}`, false},
		{"schemas not a list of strings", `{"schemas":[1]}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckReadOnly(User, doc(t, tt.body), self)
			if tt.ok && err != nil {
				t.Fatalf("CheckReadOnly: %v", err)
			}
			if !tt.ok {
				wantSCIMError(t, err, ScimMutability)
			}
		})
	}
}

func TestNormalizeGroupRefusesTooManyMembers(t *testing.T) {
	// Built without Decode, which refuses such an array on its own.
	list := make([]any, MaxMembers+1)
	for i := range list {
		list[i] = map[string]any{"value": fmt.Sprint("m", i)}
	}
	_, _, err := NormalizeGroup(Doc{"displayName": "G", "members": list})
	wantSCIMError(t, err, ScimInvalidValue, "10001", "at most 10000")
}
