package scimserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimserver/idpreplay"
	"github.com/visitly/hostsync/storage/hostdb"
)

// env is a real service on a real store (a SQLite file unless a test asks
// for another), reached over loopback HTTP.
type env struct {
	t     testing.TB
	srv   *httptest.Server
	st    testStore
	key   string // SCIM API key
	admin string // admin token
	db    string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, Options{Version: "test"})
}

// newEnvWith is newEnv with the server's options, e.g. a logger to read.
func newEnvWith(t testing.TB, opt Options) *env {
	t.Helper()
	return newEnvOn(t, opt, sqliteStore)
}

// testStore is a Store the tests can also close and give an admin token.
type testStore interface {
	Store
	RotateAdminToken(ctx context.Context, a hostsync.Actor) (string, error)
	Close() error
}

// storeKind opens a fresh, empty store of one kind; db names it.
type storeKind struct {
	name string
	open func(t testing.TB) (st testStore, db string)
}

var sqliteStore = storeKind{"sqlite", func(t testing.TB) (testStore, string) {
	db := filepath.Join(t.TempDir(), "hostsync.db")
	st, err := hostdb.Open(context.Background(), db)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	return st, db
}}

// everyStore is each kind of store the service runs on: the identity
// providers' recorded sequences are replayed on each.
var everyStore = []storeKind{sqliteStore, postgresStore}

// newEnvOn is newEnvWith on a store of the kind given.
func newEnvOn(t testing.TB, opt Options, kind storeKind) *env {
	t.Helper()
	ctx := context.Background()
	st, db := kind.open(t)
	key, _, err := st.CreateAPIKey(ctx, hostsync.Actor{Kind: hostsync.ActorCLI}, "Azure AD", hostsync.IdPAzureAD)
	if err != nil {
		t.Fatalf("create key: %v", err)
	}
	admin, err := st.RotateAdminToken(ctx, hostsync.Actor{Kind: hostsync.ActorCLI})
	if err != nil {
		t.Fatalf("admin token: %v", err)
	}
	srv := httptest.NewServer(New(st, opt))
	t.Cleanup(func() {
		srv.Close()
		if err := st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return &env{t: t, srv: srv, st: st, key: key, admin: admin, db: db}
}

// resp is a decoded response.
type resp struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

// get reads a value by a dotted path: "emails.0.value", "meta.location",
// "Resources.0.id". Keys may contain colons (URNs) but not dots, so URN keys
// are addressed with a leading "urn:…:User" segment followed by ".attr".
func (r resp) get(path string) any {
	return jget(r.Body, path)
}

func jget(v any, path string) any { return idpreplay.Get(v, path) }

func (e *env) call(method, path, body, token string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = e.srv.URL + path
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	if len(bytes.TrimSpace(raw)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		if err := dec.Decode(&r.Body); err != nil {
			e.t.Fatalf("%s %s: response is not a JSON object: %v\n%s", method, path, err, raw)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
			e.t.Errorf("%s %s: Content-Type %q, want application/scim+json", method, path, ct)
		}
	}
	return r
}

// scim calls the SCIM API with the API key; path is relative to the Tenant URL.
func (e *env) scim(method, path, body string) resp {
	e.t.Helper()
	return e.call(method, SCIMBasePath+path, body, e.key)
}

// adm calls the admin API.
func (e *env) adm(method, path, body string) resp {
	e.t.Helper()
	return e.call(method, AdminBasePath+path, body, e.admin)
}

// want fails the test unless r has the status.
func (r resp) want(t testing.TB, status int) resp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Raw)
	}
	return r
}

// wantError checks an RFC 7644 error response.
func (r resp) wantError(t testing.TB, status int, scimType string) {
	t.Helper()
	r.want(t, status)
	if got := r.get("schemas.0"); got != "urn:ietf:params:scim:api:messages:2.0:Error" {
		t.Errorf("error schemas = %v", got)
	}
	if got := r.get("status"); got != strconv.Itoa(status) {
		t.Errorf("error status = %#v, want the string %q", got, strconv.Itoa(status))
	}
	if got, _ := r.get("scimType").(string); got != scimType {
		t.Errorf("scimType = %q, want %q (detail: %v)", got, scimType, r.get("detail"))
	}
	if scimType != "" || status >= 400 {
		if d, _ := r.get("detail").(string); d == "" && status != 404 {
			t.Errorf("error without detail")
		}
	}
}

func equal(t testing.TB, what string, got, want any) {
	t.Helper()
	if !jsonEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}
