package scimclient_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/scimserver"
	"github.com/visitly/hostsync/storage/hostdb"
)

// realService runs the real service on a temp database; the client holds its admin credential.
func realService(t *testing.T) *scimclient.Client {
	t.Helper()
	ctx := context.Background()
	st, err := hostdb.Open(ctx, filepath.Join(t.TempDir(), "hostsync.db"))
	if err != nil {
		t.Fatal(err)
	}
	srv := scimserver.New(st, scimserver.Options{Version: "test"})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		st.Close()
	})
	tok, err := st.RotateAdminToken(ctx, hostsync.Actor{Kind: hostsync.ActorSystem})
	if err != nil {
		t.Fatal(err)
	}
	c, err := scimclient.New(hs.URL, scimclient.WithAdminToken(tok))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRealServiceRoundTrip(t *testing.T) {
	ctx := context.Background()
	c := realService(t)

	nk, err := c.CreateKey(ctx, "Okta", hostsync.IdPOkta)
	if err != nil {
		t.Fatal(err)
	}
	if nk.Key.IdP != hostsync.IdPOkta {
		t.Errorf("new key's IdP %q, want okta", nk.Key.IdP)
	}
	if len(nk.Secret) < 40 || nk.Key.Prefix != nk.Secret[:8] {
		t.Fatalf("new key %+v: prefix is not the secret's first 8 characters", nk.Key)
	}
	c = c.WithAPIKey(nk.Secret)

	// Azure AD's Test Connection: a random userName gives an empty ListResponse.
	l, err := c.ListUsers(ctx, scimclient.ListQuery{Filter: `userName eq "nobody-3f9a"`})
	if err != nil || !l.IsListResponse() || l.TotalResults != 0 {
		t.Fatalf("ListUsers = %+v, %v", l, err)
	}
	spc, err := c.ServiceProviderConfig(ctx)
	if err != nil || !spc.Patch.Supported || !spc.Filter.Supported {
		t.Fatalf("ServiceProviderConfig = %+v, %v", spc, err)
	}
	for name, call := range map[string]func(context.Context) (*scimclient.ListResponse, error){
		"ResourceTypes": c.ResourceTypes, "Schemas": c.Schemas,
	} {
		if l, err := call(ctx); err != nil || len(l.Resources) == 0 {
			t.Errorf("%s = %+v, %v", name, l, err)
		}
	}

	// A host through SCIM, deleted, seen by the admin API, restored.
	raw, err := c.CreateUser(ctx, map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": "ann@example.com", "active": true})
	if err != nil {
		t.Fatal(err)
	}
	page, err := c.Hosts(ctx, hostsync.HostQuery{State: hostsync.StateActive})
	if err != nil || page.TotalResults != 1 || len(raw) == 0 {
		t.Fatalf("Hosts = %+v, %v", page, err)
	}
	if page.Hosts[0].IdP != hostsync.IdPOkta {
		t.Errorf("host provisioned with an Okta key: IdP %q", page.Hosts[0].IdP)
	}
	id := page.Hosts[0].ID
	if err := c.DeleteUser(ctx, id); err != nil {
		t.Fatal(err)
	}
	h, err := c.Host(ctx, id)
	if err != nil || h.State != hostsync.StateDeleted || h.RemovedHow != "DELETE" {
		t.Fatalf("Host after DELETE = %+v, %v", h, err)
	}
	if h, err = c.Restore(ctx, id); err != nil || h.State != hostsync.StateActive {
		t.Fatalf("Restore = %+v, %v", h, err)
	}

	// The change feed and the activity log, including the console's own event.
	if _, err := c.RecordActivity(ctx, hostsync.ConsoleEvent{Action: hostsync.ActionKeyCopied, ResourceID: nk.Key.ID}); err != nil {
		t.Fatal(err)
	}
	cp, err := c.Changes(ctx, 0, 100)
	if err != nil || len(cp.Changes) == 0 || cp.More || cp.Changes[len(cp.Changes)-1].Host == nil {
		t.Fatalf("Changes = %+v, %v", cp, err)
	}
	ap, err := c.Activity(ctx, hostsync.ActivityQuery{Action: hostsync.ActionKeyCopied})
	if err != nil || len(ap.Events) != 1 || ap.Events[0].ResourceID != nk.Key.ID {
		t.Fatalf("Activity = %+v, %v", ap, err)
	}
	st, err := c.Status(ctx)
	if err != nil || st.Hosts.Active != 1 || st.LastSuccessfulCall == nil {
		t.Fatalf("Status = %+v, %v", st, err)
	}
	if len(st.IdPs) != 1 || st.IdPs[0].IdP != hostsync.IdPOkta || st.IdPs[0].Keys != 1 || st.IdPs[0].LastChange == nil ||
		st.IdPs[0].LastChange.Action != hostsync.ActionHostDeleted || st.IdPs[0].LastChange.Target != "ann@example.com" {
		t.Errorf("Status.IdPs = %+v: want Okta's key and its DELETE of ann", st.IdPs)
	}
	if st.TLS == nil || st.TLS.Mode != hostsync.TLSModeNone || st.TLS.State != "" {
		t.Errorf("Status.TLS of a plain-HTTP service = %+v, want mode none", st.TLS)
	}

	// Revoked key: SCIM refuses it (401), and the status shows the rejected call.
	if _, err := c.RevokeKey(ctx, nk.Key.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListUsers(ctx, scimclient.ListQuery{}); !scimclient.IsUnauthorized(err) {
		t.Errorf("revoked key: %v", err)
	}
	if st, err := c.Status(ctx); err != nil || st.LastRejectedCall == nil || st.LastRejectedCall.Method != "GET" || st.LastRejectedAdminCall != nil {
		t.Errorf("Status after a rejected call = %+v, %v", st, err)
	}

	// Errors the console tells apart.
	tests := []struct {
		name  string
		call  func() error
		check func(error) bool
	}{
		{"unknown host", func() error { _, err := c.Host(ctx, "nope"); return err }, scimclient.IsNotFound},
		{"wrong admin token", func() error {
			bad, _ := scimclient.New(c.URL(), scimclient.WithAdminToken("vha_wrong"))
			_, err := bad.Keys(ctx)
			return err
		}, scimclient.IsUnauthorized},
		{"console action not allowed", func() error {
			_, err := c.RecordActivity(ctx, hostsync.ConsoleEvent{Action: "host.deleted"})
			return err
		}, func(err error) bool { var e *scimclient.Error; return errors.As(err, &e) && e.Status == 400 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !tt.check(err) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

// TestConsoleCheckIsNotTheIdPsCall: the console's Test connection with
// Okta's key leaves Okta's key unused and Okta "not called yet"; the same
// call without the mark counts.
func TestConsoleCheckIsNotTheIdPsCall(t *testing.T) {
	ctx := context.Background()
	c := realService(t)
	nk, err := c.CreateKey(ctx, "Okta", hostsync.IdPOkta)
	if err != nil {
		t.Fatal(err)
	}
	oktaCalled := func() (keyUsed, statusCall bool) {
		t.Helper()
		keys, err := c.Keys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		st, err := c.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range st.IdPs {
			if p.IdP == hostsync.IdPOkta {
				statusCall = p.LastSuccessfulCall != nil
			}
		}
		return !keys[len(keys)-1].LastUsed.IsZero(), statusCall
	}

	if _, err := c.WithAPIKey(nk.Secret).AsConsoleCheck().ListUsers(ctx, scimclient.ListQuery{Count: 1}); err != nil {
		t.Fatal(err)
	}
	if used, called := oktaCalled(); used || called {
		t.Fatalf("after the console's check: key used %v, Okta's last call known %v; want neither", used, called)
	}
	// A write with the header is the key's use like any other: a leaked key
	// cannot hide its changes behind the console's check.
	if _, err := c.WithAPIKey(nk.Secret).AsConsoleCheck().CreateUser(ctx, map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "hidden@contoso.com"}); err != nil {
		t.Fatal(err)
	}
	if used, called := oktaCalled(); !used || !called {
		t.Fatalf("after a write marked as the console's check: key used %v, Okta's last call known %v; want both", used, called)
	}
}
