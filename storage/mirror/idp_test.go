package mirror

import (
	"context"
	"testing"

	"github.com/visitly/hostsync"
)

// TestSyncKeepsWhoActedByIdP: against the real service, Okta creates and
// turns off a host and OneLogin deletes it; the mirror keeps each entry's IdP
// and the host's removers in words, and keeps them once the Okta key is
// revoked and the log holds more.
func TestSyncKeepsWhoActedByIdP(t *testing.T) {
	ctx := context.Background()
	rs := newRealService(t)
	actor := func(p hostsync.IdP) hostsync.Actor {
		t.Helper()
		_, k, err := rs.st.CreateAPIKey(ctx, hostsync.Actor{Kind: hostsync.ActorCLI}, p.Name(), p)
		if err != nil {
			t.Fatal(err)
		}
		return hostsync.Actor{Kind: hostsync.ActorAPIKey, ID: k.ID, IdP: p}
	}
	okta, one := actor(hostsync.IdPOkta), actor(hostsync.IdPOneLogin)
	h, err := rs.st.CreateHost(ctx, okta, &hostsync.HostRecord{UserName: "ann@x", DisplayName: "Ann", Active: true,
		Attrs: userAttrs("ann@x", "Ann", true, "", "")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rs.st.UpdateHost(ctx, okta, h.ID, func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
		cur.Active = false
		cur.Attrs = userAttrs(cur.UserName, cur.DisplayName, false, "", "")
		return cur, nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := rs.st.DeleteHost(ctx, one, h.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.st.RevokeAPIKey(ctx, hostsync.Actor{Kind: hostsync.ActorAdmin}, okta.ID); err != nil {
		t.Fatal(err)
	}
	m, _ := openTest(t)
	if _, err := m.Sync(ctx, rs.source(), hostsync.SyncOptions{}); err != nil {
		t.Fatal(err)
	}

	evs, err := m.Activity(ctx, hostsync.EventFilter{ResourceID: h.ID})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]hostsync.IdP{hostsync.ActionHostCreated: hostsync.IdPOkta,
		hostsync.ActionHostDeactivated: hostsync.IdPOkta, hostsync.ActionHostDeleted: hostsync.IdPOneLogin}
	if len(evs) != len(want) {
		t.Fatalf("ann's entries: %+v", evs)
	}
	for _, e := range evs {
		if e.IdP != want[e.Action] {
			t.Errorf("%s: idp %q, want %q", e.Action, e.IdP, want[e.Action])
		}
	}
	d, err := m.HostDetail(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := [3]string{d.Host.DeactivatedByName, d.Host.DeletedByName, d.Host.RemovedByName()}
	oneName := "OneLogin (key #" + one.ID + ")"
	if got != [3]string{"Okta (key #" + okta.ID + ")", oneName, oneName} {
		t.Errorf("removers in the mirror: %q", got)
	}
	removed, err := m.Hosts(ctx, hostsync.HostFilter{State: hostsync.StateRemoved})
	if err != nil || len(removed) != 1 || removed[0].RemovedByName() != oneName {
		t.Errorf("Deleted hosts list: %+v, %v", removed, err)
	}
}

// TestUpgradeGivesOldEntriesAnIdP: a mirror made before entries carried an
// IdP (version 6) fetches every host again for its removers' names, and
// reads an API key's old entry about a host with that host's IdP; other old
// entries have none (the console then says Azure AD).
func TestUpgradeGivesOldEntriesAnIdP(t *testing.T) {
	ctx := context.Background()
	m, path := openTest(t)
	if err := m.Apply(ctx, Batch{
		Hosts: []hostsync.Host{{ID: "h1", Seq: 3, State: hostsync.StateDeleted, UserName: "ann", IdP: hostsync.IdPOkta,
			DeletedBy: "apikey:2", RemovedHow: hostsync.RemovedByDelete}},
		Events: []hostsync.Event{
			{Seq: 1, Actor: "apikey:2", Action: hostsync.ActionHostCreated, ResourceType: hostsync.ResourceUser, ResourceID: "h1"},
			{Seq: 2, Actor: "apikey:2", Action: hostsync.ActionGroupCreated, ResourceType: hostsync.ResourceGroup, ResourceID: "g1"},
			{Seq: 3, Actor: "admin", Action: hostsync.ActionKeyCreated, ResourceType: hostsync.ResourceKey, ResourceID: "2"},
		},
		ChangesCursor: 3, ActivityCursor: 3}); err != nil {
		t.Fatal(err)
	}
	// Back to the file as version 6 left it.
	for _, q := range []string{"ALTER TABLE hosts DROP COLUMN deactivated_by_name", "ALTER TABLE hosts DROP COLUMN deleted_by_name",
		"ALTER TABLE events DROP COLUMN idp", "PRAGMA user_version = 6"} {
		if _, err := m.w.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	m.Close()
	m2, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("open the version 6 file: %v", err)
	}
	defer m2.Close()
	c, a, err := m2.Cursors(ctx)
	if err != nil || c != 0 || a != 3 {
		t.Errorf("cursors after the upgrade: changes %d, activity %d, %v; want 0 and 3", c, a, err)
	}
	evs, err := m2.Activity(ctx, hostsync.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]hostsync.IdP{}
	for _, e := range evs {
		got[e.Seq] = e.IdP
	}
	if want := map[int64]hostsync.IdP{1: hostsync.IdPOkta, 2: "", 3: ""}; len(got) != 3 || got[1] != want[1] || got[2] != "" || got[3] != "" {
		t.Errorf("old entries' IdPs = %v, want %v", got, want)
	}
	// The resync brings the names; a new entry keeps the IdP the service sent.
	if err := m2.Apply(ctx, Batch{
		Hosts: []hostsync.Host{{ID: "h1", Seq: 3, State: hostsync.StateDeleted, UserName: "ann", IdP: hostsync.IdPOkta,
			DeletedBy: "apikey:2", DeletedByName: "Okta (key #2)", RemovedHow: hostsync.RemovedByDelete}},
		Events: []hostsync.Event{{Seq: 4, Actor: "apikey:5", Action: hostsync.ActionHostUpdated, ResourceType: hostsync.ResourceUser,
			ResourceID: "h1", IdP: hostsync.IdPOneLogin}},
		ChangesCursor: 3, ActivityCursor: 4}); err != nil {
		t.Fatal(err)
	}
	d, err := m2.HostDetail(ctx, "h1")
	if err != nil || d.Host.RemovedByName() != "Okta (key #2)" {
		t.Errorf("remover after the resync: %+v, %v", d, err)
	}
	if len(d.History) == 0 || d.History[0].Seq != 4 || d.History[0].IdP != hostsync.IdPOneLogin {
		t.Errorf("newest entry: %+v", d.History)
	}
}
