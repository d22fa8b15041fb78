package scimserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/hostdb"
)

func TestAdminKeys(t *testing.T) {
	e := newEnv(t)
	r := e.adm("POST", "/apikeys", `{"label":"Azure AD 2026-11"}`).want(t, 201)
	secret := r.get("secret").(string)
	if len(secret) < 43 { // 32 bytes in base64 plus the prefix
		t.Errorf("secret %d chars, want ≥ 256 bits", len(secret))
	}
	equal(t, "prefix", r.get("key.prefix"), secret[:8])
	list := e.adm("GET", "/apikeys", "").want(t, 200)
	equal(t, "two keys", len(list.get("keys").([]any)), 2)
	equal(t, "label", list.get("keys.1.label"), "Azure AD 2026-11")
	if strings.Contains(list.Raw, secret) {
		t.Errorf("key list leaks the secret")
	}
	e.adm("POST", "/apikeys/99/revoke", "").wantError(t, 404, "")
	rv := e.adm("POST", "/apikeys/2/revoke", "").want(t, 200)
	if rv.get("revoked") == nil {
		t.Errorf("revoked key has no revoked time: %s", rv.Raw)
	}
}

func TestAdminHostsStatesAndRestore(t *testing.T) {
	e := newEnv(t)
	active := e.createUser(userBody("active")).get("id").(string)
	deact := e.createUser(userBody("deact")).get("id").(string)
	deleted := e.createUser(userBody("gone")).get("id").(string)
	e.scim("PATCH", "/Users/"+deact, patchBody(`{"op":"Replace","path":"active","value":"False"}`)).want(t, 200)
	e.scim("DELETE", "/Users/"+deleted, "").want(t, 204)

	for state, want := range map[string][]string{
		"active": {active}, "deactivated": {deact}, "deleted": {deleted},
		"removed": {deact, deleted}, "all": {active, deact, deleted},
	} {
		r := e.adm("GET", "/hosts?state="+state, "").want(t, 200)
		var got []string
		for _, h := range r.get("hosts").([]any) {
			got = append(got, h.(map[string]any)["id"].(string))
		}
		equal(t, "hosts in state "+state, got, want)
	}
	d := e.adm("GET", "/hosts/"+deact, "").want(t, 200)
	equal(t, "deactivated how", d.get("removedHow"), "active=false")
	equal(t, "deactivated by", d.get("deactivatedBy"), "apikey:1")

	e.adm("POST", "/hosts/"+deact+"/restore", "").want(t, 200)
	equal(t, "restored via SCIM view", e.scim("GET", "/Users/"+deact, "").get("active"), true)
	r := e.adm("POST", "/hosts/"+deleted+"/restore", "").want(t, 200)
	equal(t, "restored state", r.get("state"), "active")
	equal(t, "restored by", r.get("restoredBy"), "admin")
	equal(t, "deleted host visible again", e.scim("GET", "/Users/"+deleted, "").want(t, 200).get("userName"), "gone")

	// A deleted host whose userName was re-created cannot come back: 409, nothing changes.
	e.scim("DELETE", "/Users/"+deleted, "").want(t, 204)
	e.createUser(userBody("gone"))
	e.adm("POST", "/hosts/"+deleted+"/restore", "").wantError(t, 409, "uniqueness")
	equal(t, "still deleted", e.adm("GET", "/hosts/"+deleted, "").get("state"), "deleted")
	e.adm("POST", "/hosts/nope/restore", "").wantError(t, 404, "")
}

func TestActivityLogRecordsEveryChange(t *testing.T) {
	e := newEnv(t)
	id := e.createUser(userBody("mia")).get("id").(string)
	e.scim("PATCH", "/Users/"+id, patchBody(`{"op":"Replace","path":"title","value":"Lead"}`)).want(t, 200)
	e.scim("PATCH", "/Users/"+id, patchBody(`{"op":"Replace","path":"active","value":"False"}`)).want(t, 200)
	e.scim("PATCH", "/Users/"+id, patchBody(`{"op":"Replace","path":"active","value":"True"}`)).want(t, 200)
	e.scim("DELETE", "/Users/"+id, "").want(t, 204)
	e.adm("POST", "/hosts/"+id+"/restore", "").want(t, 200)
	e.call("GET", SCIMBasePath+"/Users", "", "vhs_bad")
	e.adm("POST", "/activity", `{"action":"apikey.copied","resourceId":"1"}`).want(t, 201)
	e.adm("POST", "/activity", `{"action":"host.deleted","resourceId":"1"}`).wantError(t, 400, "invalidValue")

	r := e.adm("GET", "/activity?since=0", "").want(t, 200)
	var actions []string
	var update map[string]any
	for _, ev := range r.get("events").([]any) {
		m := ev.(map[string]any)
		actions = append(actions, m["action"].(string))
		if m["action"] == "host.updated" {
			update = m
		}
	}
	for _, want := range []string{"apikey.created", "admintoken.rotated", "host.created", "host.updated", "host.deactivated", "host.reactivated", "host.deleted", "host.restored", "auth.rejected", "apikey.copied"} {
		if !slices.Contains(actions, want) {
			t.Errorf("activity lacks %s; have %v", want, actions)
		}
	}
	if update == nil {
		t.Fatal("no host.updated event")
	}
	equal(t, "changed field", jget(update, "changes.0.field"), "title")
	equal(t, "new value", jget(update, "changes.0.new"), "Lead")
	equal(t, "actor", update["actor"], "apikey:1")
	cursor := r.get("cursor").(float64)
	next := e.adm("GET", fmt.Sprintf("/activity?since=%d", int64(cursor)), "").want(t, 200)
	equal(t, "nothing after the cursor", len(next.get("events").([]any)), 0)
}

func TestChangeFeedCursor(t *testing.T) {
	e := newEnv(t)
	a := e.createUser(userBody("nia")).get("id").(string)
	b := e.createUser(userBody("omar")).get("id").(string)
	first := e.adm("GET", "/changes?since=0", "").want(t, 200)
	equal(t, "two changes", len(first.get("changes").([]any)), 2)
	cursor := int64(first.get("cursor").(float64))

	e.scim("DELETE", "/Users/"+a, "").want(t, 204)
	e.scim("PATCH", "/Users/"+b, patchBody(`{"op":"Replace","path":"title","value":"x"}`)).want(t, 200)
	next := e.adm("GET", fmt.Sprintf("/changes?since=%d", cursor), "").want(t, 200)
	equal(t, "first change is the deletion", next.get("changes.0.host.id"), a)
	equal(t, "its state", next.get("changes.0.host.state"), "deleted")
	equal(t, "then the update", next.get("changes.1.host.resource.title"), "x")
	equal(t, "more", next.get("more"), false)

	paged := e.adm("GET", "/changes?since=0&limit=1", "").want(t, 200)
	equal(t, "limit", len(paged.get("changes").([]any)), 1)
	equal(t, "more when limited", paged.get("more"), true)
}

// TestActivityPagesAtMaximumLimit pages the activity log with the largest
// limit: a full page must say there is more (the store caps a read at 5000,
// so asking it for limit+1 used to answer more=false with events left).
func TestActivityPagesAtMaximumLimit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i := range 5001 {
		if _, err := e.st.RecordEvent(ctx, hostsync.Actor{Kind: hostsync.ActorAdmin}, "export.created", hostdb.TypeConsole, "", fmt.Sprint(i)); err != nil {
			t.Fatalf("record event %d: %v", i, err)
		}
	}
	total := 0
	for since, pages := int64(0), 0; ; pages++ {
		r := e.adm("GET", fmt.Sprintf("/activity?since=%d&limit=5000", since), "").want(t, 200)
		total += len(r.get("events").([]any))
		since = int64(r.get("cursor").(float64))
		if r.get("more") != true {
			break
		}
		if pages > 3 {
			t.Fatal("more never turns false")
		}
	}
	// 5001 recorded, plus the key creation and token rotation of newEnv.
	equal(t, "events read", total, 5003)
}

// TestAdminHostJSONIsEncodingJSON holds the change feed's hand-written host
// objects to what encoding/json makes of the same hostsync.Host, byte for byte.
func TestAdminHostJSONIsEncodingJSON(t *testing.T) {
	odd := []string{"", "plain", `quote " backslash \ slash /`, "ctl \x00\x01\b\f\n\r\t\x1f\x7f", "<>&", "é漢字😀",
		"\u2028 \u2029", "bad \xff\xfe utf-8", "cut \xc3", "ok"}
	res := json.RawMessage(`{"id":"x","userName":"ann","name":{"givenName":"Ann \"A\""},"meta":{"resourceType":"User"}}`)
	for i, s := range odd {
		at := time.Date(2026, 11, 25, 18, 49, 35, 123456789/(i+1), time.UTC)
		var removed time.Time // the optional times are left out when zero
		if i%2 == 1 {
			removed = at.Add(time.Duration(i) * time.Hour).In(time.FixedZone("", 3600*i))
		}
		h := hostsync.Host{ID: "id-" + s, Seq: int64(i) * 1e12, State: hostsync.State(s), UserName: s, ExternalID: s,
			DisplayName: s, Email: s, Active: i%2 == 0, Created: at, Modified: at.Add(time.Millisecond), DeactivatedAt: removed,
			DeactivatedBy: s, DeletedAt: removed, DeletedBy: s, RemovedHow: s, RestoredAt: removed, RestoredBy: s, IdP: hostsync.IdP(s), Resource: res,
			DeactivatedByName: s, DeletedByName: s + "2"}
		if i == len(odd)-1 {
			h.Resource = nil
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(h); err != nil {
			t.Fatal(err)
		}
		if got := appendAdminHost(nil, &h); string(got) != strings.TrimSuffix(want.String(), "\n") {
			t.Errorf("%q:\ngot  %s\nwant %s", s, got, want.String())
		}
	}
}

func TestStatusReportsTheCertificate(t *testing.T) {
	plain := newEnv(t).adm("GET", "/status", "").want(t, 200)
	equal(t, "mode without TLS", plain.get("tls.mode"), "none")

	notAfter := time.Date(2026, 12, 20, 8, 0, 0, 0, time.UTC)
	e := newEnvWith(t, Options{TLSStatus: func() hostsync.TLSStatus {
		return hostsync.TLSStatus{Mode: hostsync.TLSModeACME, Domain: "hosts.example.com", NotAfter: notAfter,
			State: hostsync.TLSStateWarning, Message: "the last renewal failed"}
	}})
	st := e.adm("GET", "/status", "").want(t, 200)
	equal(t, "mode", st.get("tls.mode"), "acme")
	equal(t, "domain", st.get("tls.domain"), "hosts.example.com")
	equal(t, "notAfter", st.get("tls.notAfter"), "2026-12-20T08:00:00Z")
	equal(t, "state", st.get("tls.state"), "warning")
	equal(t, "message", st.get("tls.message"), "the last renewal failed")
}
