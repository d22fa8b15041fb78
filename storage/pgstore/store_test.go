package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/pgtest"
)

var (
	ctxBg = context.Background()
	azure = hostsync.Actor{Kind: hostsync.ActorAPIKey, ID: "1", Label: "Azure AD", IdP: hostsync.IdPAzureAD, Method: "POST", Path: "/Users"}
	okta  = hostsync.Actor{Kind: hostsync.ActorAPIKey, ID: "2", Label: "Okta", IdP: hostsync.IdPOkta}
	admin = hostsync.Actor{Kind: hostsync.ActorAdmin}
)

// openTest opens a store on a fresh database of its own and closes it at
// the end; the URL opens the same database again, as another process.
func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	url := pgtest.Database(t)
	return openURL(t, url), url
}

func openURL(t testing.TB, url string) *Store {
	t.Helper()
	s, err := Open(ctxBg, url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// sqlConn is a plain connection to url for looking at the database.
func sqlConn(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(ctxBg, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close(ctxBg) })
	return c
}

// hostDoc builds a host as the SCIM layer would hand it over.
func hostDoc(userName string, active bool) *hostsync.HostRecord {
	doc := map[string]any{
		"schemas":     []any{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName":    userName,
		"active":      active,
		"displayName": "Name of " + userName,
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return &hostsync.HostRecord{UserName: userName, Active: active, Attrs: b, DisplayName: "Name of " + userName,
		Email: userName + "@example.com"}
}

func mustCreateHost(t testing.TB, s *Store, a hostsync.Actor, userName string) *hostsync.HostRecord {
	t.Helper()
	h, err := s.CreateHost(ctxBg, a, hostDoc(userName, true))
	if err != nil {
		t.Fatalf("CreateHost(%q): %v", userName, err)
	}
	return h
}

// withTitle is an UpdateHost fn that sets a title.
func withTitle(title string) func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
	return func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
		var m map[string]any
		if err := json.Unmarshal(cur.Attrs, &m); err != nil {
			return nil, err
		}
		m["title"] = title
		b, err := json.Marshal(m)
		cur.Attrs = b
		return cur, err
	}
}

func wantErr[E error](t testing.TB, err error, what string) E {
	t.Helper()
	var e E
	if !errors.As(err, &e) {
		t.Fatalf("%s: error %v, want a %T", what, err, e)
	}
	return e
}

// TestHostLifecycleInFeedAndCounts: a host created, updated and deleted
// is one item in the change feed in its last state, three events, and a
// deleted host in the counts, all at the same cursor.
func TestHostLifecycleInFeedAndCounts(t *testing.T) {
	s, _ := openTest(t)
	h := mustCreateHost(t, s, azure, "ann@example.com")
	got, err := s.GetHost(ctxBg, h.ID)
	if err != nil || !reflect.DeepEqual(got, h) {
		t.Fatalf("GetHost = %+v, %v; want %+v", got, err, h)
	}
	up, err := s.UpdateHost(ctxBg, azure, h.ID, withTitle("CEO"))
	if err != nil || up.Seq <= h.Seq {
		t.Fatalf("UpdateHost = %+v, %v", up, err)
	}
	if err := s.DeleteHost(ctxBg, azure, h.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetHost(ctxBg, h.ID); !errors.Is(err, hostsync.ErrNotFound) {
		t.Errorf("GetHost of a deleted host: %v", err)
	}
	deleted, err := s.AdminHost(ctxBg, h.ID)
	if err != nil || deleted.State() != hostsync.StateDeleted || deleted.DeletedBy != "apikey:1" {
		t.Fatalf("AdminHost = %+v, %v", deleted, err)
	}
	changes, cursor, more, err := s.Changes(ctxBg, 0, 0)
	if err != nil || len(changes) != 1 || !reflect.DeepEqual(changes[0].Host, deleted) || cursor != deleted.Seq || more {
		t.Fatalf("Changes = %+v, %d, %v, %v", changes, cursor, more, err)
	}
	p, err := s.ActivityPage(ctxBg, hostsync.ActivityQuery{})
	if err != nil || len(p.Events) != 3 || p.Cursor != cursor || p.Events[2].Action != hostsync.ActionHostDeleted {
		t.Fatalf("ActivityPage = %+v, %v", p, err)
	}
	c, err := s.Counts(ctxBg)
	want := hostsync.CountsAt{Counts: hostsync.Counts{HostCounts: hostsync.HostCounts{Deleted: 1}}, Cursor: cursor}
	if err != nil || c != want {
		t.Fatalf("Counts = %+v, %v; want %+v", c, err, want)
	}
	if err := s.Ready(ctxBg); err != nil {
		t.Errorf("Ready: %v", err)
	}
}
