package scimserver

import (
	"fmt"
	"sort"
	"testing"
)

func memberIDs(t *testing.T, e *env, gid string) []string {
	t.Helper()
	r := e.scim("GET", "/Groups/"+gid, "").want(t, 200)
	var ids []string
	list, _ := r.get("members").([]any)
	for _, m := range list {
		ids = append(ids, m.(map[string]any)["value"].(string))
	}
	sort.Strings(ids)
	return ids
}

func sorted(ids ...string) []string {
	out := append([]string(nil), ids...)
	sort.Strings(out)
	return out
}

func TestGroupsAsAzureUsesThem(t *testing.T) {
	e := newEnv(t)
	r := e.scim("POST", "/Groups", recorded(t, "azuread/create-group.json")).want(t, 201)
	gid := r.get("id").(string)
	equal(t, "members", r.get("members"), []any{})
	equal(t, "Location", r.Header.Get("Location"), e.srv.URL+SCIMBasePath+"/Groups/"+gid)
	e.scim("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"DISPLAYNAME"}`).wantError(t, 409, "uniqueness")

	var users []string
	for i := range 4 {
		users = append(users, e.createUser(userBody(fmt.Sprintf("member%d", i))).get("id").(string))
	}
	add := fmt.Sprintf(`{"op":"Add","path":"members","value":[{"$ref":null,"value":%q},{"$ref":null,"value":%q},{"$ref":null,"value":%q}]}`, users[0], users[1], users[2])
	e.scim("PATCH", "/Groups/"+gid, patchBody(add)).want(t, 204)
	e.scim("PATCH", "/Groups/"+gid, patchBody(add)).want(t, 204) // idempotent
	equal(t, "after add", memberIDs(t, e, gid), sorted(users[0], users[1], users[2]))

	g := e.scim("GET", "/Groups/"+gid+"?excludedAttributes=members", "").want(t, 200)
	equal(t, "members excluded", g.get("members"), nil)
	equal(t, "displayName", g.get("displayName"), "displayName")

	l := e.scim("GET", "/Groups?excludedAttributes=members&"+filterQ(`displayName eq "displayName"`), "").want(t, 200)
	equal(t, "filter by displayName", l.get("Resources.0.id"), gid)
	equal(t, "list excludes members", l.get("Resources.0.members"), nil)

	// Azure AD's default removal names the member in value: remove only that one.
	e.scim("PATCH", "/Groups/"+gid, patchBody(fmt.Sprintf(`{"op":"Remove","path":"members","value":[{"$ref":null,"value":%q}]}`, users[0]))).want(t, 204)
	equal(t, "after value-form remove", memberIDs(t, e, gid), sorted(users[1], users[2]))
	// The feature-flag form names it in the path.
	e.scim("PATCH", "/Groups/"+gid, patchBody(fmt.Sprintf(`{"op":"remove","path":"members[value eq \"%s\"]"}`, users[1]))).want(t, 204)
	equal(t, "after path-form remove", memberIDs(t, e, gid), []string{users[2]})

	e.scim("PATCH", "/Groups/"+gid, patchBody(`{"op":"Replace","path":"displayName","value":"1879db59-updatedDisplayName"}`)).want(t, 204)
	equal(t, "renamed", e.scim("GET", "/Groups/"+gid, "").get("displayName"), "1879db59-updatedDisplayName")
	equal(t, "members kept by rename", memberIDs(t, e, gid), []string{users[2]})

	e.scim("PATCH", "/Groups/"+gid, patchBody(`{"op":"Add","path":"members","value":[{"value":"no-such-user"}]}`)).wantError(t, 400, "invalidValue")
	equal(t, "failed add changed nothing", memberIDs(t, e, gid), []string{users[2]})

	e.scim("DELETE", "/Groups/"+gid, "").want(t, 204)
	e.scim("GET", "/Groups/"+gid, "").wantError(t, 404, "")
	e.scim("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"displayName"}`).want(t, 201)
}

func TestDeletedHostLeavesItsGroups(t *testing.T) {
	e := newEnv(t)
	u := e.createUser(userBody("kim")).get("id").(string)
	gid := e.scim("POST", "/Groups", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G","members":[{"value":%q}]}`, u)).want(t, 201).get("id").(string)
	equal(t, "member", memberIDs(t, e, gid), []string{u})
	e.scim("DELETE", "/Users/"+u, "").want(t, 204)
	equal(t, "deleted host not listed", memberIDs(t, e, gid), []string(nil))
	e.adm("POST", "/hosts/"+u+"/restore", "").want(t, 200)
	equal(t, "restored host is back in its group", memberIDs(t, e, gid), []string{u})
}
