package scimserver

import "testing"

// TestDeleteIsSoftAndFreesUserName checks RFC 7644 §3.6 as the connector
// promises it: gone for SCIM, kept for the admin, userName free again.
func TestDeleteIsSoftAndFreesUserName(t *testing.T) {
	e := newEnv(t)
	id := e.createUser(userBody("ivy@contoso.example")).get("id").(string)
	e.scim("DELETE", "/Users/"+id, "").want(t, 204)

	e.scim("GET", "/Users/"+id, "").wantError(t, 404, "")
	e.scim("PATCH", "/Users/"+id, patchBody(`{"op":"Replace","path":"title","value":"x"}`)).wantError(t, 404, "")
	e.scim("PUT", "/Users/"+id, userBody("ivy@contoso.example")).wantError(t, 404, "")
	e.scim("DELETE", "/Users/"+id, "").wantError(t, 404, "")
	equal(t, "filter omits it", e.scim("GET", "/Users?"+filterQ(`userName eq "ivy@contoso.example"`), "").get("totalResults"), 0.0)
	equal(t, "list omits it", e.scim("GET", "/Users", "").get("totalResults"), 0.0)

	again := e.createUser(userBody("IVY@contoso.example")).get("id").(string)
	if again == id {
		t.Fatalf("re-created user got the deleted user's id")
	}
	h := e.adm("GET", "/hosts/"+id, "").want(t, 200)
	equal(t, "admin sees the deleted host", h.get("state"), "deleted")
	equal(t, "deleted how", h.get("removedHow"), "DELETE")
	equal(t, "deleted by", h.get("deletedBy"), "apikey:1")
	equal(t, "data kept", h.get("resource.userName"), "ivy@contoso.example")
}

func TestGetUnknownIDIs404(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/Users/does-not-exist", "/Groups/does-not-exist"} {
		e.scim("GET", p, "").wantError(t, 404, "")
		e.scim("DELETE", p, "").wantError(t, 404, "")
		e.scim("PATCH", p, patchBody(`{"op":"Replace","path":"displayName","value":"x"}`)).wantError(t, 404, "")
	}
}
