package scimclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
)

const (
	adminToken = "vha_test-admin"
	apiKey     = "vhs_test-key"
)

// seen is what the fake service observed of one request.
type seen struct {
	method, path, query, auth, contentType string
	body                                   map[string]any
}

// fakeService answers every request with status and body, and records the request.
func fakeService(t *testing.T, status int, body string) (*scimclient.Client, *seen) {
	t.Helper()
	s := &seen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.method, s.path, s.query = r.Method, r.URL.EscapedPath(), r.URL.RawQuery
		s.auth, s.contentType = r.Header.Get("Authorization"), r.Header.Get("Content-Type")
		if b, _ := io.ReadAll(r.Body); len(b) > 0 {
			if err := json.Unmarshal(b, &s.body); err != nil {
				t.Errorf("request body is not JSON: %v", err)
			}
		}
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	c, err := scimclient.New(srv.URL+"/", scimclient.WithAdminToken(adminToken), scimclient.WithAPIKey(apiKey))
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

func TestNewParsesServiceURL(t *testing.T) {
	tests := []struct {
		in, url, tenant string
		wantErr         bool
	}{
		{in: "http://127.0.0.1:8765", url: "http://127.0.0.1:8765", tenant: "http://127.0.0.1:8765/v1/usersync/SCIM"},
		{in: " https://sync.example.com/ ", url: "https://sync.example.com", tenant: "https://sync.example.com/v1/usersync/SCIM"},
		{in: "https://sync.example.com/v1/usersync/SCIM", url: "https://sync.example.com", tenant: "https://sync.example.com/v1/usersync/SCIM"},
		{in: "https://example.com/visitly/v1/usersync/SCIM/?aadOptscim062020", url: "https://example.com/visitly", tenant: "https://example.com/visitly/v1/usersync/SCIM"},
		{in: "ftp://example.com", wantErr: true},
		{in: "example.com:8765", wantErr: true},
		{in: "http://", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := scimclient.New(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("New(%q) = %v, want an error", tt.in, c.URL())
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q): %v", tt.in, err)
			}
			if c.URL() != tt.url || c.TenantURL() != tt.tenant {
				t.Errorf("URL, TenantURL = %q, %q; want %q, %q", c.URL(), c.TenantURL(), tt.url, tt.tenant)
			}
		})
	}
}

func TestAdminCalls(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 25, 18, 49, 35, 0, time.UTC)
	tests := []struct {
		name                string
		status              int
		answer              string
		call                func(c *scimclient.Client) (any, error)
		method, path, query string
		wantBody            map[string]any
		check               func(t *testing.T, got any)
	}{
		{
			name:   "status",
			status: 200,
			answer: `{"service":"visitly-scimd","version":"0.1.0","hosts":{"active":3,"deactivated":1,"deleted":2},"groups":4,"cursor":17,
				"lastSuccessfulCall":{"at":"2026-11-25T18:49:35Z","actor":"apikey:3","method":"GET","path":"/Users"}}`,
			call:   func(c *scimclient.Client) (any, error) { return c.Status(ctx) },
			method: "GET", path: "/v1/admin/status",
			check: func(t *testing.T, got any) {
				s := got.(*hostsync.Status)
				if s.Hosts.Active != 3 || s.Hosts.Deleted != 2 || s.Cursor != 17 || s.LastSuccessfulCall == nil ||
					!s.LastSuccessfulCall.At.Equal(at) || s.LastSuccessfulCall.Actor != "apikey:3" || s.LastRejectedCall != nil {
					t.Errorf("status = %+v", s)
				}
			},
		},
		{
			name:   "keys",
			status: 200,
			answer: `{"keys":[{"id":"1","label":"old","created":"2026-11-25T18:49:35Z","revoked":"2026-11-25T18:49:35Z","prefix":"vhs_AbCd"},{"id":"2","label":"new","created":"2026-11-25T18:49:35Z","prefix":"vhs_XyZw"}]}`,
			call:   func(c *scimclient.Client) (any, error) { return c.Keys(ctx) },
			method: "GET", path: "/v1/admin/apikeys",
			check: func(t *testing.T, got any) {
				k := got.([]hostsync.Key)
				if len(k) != 2 || k[0].Active() || !k[1].Active() || k[1].Prefix != "vhs_XyZw" || !k[1].LastUsed.IsZero() {
					t.Errorf("keys = %+v", k)
				}
			},
		},
		{
			name:   "create key",
			status: 201,
			answer: `{"key":{"id":"3","label":"OneLogin","idp":"onelogin","created":"2026-11-25T18:49:35Z","prefix":"vhs_Qwer"},"secret":"vhs_Qwerty"}`,
			call:   func(c *scimclient.Client) (any, error) { return c.CreateKey(ctx, "OneLogin", hostsync.IdPOneLogin) },
			method: "POST", path: "/v1/admin/apikeys", wantBody: map[string]any{"label": "OneLogin", "idp": "onelogin"},
			check: func(t *testing.T, got any) {
				k := got.(*hostsync.NewKey)
				if k.Secret != "vhs_Qwerty" || k.Key.ID != "3" || k.Key.IdP != hostsync.IdPOneLogin {
					t.Errorf("new key = %+v", k.Key)
				}
			},
		},
		{
			name:   "revoke key",
			status: 200,
			answer: `{"id":"1/2","label":"old","created":"2026-11-25T18:49:35Z","revoked":"2026-11-25T18:49:35Z","prefix":"vhs_AbCd"}`,
			call:   func(c *scimclient.Client) (any, error) { return c.RevokeKey(ctx, "1/2") },
			method: "POST", path: "/v1/admin/apikeys/1%2F2/revoke",
			check: func(t *testing.T, got any) {
				if k := got.(*hostsync.Key); k.Active() {
					t.Errorf("revoked key still active: %+v", k)
				}
			},
		},
		{
			name:   "hosts",
			status: 200,
			answer: `{"totalResults":1,"startIndex":101,"hosts":[{"id":"h1","seq":9,"state":"deleted","userName":"a@b.c","active":false,"created":"2026-11-25T18:49:35Z","modified":"2026-11-25T18:49:35Z","deletedAt":"2026-11-25T18:49:35Z","deletedBy":"apikey:3","removedHow":"DELETE","resource":{"userName":"a@b.c"}}]}`,
			call: func(c *scimclient.Client) (any, error) {
				return c.Hosts(ctx, hostsync.HostQuery{State: hostsync.StateDeleted, StartIndex: 101, Count: 100})
			},
			method: "GET", path: "/v1/admin/hosts", query: "count=100&startIndex=101&state=deleted",
			check: func(t *testing.T, got any) {
				p := got.(*hostsync.HostPage)
				if p.TotalResults != 1 || len(p.Hosts) != 1 || p.Hosts[0].RemovedHow != "DELETE" || !p.Hosts[0].DeletedAt.Equal(at) ||
					string(p.Hosts[0].Resource) != `{"userName":"a@b.c"}` {
					t.Errorf("page = %+v", p)
				}
			},
		},
		{
			name:   "host",
			status: 200,
			answer: `{"id":"h 1","seq":9,"state":"active","userName":"a@b.c","active":true,"created":"2026-11-25T18:49:35Z","modified":"2026-11-25T18:49:35Z"}`,
			call:   func(c *scimclient.Client) (any, error) { return c.Host(ctx, "h 1") },
			method: "GET", path: "/v1/admin/hosts/h%201",
			check: func(t *testing.T, got any) {
				if h := got.(*hostsync.Host); h.ID != "h 1" || h.State != hostsync.StateActive {
					t.Errorf("host = %+v", h)
				}
			},
		},
		{
			name:   "restore",
			status: 200,
			answer: `{"id":"h1","seq":10,"state":"active","userName":"a@b.c","active":true,"restoredAt":"2026-11-25T18:49:35Z","restoredBy":"admin"}`,
			call:   func(c *scimclient.Client) (any, error) { return c.Restore(ctx, "h1") },
			method: "POST", path: "/v1/admin/hosts/h1/restore",
			check: func(t *testing.T, got any) {
				if h := got.(*hostsync.Host); h.RestoredBy != "admin" || !h.Active {
					t.Errorf("host = %+v", h)
				}
			},
		},
		{
			name:   "activity",
			status: 200,
			answer: `{"events":[{"seq":5,"at":"2026-11-25T18:49:35Z","actor":"apikey:3","actorName":"API key #3","action":"host.updated","resourceType":"User","resourceId":"h1","changes":[{"field":"title","old":"Engineer","new":"Lead"}]}],"cursor":5,"more":true}`,
			call: func(c *scimclient.Client) (any, error) {
				return c.Activity(ctx, hostsync.ActivityQuery{Since: 4, Limit: 1, ResourceID: "h1", Action: "host.updated"})
			},
			method: "GET", path: "/v1/admin/activity", query: "action=host.updated&limit=1&resourceId=h1&since=4",
			check: func(t *testing.T, got any) {
				p := got.(*hostsync.ActivityPage)
				if !p.More || p.Cursor != 5 || len(p.Events) != 1 || p.Events[0].Changes[0].New != "Lead" {
					t.Errorf("page = %+v", p)
				}
			},
		},
		{
			name:   "record activity",
			status: 201,
			answer: `{"seq":6,"at":"2026-11-25T18:49:35Z","actor":"admin","action":"apikey.copied","resourceType":"Console","resourceId":"3"}`,
			call: func(c *scimclient.Client) (any, error) {
				return c.RecordActivity(ctx, hostsync.ConsoleEvent{Action: hostsync.ActionKeyCopied, ResourceID: "3"})
			},
			method: "POST", path: "/v1/admin/activity", wantBody: map[string]any{"action": "apikey.copied", "resourceId": "3"},
			check: func(t *testing.T, got any) {
				if e := got.(*hostsync.Event); e.Seq != 6 || e.Action != hostsync.ActionKeyCopied {
					t.Errorf("event = %+v", e)
				}
			},
		},
		{
			name:   "changes",
			status: 200,
			answer: `{"changes":[{"seq":7,"type":"host","host":{"id":"h1","seq":7,"state":"active","userName":"a"}},{"seq":8,"type":"group","group":{"id":"g1","seq":8,"displayName":"Staff","members":["h1"]}}],"cursor":8,"more":false}`,
			call:   func(c *scimclient.Client) (any, error) { return c.Changes(ctx, 6, 2) },
			method: "GET", path: "/v1/admin/changes", query: "limit=2&since=6",
			check: func(t *testing.T, got any) {
				p := got.(*hostsync.ChangePage)
				if p.More || p.Cursor != 8 || len(p.Changes) != 2 || p.Changes[0].Host == nil || p.Changes[1].Group == nil ||
					p.Changes[1].Group.Members[0] != "h1" {
					t.Errorf("page = %+v", p)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, s := fakeService(t, tt.status, tt.answer)
			got, err := tt.call(c)
			if err != nil {
				t.Fatal(err)
			}
			if s.method != tt.method || s.path != tt.path || s.query != tt.query {
				t.Errorf("request = %s %s?%s, want %s %s?%s", s.method, s.path, s.query, tt.method, tt.path, tt.query)
			}
			if s.auth != "Bearer "+adminToken {
				t.Errorf("Authorization = %q, want the admin token", s.auth)
			}
			if tt.wantBody != nil {
				if s.contentType != "application/json" {
					t.Errorf("Content-Type = %q", s.contentType)
				}
				for k, v := range tt.wantBody {
					if s.body[k] != v {
						t.Errorf("body[%q] = %v, want %v", k, s.body[k], v)
					}
				}
			}
			tt.check(t, got)
		})
	}
}

func TestSCIMCallsUseTheAPIKey(t *testing.T) {
	ctx := context.Background()
	list := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[],"startIndex":1,"itemsPerPage":20}`
	tests := []struct {
		name, answer, path, query string
		call                      func(c *scimclient.Client) error
	}{
		{"filter", list, "/v1/usersync/SCIM/Users", "filter=userName+eq+%22x%22", func(c *scimclient.Client) error {
			l, err := c.ListUsers(ctx, scimclient.ListQuery{Filter: `userName eq "x"`})
			if err == nil && (!l.IsListResponse() || l.TotalResults != 0) {
				t.Errorf("list = %+v", l)
			}
			return err
		}},
		{"spc", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],"patch":{"supported":true},"filter":{"supported":true,"maxResults":200}}`,
			"/v1/usersync/SCIM/ServiceProviderConfig", "", func(c *scimclient.Client) error {
				s, err := c.ServiceProviderConfig(ctx)
				if err == nil && (!s.Patch.Supported || s.Filter.MaxResults != 200) {
					t.Errorf("spc = %+v", s)
				}
				return err
			}},
		{"resource types", list, "/v1/usersync/SCIM/ResourceTypes", "", func(c *scimclient.Client) error {
			_, err := c.ResourceTypes(ctx)
			return err
		}},
		{"schemas", list, "/v1/usersync/SCIM/Schemas", "", func(c *scimclient.Client) error {
			_, err := c.Schemas(ctx)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, s := fakeService(t, 200, tt.answer)
			if err := tt.call(c); err != nil {
				t.Fatal(err)
			}
			if s.path != tt.path || s.query != tt.query || s.auth != "Bearer "+apiKey {
				t.Errorf("request = %s?%s auth %q", s.path, s.query, s.auth)
			}
		})
	}
}

func TestErrorAnswers(t *testing.T) {
	tests := []struct {
		name, body                 string
		status                     int
		scimType, detail           string
		unauthorized, conflict, nf bool
	}{
		{"scim 401", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401","detail":"missing or wrong admin token"}`, 401, "", "missing or wrong admin token", true, false, false},
		{"scim 409", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"userName taken"}`, 409, "uniqueness", "userName taken", false, true, false},
		{"numeric status", `{"status":404,"detail":"no such host"}`, 404, "", "no such host", false, false, true},
		{"html from a proxy", "<html><body>Bad gateway</body></html>", 502, "", "<html><body>Bad gateway</body></html>", false, false, false},
		{"forbidden, empty body", "", 403, "", "", true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := fakeService(t, tt.status, tt.body)
			_, err := c.Host(context.Background(), "h1")
			var e *scimclient.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *scimclient.Error", err)
			}
			if e.Status != tt.status || e.ScimType != tt.scimType || e.Detail != tt.detail {
				t.Errorf("Error = %+v", e)
			}
			if scimclient.IsUnauthorized(err) != tt.unauthorized || scimclient.IsConflict(err) != tt.conflict || scimclient.IsNotFound(err) != tt.nf {
				t.Errorf("classification wrong for %v", err)
			}
			if errors.Is(err, scimclient.ErrUnreachable) {
				t.Errorf("an answer is not unreachable: %v", err)
			}
		})
	}
}

func TestUnexpectedSuccessStatusIsAnError(t *testing.T) {
	c, _ := fakeService(t, 200, `{"key":{"id":"1"},"secret":"x"}`)
	if _, err := c.CreateKey(context.Background(), "k", hostsync.IdPOkta); err == nil {
		t.Fatal("CreateKey accepted 200, the contract says 201")
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more

	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer hang.Close()

	tests := []struct {
		name, url string
		timeout   time.Duration
	}{
		{"connection refused", url, time.Second},
		{"timeout", hang.URL, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := scimclient.New(tt.url, scimclient.WithHTTPClient(&http.Client{Timeout: tt.timeout}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Status(context.Background())
			if !errors.Is(err, scimclient.ErrUnreachable) || scimclient.IsUnauthorized(err) {
				t.Fatalf("err = %v, want ErrUnreachable", err)
			}
			if !strings.Contains(err.Error(), "/status") {
				t.Errorf("error does not say which call failed: %v", err)
			}
		})
	}
}

func TestCancelledIsNotUnreachable(t *testing.T) {
	c, _ := fakeService(t, 200, `{}`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Status(ctx)
	if !errors.Is(err, context.Canceled) || errors.Is(err, scimclient.ErrUnreachable) {
		t.Fatalf("err = %v, want context.Canceled only", err)
	}
}

func TestCredentialsCanBeReplaced(t *testing.T) {
	c, s := fakeService(t, 200, `{"keys":[]}`)
	c.SetAdminToken("vha_other")
	c = c.WithAPIKey("")
	if _, err := c.Keys(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.auth != "Bearer vha_other" {
		t.Errorf("Authorization = %q", s.auth)
	}
	if _, err := c.ListUsers(context.Background(), scimclient.ListQuery{}); err == nil {
		t.Log("fake answered the list") // the fake answers anything; what matters is the header
	}
	if s.auth != "" {
		t.Errorf("SCIM call without a key sent Authorization %q", s.auth)
	}
}

func TestWithAPIKeyLeavesTheClientsKey(t *testing.T) {
	c, s := fakeService(t, 200, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}`)
	ctx := context.Background()
	if _, err := c.WithAPIKey("vhs_under_test").ListUsers(ctx, scimclient.ListQuery{}); err != nil {
		t.Fatal(err)
	}
	if s.auth != "Bearer vhs_under_test" {
		t.Errorf("the copy sent Authorization %q", s.auth)
	}
	if _, err := c.ListUsers(ctx, scimclient.ListQuery{}); err != nil {
		t.Fatal(err)
	}
	if s.auth != "Bearer "+apiKey {
		t.Errorf("after WithAPIKey the client sent Authorization %q, want its own key", s.auth)
	}
}
