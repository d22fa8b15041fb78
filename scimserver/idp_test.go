package scimserver

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/hostdb"
)

// newKey makes an API key for idp through the admin API, as the console does.
func (e *env) newKey(idp hostsync.IdP) (secret, id string) {
	e.t.Helper()
	r := e.adm("POST", "/apikeys", `{"label":"`+idp.Name()+`","idp":"`+string(idp)+`"}`).want(e.t, 201)
	equal(e.t, "new key's idp", r.get("key.idp"), string(idp))
	return r.get("secret").(string), r.get("key.id").(string)
}

func TestKeysBelongToAnIdP(t *testing.T) {
	e := newEnv(t)
	_, id := e.newKey(hostsync.IdPOkta)
	old := e.adm("POST", "/apikeys", `{"label":"an older console"}`).want(t, 201)
	equal(t, "a key without idp is Azure AD's", old.get("key.idp"), "azuread")
	bad := e.adm("POST", "/apikeys", `{"label":"x","idp":"google"}`)
	bad.wantError(t, 400, "invalidValue")
	for _, valid := range []string{`"google"`, `"azuread"`, `"okta"`, `"onelogin"`} {
		if d, _ := bad.get("detail").(string); !strings.Contains(d, valid) {
			t.Errorf("detail %q does not name %s", d, valid)
		}
	}
	list := e.adm("GET", "/apikeys", "").want(t, 200)
	equal(t, "keys", len(list.get("keys").([]any)), 3)
	equal(t, "okta key listed with its idp", list.get("keys.1.id"), id)
	equal(t, "okta key's idp", list.get("keys.1.idp"), "okta")
	equal(t, "the env's key", list.get("keys.0.idp"), "azuread")
}

func TestHostsAndActivityNameTheKeysIdP(t *testing.T) {
	e := newEnv(t)
	okta, id := e.newKey(hostsync.IdPOkta)
	r := e.call("POST", SCIMBasePath+"/Users", userBody("ann"), okta).want(t, 201)
	host := r.get("id").(string)
	e.call("PATCH", SCIMBasePath+"/Users/"+host, patchBody(`{"op":"replace","value":{"active":false}}`), okta).want(t, 200)
	azure := e.createUser(userBody("bob")).get("id").(string)

	equal(t, "admin host's idp", e.adm("GET", "/hosts/"+host, "").get("idp"), "okta")
	equal(t, "azure host's idp", e.adm("GET", "/hosts/"+azure, "").get("idp"), "azuread")
	feed := e.adm("GET", "/changes?since=0", "").want(t, 200)
	idps := map[string]any{}
	for _, c := range feed.get("changes").([]any) {
		h := c.(map[string]any)["host"].(map[string]any)
		idps[h["userName"].(string)] = h["idp"]
	}
	equal(t, "feed idps", idps, map[string]any{"ann": "okta", "bob": "azuread"})

	act := e.adm("GET", "/activity?resourceId="+host, "").want(t, 200)
	equal(t, "deactivated", act.get("events.1.action"), hostsync.ActionHostDeactivated)
	equal(t, "by Okta in words", act.get("events.1.actorName"), "Okta (key #"+id+")")
}

// TestAnotherIdPsUserNameIsAConflictNamingIt: during a migration from Okta to
// Azure AD both hold keys; the second to provision ann gets 409 naming the
// first, while the same IdP sees the conflict it always did.
func TestAnotherIdPsUserNameIsAConflictNamingIt(t *testing.T) {
	e := newEnv(t)
	okta, _ := e.newKey(hostsync.IdPOkta)
	e.call("POST", SCIMBasePath+"/Users", userBody("ann@contoso.com"), okta).want(t, 201)

	r := e.scim("POST", "/Users", userBody("Ann@Contoso.com"))
	r.wantError(t, 409, "uniqueness")
	d, _ := r.get("detail").(string)
	if !strings.Contains(d, "provisioned by Okta") || !strings.Contains(d, "Ann@Contoso.com") || !strings.Contains(d, "Azure AD") {
		t.Errorf("detail %q: want it to name Okta as the provisioner and the userName", d)
	}

	same := e.call("POST", SCIMBasePath+"/Users", userBody("ann@contoso.com"), okta)
	same.wantError(t, 409, "uniqueness")
	equal(t, "same IdP's detail", same.get("detail"), `userName "ann@contoso.com" is already taken`)

	// Once Okta deletes ann, Azure AD may create her.
	id := e.adm("GET", "/hosts?state=active", "").get("hosts.0.id").(string)
	e.call("DELETE", SCIMBasePath+"/Users/"+id, "", okta).want(t, 204)
	equal(t, "azure's ann", e.createUser(userBody("ann@contoso.com")).get("userName"), "ann@contoso.com")
}

// TestStatusSurvivesARestart: each IdP's last call and change, and the last
// refused SCIM and admin calls, are read back by a new process on the same
// file, with method and path.
func TestStatusSurvivesARestart(t *testing.T) {
	e := newEnv(t)
	okta, oktaID := e.newKey(hostsync.IdPOkta)
	id := e.call("POST", SCIMBasePath+"/Users", userBody("ann"), okta).want(t, 201).get("id").(string)
	e.call("PATCH", SCIMBasePath+"/Users/"+id, patchBody(`{"op":"replace","path":"displayName","value":"Ann Lee"}`), okta).want(t, 200)
	e.call("GET", SCIMBasePath+"/Users/"+id, "", okta).want(t, 200)
	e.createUser(userBody("bob"))
	time.Sleep(1100 * time.Millisecond) // past the throttle of refusals' log entries
	e.call("GET", SCIMBasePath+"/Groups?count=1", "", "vhs_wrong").want(t, 401)
	e.call("GET", AdminBasePath+"/status", "", "vha_wrong").want(t, 401)

	check := func(st resp) {
		t.Helper()
		equal(t, "rejected SCIM call", []any{st.get("lastRejectedCall.method"), st.get("lastRejectedCall.path")},
			[]any{"GET", SCIMBasePath + "/Groups"})
		equal(t, "rejected admin call", []any{st.get("lastRejectedAdminCall.method"), st.get("lastRejectedAdminCall.path")},
			[]any{"GET", AdminBasePath + "/status"})
		if r, _ := st.get("lastRejectedAdminCall.reason").(string); !strings.Contains(r, "admin") {
			t.Errorf("admin refusal's reason %q does not say admin", r)
		}
		equal(t, "idps", []any{st.get("idps.0.idp"), st.get("idps.1.idp"), st.get("idps.2")}, []any{"azuread", "okta", nil})
		equal(t, "okta keys", st.get("idps.1.keys"), 1)
		equal(t, "okta's last call", []any{st.get("idps.1.lastSuccessfulCall.method"), st.get("idps.1.lastSuccessfulCall.path"),
			st.get("idps.1.lastSuccessfulCall.actor")}, []any{"GET", "/Users/" + id, "apikey:" + oktaID})
		equal(t, "okta's last change", []any{st.get("idps.1.lastChange.action"), st.get("idps.1.lastChange.target"),
			st.get("idps.1.lastChange.idp"), st.get("idps.1.lastChange.method"), st.get("idps.1.lastChange.path")},
			[]any{hostsync.ActionHostUpdated, "Ann Lee", "okta", "PATCH", "/Users/" + id})
		equal(t, "azure's last change", []any{st.get("idps.0.lastChange.action"), st.get("idps.0.lastChange.target")},
			[]any{hostsync.ActionHostCreated, "User bob"})
		equal(t, "azure keys (the env's and okta's creator's are apart)", st.get("idps.0.keys"), 1)
		equal(t, "last call of all", st.get("lastSuccessfulCall.path"), "/Users")
	}
	check(e.adm("GET", "/status", "").want(t, 200))

	// A new process on the same file.
	e.srv.Close()
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := hostdb.Open(context.Background(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e.srv = httptest.NewServer(New(st, Options{}))
	defer e.srv.Close()
	e.st = st
	check(e.adm("GET", "/status", "").want(t, 200))

	// The refusals' activity entries tell the doors apart.
	act := e.adm("GET", "/activity?action=auth.rejected", "").want(t, 200)
	var details []string
	for _, ev := range act.get("events").([]any) {
		details = append(details, ev.(map[string]any)["detail"].(string))
	}
	if len(details) != 2 || strings.HasPrefix(details[0], "admin API") || !strings.HasPrefix(details[1], "admin API") ||
		!strings.Contains(details[0], `GET "`+SCIMBasePath+`/Groups"`) || !strings.Contains(details[1], `GET "`+AdminBasePath+`/status"`) {
		t.Errorf("auth.rejected details %q: want the SCIM one, then the admin API's, each with method and path", details)
	}
}

// TestAdminRefusalIsNotAnIdPsRejectedCall: the console's own wrong admin
// credential never shows as an IdP holding a wrong key.
func TestAdminRefusalIsNotAnIdPsRejectedCall(t *testing.T) {
	e := newEnv(t)
	e.call("GET", AdminBasePath+"/hosts", "", "vha_wrong").want(t, http.StatusUnauthorized)
	e.call("GET", AdminBasePath+"/hosts", "", "").want(t, http.StatusUnauthorized)
	st := e.adm("GET", "/status", "").want(t, 200)
	equal(t, "SCIM refusals", st.get("lastRejectedCall"), nil)
	equal(t, "admin refusal", st.get("lastRejectedAdminCall.path"), AdminBasePath+"/hosts")

	e.call("GET", SCIMBasePath+"/Users", "", "").want(t, http.StatusUnauthorized)
	st = e.adm("GET", "/status", "").want(t, 200)
	equal(t, "SCIM refusal", st.get("lastRejectedCall.reason"), "no bearer token")
	equal(t, "admin refusal kept", st.get("lastRejectedAdminCall.path"), AdminBasePath+"/hosts")
}

// TestStatusOfAServiceWithoutKeys: no IdP yet is an empty list, not null,
// which a console reads as a service too old to list IdPs.
func TestStatusOfAServiceWithoutKeys(t *testing.T) {
	ctx := context.Background()
	st, err := hostdb.Open(ctx, filepath.Join(t.TempDir(), "hostsync.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	admin, err := st.RotateAdminToken(ctx, hostsync.Actor{Kind: hostsync.ActorCLI})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(st, Options{Version: "test"}))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+AdminBasePath+"/status", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		IdPs json.RawMessage `json:"idps"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || string(body.IdPs) != "[]" {
		t.Fatalf("status %d, idps of a service without keys = %s, want []", res.StatusCode, body.IdPs)
	}
}

// TestEventsAndRemoversNameTheKeysIdP: the activity log says which IdP's key
// acted (idp), and a removed host names its remover with that IdP
// ("Okta (key #2)", not "API key #2") in the host list, a host and the change
// feed; still so once the key is revoked.
func TestEventsAndRemoversNameTheKeysIdP(t *testing.T) {
	e := newEnv(t)
	okta, oktaID := e.newKey(hostsync.IdPOkta)
	one, oneID := e.newKey(hostsync.IdPOneLogin)
	ann := e.call("POST", SCIMBasePath+"/Users", userBody("ann"), okta).want(t, 201).get("id").(string)
	e.call("PATCH", SCIMBasePath+"/Users/"+ann, patchBody(`{"op":"replace","value":{"active":false}}`), okta).want(t, 200)
	e.call("DELETE", SCIMBasePath+"/Users/"+ann, "", one).want(t, 204)
	bob := e.createUser(userBody("bob")).get("id").(string)
	e.scim("DELETE", "/Users/"+bob, "").want(t, 204)
	e.adm("POST", "/apikeys/"+oktaID+"/revoke", "").want(t, 200)

	act := e.adm("GET", "/activity?resourceId="+ann, "").want(t, 200)
	var got [][2]any
	for _, ev := range act.get("events").([]any) {
		m := ev.(map[string]any)
		got = append(got, [2]any{m["action"], m["idp"]})
	}
	equal(t, "ann's events and their IdPs", got, [][2]any{
		{hostsync.ActionHostCreated, "okta"}, {hostsync.ActionHostDeactivated, "okta"}, {hostsync.ActionHostDeleted, "onelogin"}})
	keyEvents := e.adm("GET", "/activity?action="+hostsync.ActionKeyRevoked, "").want(t, 200)
	equal(t, "an admin's event has no idp", keyEvents.get("events.0.idp"), nil)

	oktaName, oneName := "Okta (key #"+oktaID+")", "OneLogin (key #"+oneID+")"
	h := e.adm("GET", "/hosts/"+ann, "").want(t, 200)
	equal(t, "ann's removers", []any{h.get("deactivatedBy"), h.get("deactivatedByName"), h.get("deletedBy"), h.get("deletedByName")},
		[]any{"apikey:" + oktaID, oktaName, "apikey:" + oneID, oneName})
	list := e.adm("GET", "/hosts?state=removed", "").want(t, 200)
	names := map[any]any{}
	for _, x := range list.get("hosts").([]any) {
		m := x.(map[string]any)
		names[m["userName"]] = m["deletedByName"]
	}
	equal(t, "removed hosts' removers", names, map[any]any{"ann": oneName, "bob": "Azure AD (key #1)"})
	feed := e.adm("GET", "/changes?since=0", "").want(t, 200)
	names = map[any]any{}
	for _, c := range feed.get("changes").([]any) {
		m := c.(map[string]any)["host"].(map[string]any)
		names[m["userName"]] = []any{m["deactivatedByName"], m["deletedByName"]}
	}
	equal(t, "feed's removers", names, map[any]any{"ann": []any{oktaName, oneName}, "bob": []any{nil, "Azure AD (key #1)"}})

	restored := e.adm("POST", "/hosts/"+bob+"/restore", "").want(t, 200)
	equal(t, "a restored host names no remover", []any{restored.get("deletedByName"), restored.get("restoredBy")}, []any{nil, "admin"})
}
