package scimserver

import (
	"bytes"
	"database/sql"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	e.call("GET", SCIMBasePath+"/Users", "", "").wantError(t, 401, "")
	e.call("GET", SCIMBasePath+"/Users", "", "vhs_wrong").wantError(t, 401, "")
	e.call("GET", SCIMBasePath+"/Users", "", e.admin).wantError(t, 401, "") // the admin token is not an API key
	e.call("GET", AdminBasePath+"/status", "", e.key).wantError(t, 401, "") // nor the reverse

	// Two keys are valid at once; a revoked one is refused.
	created := e.adm("POST", "/apikeys", `{"label":"rotation"}`).want(t, 201)
	second := created.get("secret").(string)
	e.call("GET", SCIMBasePath+"/Users", "", second).want(t, 200)
	e.scim("GET", "/Users", "").want(t, 200)
	e.adm("POST", "/apikeys/1/revoke", "").want(t, 200)
	e.scim("GET", "/Users", "").wantError(t, 401, "")
	e.call("GET", SCIMBasePath+"/Users", "", second).want(t, 200)

	st := e.adm("GET", "/status", "").want(t, 200)
	if st.get("lastRejectedCall.at") == nil {
		t.Errorf("status does not report the rejected call: %s", st.Raw)
	}
	equal(t, "last successful call", st.get("lastSuccessfulCall.actor"), "apikey:2")
}

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		scimType                 string
	}{
		{"malformed JSON", "POST", "/Users", `{"userName":`, 400, "invalidSyntax"},
		{"not an object", "POST", "/Users", `["a"]`, 400, "invalidSyntax"},
		{"missing userName", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"active":true}`, 400, "invalidValue"},
		{"userName wrong type", "POST", "/Users", `{"userName":42}`, 400, "invalidValue"},
		{"active not a boolean", "POST", "/Users", `{"userName":"x","active":"yes"}`, 400, "invalidValue"},
		{"emails not a list", "POST", "/Users", `{"userName":"x","emails":"a@b"}`, 400, "invalidValue"},
		{"two primary emails", "POST", "/Users", `{"userName":"x","emails":[{"type":"work","value":"a@b","primary":true},{"type":"work","value":"c@d","primary":true}]}`, 400, "invalidValue"},
		{"group without displayName", "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}`, 400, "invalidValue"},
		{"oversized body", "POST", "/Users", `{"userName":"x","title":"` + strings.Repeat("a", DefaultMaxBodyBytes) + `"}`, 413, ""},
		{"unknown endpoint", "GET", "/Nope", "", 404, ""},
		{"method not allowed", "DELETE", "/Users", "", 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.scim(tt.method, tt.path, tt.body).wantError(t, tt.status, tt.scimType)
		})
	}
	equal(t, "nothing was stored", e.scim("GET", "/Users", "").get("totalResults"), 0.0)
}

func TestDiscoveryEndpoints(t *testing.T) {
	e := newEnv(t)
	spc := e.scim("GET", "/ServiceProviderConfig", "").want(t, 200)
	equal(t, "patch supported", spc.get("patch.supported"), true)
	equal(t, "filter supported", spc.get("filter.supported"), true)
	if strings.Contains(spc.Raw, "null") {
		t.Errorf("ServiceProviderConfig contains null: %s", spc.Raw)
	}

	rt := e.scim("GET", "/ResourceTypes", "").want(t, 200)
	equal(t, "ResourceTypes is a ListResponse", rt.get("schemas.0"), "urn:ietf:params:scim:api:messages:2.0:ListResponse")
	equal(t, "two resource types", rt.get("totalResults"), 2.0)

	sc := e.scim("GET", "/Schemas", "").want(t, 200)
	equal(t, "Schemas is a ListResponse", sc.get("schemas.0"), "urn:ietf:params:scim:api:messages:2.0:ListResponse")
	if strings.Contains(sc.Raw, "null") {
		t.Errorf("/Schemas contains null")
	}
	ids := map[string]map[string]bool{}
	for _, s := range sc.get("Resources").([]any) {
		m := s.(map[string]any)
		names := map[string]bool{}
		for _, a := range m["attributes"].([]any) {
			names[a.(map[string]any)["name"].(string)] = true
		}
		ids[m["id"].(string)] = names
	}
	for schema, attrs := range map[string][]string{
		"urn:ietf:params:scim:schemas:core:2.0:User":                 {"userName", "externalId", "active", "displayName", "name", "emails", "title", "phoneNumbers", "addresses", "preferredLanguage"},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber", "department", "costCenter", "organization", "division", "manager"},
		"urn:ietf:params:scim:schemas:core:2.0:Group":                {"displayName", "members", "externalId"},
	} {
		for _, a := range attrs {
			if !ids[schema][a] {
				t.Errorf("/Schemas: %s lacks %s", schema, a)
			}
		}
	}
	one := e.scim("GET", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group", "").want(t, 200)
	equal(t, "one schema by id", one.get("id"), "urn:ietf:params:scim:schemas:core:2.0:Group")
}

func TestSearchEndpoint(t *testing.T) {
	e := newEnv(t)
	id := e.createUser(userBody("lee")).get("id").(string)
	r := e.scim("POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName eq \"lee\"","startIndex":1,"count":10,"attributes":["userName"]}`).want(t, 200)
	equal(t, "found", r.get("Resources.0.id"), id)
	equal(t, "projected", r.get("Resources.0.emails"), nil)
	equal(t, "userName returned", r.get("Resources.0.userName"), "lee")
}

// TestErrorsSpeakTheClientsLanguage: storage's refusals reach the client as
// sentences about its own data, without the service's internals.
func TestErrorsSpeakTheClientsLanguage(t *testing.T) {
	e := newEnv(t)
	e.createUser(userBody("emp3"))
	gone := e.createUser(userBody("gone")).get("id").(string)
	e.scim("DELETE", "/Users/"+gone, "").want(t, 204)
	holder := e.createUser(userBody("gone")).get("id").(string)
	const group = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sales"}`
	e.scim("POST", "/Groups", group).want(t, 201)

	tests := []struct {
		name     string
		call     func() resp
		status   int
		scimType string
		detail   string
	}{
		{"userName taken", func() resp { return e.scim("POST", "/Users", userBody("emp3")) },
			409, "uniqueness", `userName "emp3" is already taken`},
		{"userName taken, other case", func() resp { return e.scim("POST", "/Users", userBody("EMP3")) },
			409, "uniqueness", `userName "EMP3" is already taken`},
		{"displayName taken", func() resp { return e.scim("POST", "/Groups", group) },
			409, "uniqueness", `displayName "Sales" is already taken`},
		{"member that is no user", func() resp {
			return e.scim("POST", "/Groups", `{"displayName":"Ops","members":[{"value":"nope"}]}`)
		}, 400, "invalidValue", `member "nope" is not an existing user`},
		{"restore over a live userName", func() resp { return e.adm("POST", "/hosts/"+gone+"/restore", "") },
			409, "uniqueness", `userName "gone" is now used by live host ` + holder + `; delete or rename that host first`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.call()
			r.wantError(t, tt.status, tt.scimType)
			equal(t, "detail", r.get("detail"), tt.detail)
		})
	}
}

// lockedBuffer is a log destination the server writes to from its handler
// goroutines while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestInternalErrorCarriesRequestID: a storage fault is a 500 that says
// "internal error" and the request id; the cause goes to the log under that
// id, never to the client.
func TestInternalErrorCarriesRequestID(t *testing.T) {
	var logs lockedBuffer
	e := newEnvWith(t, Options{Version: "test", Logger: slog.New(slog.NewJSONHandler(&logs, nil))})

	// Every answer has an id of its own.
	a := e.scim("GET", "/Users", "").want(t, 200).Header.Get("X-Request-Id")
	b := e.scim("GET", "/Nope", "").Header.Get("X-Request-Id")
	if a == "" || b == "" || a == b {
		t.Fatalf("X-Request-Id %q and %q: want two different ids", a, b)
	}

	// The fault: SQLite refuses every new host, as a broken disk would.
	db, err := sql.Open("sqlite", "file:"+e.db+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TRIGGER fault BEFORE INSERT ON hosts BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`); err != nil {
		t.Fatal(err)
	}

	r := e.scim("POST", "/Users", userBody("emp4"))
	r.wantError(t, 500, "")
	id := r.Header.Get("X-Request-Id")
	detail, _ := r.get("detail").(string)
	if id == "" || !strings.Contains(detail, "internal error") || !strings.Contains(detail, id) {
		t.Errorf("detail %q, X-Request-Id %q: want \"internal error\" and the id", detail, id)
	}
	for _, leak := range []string{"disk on fire", "hostdb", "sqlite", "create host"} {
		if strings.Contains(strings.ToLower(r.Raw), leak) {
			t.Errorf("the answer leaks %q: %s", leak, r.Raw)
		}
	}
	var logged bool
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, id) && strings.Contains(line, "disk on fire") {
			logged = true
		}
	}
	if !logged {
		t.Errorf("no log line has the id %s and the cause; log:\n%s", id, logs.String())
	}
}

// TestBaseURLAnswersOnlyGET: the Tenant URL itself serves
// ServiceProviderConfig to a GET; a write there is a 405, not a 200 that a
// client would take for success.
func TestBaseURLAnswersOnlyGET(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"", "/"} {
		e.scim("GET", path, "").want(t, 200)
		for _, method := range []string{"POST", "PUT", "PATCH", "DELETE"} {
			t.Run(method+" "+SCIMBasePath+path, func(t *testing.T) {
				r := e.scim(method, path, userBody("emp5"))
				r.wantError(t, 405, "")
				equal(t, "Allow", r.Header.Get("Allow"), "GET")
			})
		}
	}
	equal(t, "nothing was created", e.scim("GET", "/Users", "").get("totalResults"), 0.0)
}
