package scimserver

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// recordedDir is the repository's testdata: the requests identity providers
// send, one file per request, shared with scimserver/resource's tests.
var recordedDir = filepath.Join("..", "testdata")

// recorded reads a recorded request body, e.g. "azuread/create-user.json".
func recorded(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(recordedDir, name))
	if err != nil {
		t.Fatalf("recorded request: %v", err)
	}
	return string(b)
}

// recordedRequest is one recorded request ready to send: a body file is a
// POST, PUT or PATCH (the method is in its name), a .http file holds the
// request line of a body-less request.
type recordedRequest struct {
	method, path, body string
}

// ids maps the ids the recordings name to the ids of resources the replay
// created: "{user}" in a path, or a provider's user id in a body.
type ids map[string]string

func (m ids) apply(s string) string {
	for from, to := range m {
		if strings.HasPrefix(from, "{") {
			s = strings.ReplaceAll(s, from, to)
			continue
		}
		// Only whole JSON strings, also inside a filter in a path.
		s = strings.ReplaceAll(s, `"`+from+`"`, `"`+to+`"`)
		s = strings.ReplaceAll(s, `\"`+from+`\"`, `\"`+to+`\"`)
	}
	return s
}

func loadRecorded(t testing.TB, name string, m ids) recordedRequest {
	t.Helper()
	raw := recorded(t, name)
	base := filepath.Base(name)
	if strings.HasSuffix(base, ".http") {
		line, _, _ := bufio.NewReader(strings.NewReader(raw)).ReadLine()
		method, path, ok := strings.Cut(string(bytes.TrimSpace(line)), " ")
		if !ok {
			t.Fatalf("%s: want a request line METHOD /path", name)
		}
		return recordedRequest{method: method, path: m.apply(path)}
	}
	req := recordedRequest{body: m.apply(raw)}
	kind := "/Users"
	if strings.Contains(base, "-group") {
		kind = "/Groups"
	}
	target := "{user}"
	if kind == "/Groups" {
		target = "{group}"
	}
	switch verb, _, _ := strings.Cut(strings.TrimPrefix(base, "postman-"), "-"); verb {
	case "create":
		req.method, req.path = "POST", kind
	case "patch":
		req.method, req.path = "PATCH", kind+"/"+m.apply(target)
	case "put":
		req.method, req.path = "PUT", kind+"/"+m.apply(target)
	default:
		t.Fatalf("%s: the name does not say which request it is", name)
	}
	return req
}

// TestReplayRecordedRequests sends every recorded request to the real
// handler, on a store of every kind, in the order a provisioning cycle does,
// and checks the status each must get: never a 5xx, a SCIM error body for
// every 4xx.
func TestReplayRecordedRequests(t *testing.T) {
	for _, kind := range everyStore {
		t.Run(kind.name, func(t *testing.T) { replayRecordedRequests(t, newEnvOn(t, Options{Version: "test"}, kind)) })
	}
}

func replayRecordedRequests(t *testing.T, e *env) {
	m := ids{}
	sent := map[string]bool{}
	send := func(name string, status int) resp {
		t.Helper()
		sent[name] = true
		req := loadRecorded(t, name, m)
		r := e.scim(req.method, req.path, req.body)
		if r.Status != status {
			t.Fatalf("%s: %s %s: status %d, want %d; body: %s", name, req.method, req.path, r.Status, status, r.Raw)
		}
		if status >= 400 {
			scimType, _ := r.get("scimType").(string)
			r.wantError(t, status, scimType)
		}
		return r
	}
	created := func(r resp, refs ...string) {
		t.Helper()
		id, _ := r.get("id").(string)
		if id == "" {
			t.Fatalf("created resource has no id: %s", r.Raw)
		}
		for _, ref := range refs {
			m[ref] = id
		}
	}

	// Test Connection and the matching query before the create.
	send("azuread/get-users-test-connection.http", 200)
	equal(t, "no such user", send("azuread/get-users-by-username.http", 200).get("totalResults"), 0.0)
	send("azuread/get-users-by-username-none.http", 200)

	created(send("azuread/create-user.json", 201), "{user}", "f648f8d5ea4e4cd38e9c", "id-1", "m1")
	send("azuread/create-user.json", 409) // a second create of the same userName
	for _, q := range []string{"get-users-by-username.http", "get-users-by-username-flag.http", "get-users-by-external-id.http", "get-users-by-work-email.http"} {
		equal(t, q, send("azuread/"+q, 200).get("Resources.0.id"), m["{user}"])
	}
	equal(t, "GET by id", send("azuread/get-user.http", 200).get("id"), m["{user}"])
	created(send("azuread/create-user-with-nulls.json", 201), "u1091", "id-2", "string id 1", "m2")
	created(send("azuread/create-user-all-default-mappings.json", 201), "7f4bc1a3-285e-48ae-8202-5accb43efb0e", "m3", "00u1f96ECLNVOKVMUSEA")

	// Every user PATCH Azure AD sends, one after the other on one user.
	for _, name := range recordedNames(t, "azuread", "patch-user-") {
		send(name, 200)
	}
	send("azuread/postman-patch-user-replace-username.json", 200)
	put := send("azuread/postman-put-user.json", 200) // its own id and a stale meta
	equal(t, "PUT userName", put.get("userName"), "OMalley")
	equal(t, "PUT active", put.get("active"), false)

	created(send("azuread/create-group.json", 201), "{group}", "00g1emaKYZTWRYYRRTSK")
	send("azuread/get-group-excluding-members.http", 200)
	equal(t, "group by displayName", send("azuread/get-groups-by-display-name.http", 200).get("Resources.0.id"), m["{group}"])
	for _, name := range []string{
		"azuread/patch-group-add-member.json",
		"azuread/patch-group-remove-member.json",
		"azuread/postman-patch-group-add-members.json",
		"azuread/postman-patch-group-add-member-string.json",
		"azuread/patch-group-remove-member-value.json",
		"azuread/patch-group-remove-member-by-filter-flag.json",
		"azuread/postman-patch-group-remove-member-by-filter.json",
		"azuread/patch-group-add-and-remove-members.json",
		"azuread/postman-patch-group-remove-all-members.json",
		"okta/patch-group-add-member.json",
		"okta/patch-group-replace-with-own-id.json",
		"azuread/patch-group-replace-display-name.json",
	} {
		send(name, 204)
	}
	g := e.scim("GET", "/Groups/"+m["{group}"], "").want(t, 200)
	equal(t, "members after the replay", g.get("members.0.value"), m["00u1f96ECLNVOKVMUSEA"])
	equal(t, "displayName after the replay", g.get("displayName"), "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName")

	equal(t, "PUT group", send("azuread/postman-put-group.json", 200).get("displayName"), "Tiffany Ortiz")
	for _, name := range []string{"get-schemas.http", "get-service-provider-config.http", "get-resource-types.http"} {
		send("azuread/"+name, 200)
	}
	send("azuread/delete-group.http", 204)
	send("azuread/delete-user.http", 204)
	send("azuread/get-user.http", 404)

	// Microsoft's Postman suite.
	equal(t, `active "True"`, send("azuread/postman-create-user-string-active.json", 201).get("active"), true)
	send("azuread/postman-create-user-without-username.json", 400)
	emp2 := send("azuread/postman-create-emp2.json", 201)
	equal(t, "both work emails kept", emp2.get("emails.1.value"), "anna33@example.com")
	send("azuread/postman-create-emp3.json", 201)
	send("azuread/postman-create-emp3.json", 409)
	equal(t, "itemsPerPage", send("azuread/postman-get-users-paged.http", 200).get("itemsPerPage"), 2.0)
	send("azuread/postman-get-users-lower-case.http", 200)
	equal(t, "sw", send("azuread/postman-get-users-filter-sw.http", 200).get("totalResults"), 2.0)
	equal(t, "and/or", send("azuread/postman-get-users-filter-and-or.http", 200).get("totalResults"), 2.0)

	// Every recording is replayed: a new file must be added above.
	for _, dir := range []string{"azuread", "okta"} {
		for _, name := range recordedNames(t, dir, "") {
			if !sent[name] {
				t.Errorf("%s is never replayed", name)
			}
		}
	}
}

// recordedNames lists the recordings in dir whose names start with prefix.
func recordedNames(t testing.TB, dir, prefix string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(recordedDir, dir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, prefix) && (strings.HasSuffix(n, ".json") || strings.HasSuffix(n, ".http")) {
			out = append(out, dir+"/"+n)
		}
	}
	slices.Sort(out)
	return out
}
