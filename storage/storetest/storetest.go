// Package storetest is one test suite for every store behind the SCIM
// service (SQLite's hostdb, PostgreSQL's pgstore): what a store must do,
// method by method, with its conflicts and errors, its change feed and its
// behaviour beside another process on the same database. service's tests run
// it against both; a new store passes it before it is wired in.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/service"
)

var (
	azure  = hostsync.Actor{Kind: hostsync.ActorAPIKey, ID: "1", Label: "Azure AD", IdP: hostsync.IdPAzureAD, Method: "POST", Path: "/Users"}
	okta   = hostsync.Actor{Kind: hostsync.ActorAPIKey, ID: "2", Label: "Okta", IdP: hostsync.IdPOkta}
	admin  = hostsync.Actor{Kind: hostsync.ActorAdmin}
	cli    = hostsync.Actor{Kind: hostsync.ActorCLI}
	ctxBg  = context.Background()
	active = hostsync.StateActive
)

// Run runs the suite. newDB returns a fresh, empty database: a SQLite file
// path or a PostgreSQL URL, which the suite opens with service.Open (twice,
// where it plays two processes).
func Run(t *testing.T, newDB func(t testing.TB) string) {
	h := &harness{newDB: newDB}
	tests := []struct {
		name string
		fn   func(*testing.T, *harness)
	}{
		{"CreateAndGetHost", testCreateAndGetHost},
		{"UserNameIsUniqueAmongLiveHosts", testUserNameUnique},
		{"UpdateHost", testUpdateHost},
		{"DeleteIsSoft", testDeleteIsSoft},
		{"RestoreHost", testRestoreHost},
		{"QueryHosts", testQueryHosts},
		{"AdminHosts", testAdminHosts},
		{"Groups", testGroups},
		{"GroupMembersFollowTheirHosts", testGroupMembersFollowHosts},
		{"APIKeys", testAPIKeys},
		{"AdminToken", testAdminToken},
		{"ActivityAndCounts", testActivityAndCounts},
		{"LastChangesAndRejections", testLastChangesAndRejections},
		{"ChangeFeed", testChangeFeed},
		{"RevocationReachesAnotherProcess", testRevocationAcrossProcesses},
		{"FeedUnderConcurrentWriters", testFeedUnderConcurrentWriters},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, h) })
	}
}

type harness struct {
	newDB func(t testing.TB) string
}

// open opens a fresh store; the test closes it at its end.
func (h *harness) open(t testing.TB) (service.Store, string) {
	t.Helper()
	db := h.newDB(t)
	return h.reopen(t, db), db
}

// reopen opens db again, as another process would.
func (h *harness) reopen(t testing.TB, db string) service.Store {
	t.Helper()
	svc, err := service.Open(ctxBg, db, service.Options{HostCacheLimit: service.DefaultHostCacheLimit})
	if err != nil {
		t.Fatalf("open %s: %v", service.Redacted(db), err)
	}
	t.Cleanup(func() {
		if err := svc.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return svc.Store()
}

// hostDoc builds a host as the SCIM layer hands it over.
func hostDoc(userName string, isActive bool, extra map[string]any) *hostsync.HostRecord {
	doc := map[string]any{
		"schemas":     []any{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName":    userName,
		"active":      isActive,
		"displayName": "Name of " + userName,
		"emails":      []any{map[string]any{"type": "work", "value": userName + "@example.com", "primary": true}},
	}
	for k, v := range extra {
		doc[k] = v
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	h := &hostsync.HostRecord{UserName: userName, Active: isActive, Attrs: b, DisplayName: "Name of " + userName,
		Email: userName + "@example.com"}
	h.ExternalID, _ = doc["externalId"].(string)
	return h
}

func mustCreate(t testing.TB, st service.Store, a hostsync.Actor, userName string) *hostsync.HostRecord {
	t.Helper()
	h, err := st.CreateHost(ctxBg, a, hostDoc(userName, true, nil))
	if err != nil {
		t.Fatalf("create %s: %v", userName, err)
	}
	return h
}

// withAttr is an update that sets one attribute (and active, for "active").
func withAttr(name string, v any) func(*hostsync.HostRecord) (*hostsync.HostRecord, error) {
	return func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
		var doc map[string]any
		if err := json.Unmarshal(cur.Attrs, &doc); err != nil {
			return nil, err
		}
		doc[name] = v
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		next := cur.Clone()
		next.Attrs = b
		if name == "active" {
			next.Active = v.(bool)
		}
		return next, nil
	}
}

// allEvents reads the whole activity log through the feed.
func allEvents(t testing.TB, st service.Store) []hostsync.Event {
	t.Helper()
	var out []hostsync.Event
	q := hostsync.ActivityQuery{Limit: 1000}
	for {
		p, err := st.ActivityPage(ctxBg, q)
		if err != nil {
			t.Fatalf("activity: %v", err)
		}
		out = append(out, p.Events...)
		if !p.More {
			return out
		}
		if p.Cursor == q.Since {
			t.Fatalf("activity cursor stuck at %d", p.Cursor)
		}
		q.Since = p.Cursor
	}
}

func lastEvent(t testing.TB, st service.Store) hostsync.Event {
	t.Helper()
	evs := allEvents(t, st)
	if len(evs) == 0 {
		t.Fatal("no events")
	}
	return evs[len(evs)-1]
}

func wantErr(t testing.TB, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: error %v, want %v", what, err, target)
	}
}

func testCreateAndGetHost(t *testing.T, h *harness) {
	st, _ := h.open(t)
	in := hostDoc("ann@contoso.com", true, map[string]any{"externalId": "e-1", "title": "Engineer"})
	in.ExternalID = "e-1"
	got, err := st.CreateHost(ctxBg, azure, in)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == "" || got.Seq == 0 || got.IdP != hostsync.IdPAzureAD || got.State() != active || got.Created.IsZero() {
		t.Fatalf("created %+v", got)
	}
	back, err := st.GetHost(ctxBg, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if back.UserName != in.UserName || back.ExternalID != "e-1" || back.Email != in.Email ||
		back.DisplayName != in.DisplayName || !jsonEqual(back.Attrs, in.Attrs) || back.Seq != got.Seq ||
		!back.Created.Equal(got.Created) || back.IdP != hostsync.IdPAzureAD {
		t.Errorf("GetHost = %+v, want what was created %+v", back, got)
	}
	_, err = st.GetHost(ctxBg, "no-such-id")
	wantErr(t, "GetHost of an unknown id", err, hostsync.ErrNotFound)
	var nf *hostsync.NotFoundError
	if !errors.As(err, &nf) || nf.Kind != "host" || nf.ID != "no-such-id" {
		t.Errorf("NotFoundError %+v", nf)
	}
	// Created inactive: deactivated from the start, by its creator.
	off, err := st.CreateHost(ctxBg, okta, hostDoc("off", false, nil))
	if err != nil {
		t.Fatal(err)
	}
	if off.State() != hostsync.StateDeactivated || off.DeactivatedBy != okta.String() ||
		off.RemovedHow != hostsync.RemovedByDeactivate || off.IdP != hostsync.IdPOkta {
		t.Errorf("inactive host %+v", off)
	}
	// What the store relies on is checked.
	if _, err := st.CreateHost(ctxBg, azure, &hostsync.HostRecord{UserName: "x", Attrs: []byte(`[1]`)}); err == nil {
		t.Error("a host whose attributes are not an object was stored")
	}
	if _, err := st.CreateHost(ctxBg, azure, &hostsync.HostRecord{Attrs: []byte(`{}`)}); err == nil {
		t.Error("a host without userName was stored")
	}
}

func testUserNameUnique(t *testing.T, h *harness) {
	st, _ := h.open(t)
	first := mustCreate(t, st, azure, "Bob@Contoso.com")
	_, err := st.CreateHost(ctxBg, okta, hostDoc("bob@contoso.COM", true, nil))
	wantErr(t, "a second live host with the userName in other case", err, hostsync.ErrConflict)
	var c *hostsync.ConflictError
	if !errors.As(err, &c) || c.Field != "userName" || c.HolderIdP != hostsync.IdPAzureAD {
		t.Errorf("conflict %+v, want userName held by Azure AD", c)
	}
	// Names that look alike are one name: fullwidth letters, a zero-width
	// space, é written two ways.
	mustCreate(t, st, azure, "ann")
	mustCreate(t, st, azure, "ren\u00e9")
	for _, lookalike := range []string{"\uff41nn", "ren\u0065\u0301"} {
		_, err := st.CreateHost(ctxBg, okta, hostDoc(lookalike, true, nil))
		wantErr(t, "a second live host named "+lookalike, err, hostsync.ErrConflict)
	}
	// A rename onto a live name is a conflict too, and changes nothing.
	other := mustCreate(t, st, azure, "carl")
	_, err = st.UpdateHost(ctxBg, azure, other.ID, func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
		n := cur.Clone()
		n.UserName = "BOB@contoso.com"
		return n, nil
	})
	wantErr(t, "rename onto a live userName", err, hostsync.ErrConflict)
	if g, _ := st.GetHost(ctxBg, other.ID); g.UserName != "carl" {
		t.Errorf("after a refused rename userName = %q", g.UserName)
	}
	// Once deleted, the name is free.
	if err := st.DeleteHost(ctxBg, azure, first.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateHost(ctxBg, azure, hostDoc("bob@contoso.com", true, nil)); err != nil {
		t.Errorf("create over a deleted host's userName: %v", err)
	}
}

func testUpdateHost(t *testing.T, h *harness) {
	st, _ := h.open(t)
	ho := mustCreate(t, st, azure, "dora")
	errFn := errors.New("scim: invalid path")
	tests := []struct {
		name       string
		fn         func(*hostsync.HostRecord) (*hostsync.HostRecord, error)
		wantAction string // "" = no event
		wantState  hostsync.State
		wantErr    error
	}{
		{"attribute changed", withAttr("title", "Lead"), hostsync.ActionHostUpdated, active, nil},
		{"same again", withAttr("title", "Lead"), "", active, nil},
		{"nil means no change", func(*hostsync.HostRecord) (*hostsync.HostRecord, error) { return nil, nil }, "", active, nil},
		{"fn's error", func(*hostsync.HostRecord) (*hostsync.HostRecord, error) { return nil, errFn }, "", active, errFn},
		{"deactivated", withAttr("active", false), hostsync.ActionHostDeactivated, hostsync.StateDeactivated, nil},
		{"reactivated", withAttr("active", true), hostsync.ActionHostReactivated, active, nil},
	}
	for _, tt := range tests {
		before := len(allEvents(t, st))
		got, err := st.UpdateHost(ctxBg, azure, ho.ID, tt.fn)
		if tt.wantErr != nil {
			if err != tt.wantErr {
				t.Errorf("%s: error %v, want fn's own error unchanged", tt.name, err)
			}
		} else if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		} else if got.State() != tt.wantState {
			t.Errorf("%s: state %s, want %s", tt.name, got.State(), tt.wantState)
		}
		evs := allEvents(t, st)
		switch {
		case tt.wantAction == "" && len(evs) != before:
			t.Errorf("%s: wrote an event %+v", tt.name, evs[len(evs)-1])
		case tt.wantAction != "" && (len(evs) != before+1 || evs[len(evs)-1].Action != tt.wantAction):
			t.Errorf("%s: events %+v, want one %s", tt.name, evs[before:], tt.wantAction)
		}
	}
	cur, err := st.GetHost(ctxBg, ho.ID)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if json.Unmarshal(cur.Attrs, &doc); doc["title"] != "Lead" || !cur.DeactivatedAt.IsZero() || cur.RemovedHow != "" {
		t.Errorf("after the updates %+v %s", cur, cur.Attrs)
	}
	_, err = st.UpdateHost(ctxBg, azure, "nope", withAttr("title", "x"))
	wantErr(t, "update of an unknown host", err, hostsync.ErrNotFound)
}

func testDeleteIsSoft(t *testing.T, h *harness) {
	st, _ := h.open(t)
	ho := mustCreate(t, st, azure, "erin")
	if err := st.DeleteHost(ctxBg, azure, ho.ID); err != nil {
		t.Fatal(err)
	}
	_, err := st.GetHost(ctxBg, ho.ID)
	wantErr(t, "GetHost of a deleted host", err, hostsync.ErrNotFound)
	wantErr(t, "a second delete", st.DeleteHost(ctxBg, azure, ho.ID), hostsync.ErrNotFound)
	_, err = st.UpdateHost(ctxBg, azure, ho.ID, withAttr("title", "x"))
	wantErr(t, "update of a deleted host", err, hostsync.ErrNotFound)
	d, err := st.AdminHost(ctxBg, ho.ID)
	if err != nil {
		t.Fatalf("the admin's read of a deleted host: %v", err)
	}
	if d.State() != hostsync.StateDeleted || d.DeletedBy != azure.String() || d.RemovedHow != hostsync.RemovedByDelete ||
		!jsonEqual(d.Attrs, ho.Attrs) {
		t.Errorf("deleted host %+v", d)
	}
	if ev := lastEvent(t, st); ev.Action != hostsync.ActionHostDeleted || ev.ResourceID != ho.ID || ev.UserName != "erin" {
		t.Errorf("delete event %+v", ev)
	}
}

func testRestoreHost(t *testing.T, h *harness) {
	st, _ := h.open(t)
	tests := []struct {
		name    string
		prepare func(st service.Store, id string)
		changes []hostsync.FieldChange
	}{
		{"deactivated", func(st service.Store, id string) {
			if _, err := st.UpdateHost(ctxBg, azure, id, withAttr("active", false)); err != nil {
				t.Fatal(err)
			}
		}, []hostsync.FieldChange{{Field: "state", Old: "deactivated", New: "active"}, {Field: "active", Old: false, New: true}}},
		{"deleted", func(st service.Store, id string) {
			if err := st.DeleteHost(ctxBg, azure, id); err != nil {
				t.Fatal(err)
			}
		}, []hostsync.FieldChange{{Field: "state", Old: "deleted", New: "active"}}},
		{"already active", func(service.Store, string) {}, nil},
	}
	for i, tt := range tests {
		ho := mustCreate(t, st, azure, fmt.Sprintf("frank%d", i))
		tt.prepare(st, ho.ID)
		before := len(allEvents(t, st))
		r, err := st.RestoreHost(ctxBg, admin, ho.ID)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if r.State() != active {
			t.Errorf("%s: state %s after restore", tt.name, r.State())
		}
		evs := allEvents(t, st)
		if tt.changes == nil {
			if len(evs) != before || !r.RestoredAt.IsZero() {
				t.Errorf("%s: restoring an active host wrote an event or a mark", tt.name)
			}
			continue
		}
		if len(evs) != before+1 || evs[before].Action != hostsync.ActionHostRestored || !reflect.DeepEqual(evs[before].Changes, tt.changes) {
			t.Errorf("%s: events %+v, want one restore with %+v", tt.name, evs[before:], tt.changes)
		}
		if r.RestoredBy != admin.String() || r.RestoredAt.IsZero() {
			t.Errorf("%s: restore mark %q %v", tt.name, r.RestoredBy, r.RestoredAt)
		}
		// The IdP's next change ends the mark.
		u, err := st.UpdateHost(ctxBg, azure, ho.ID, withAttr("title", "Back"))
		if err != nil || !u.RestoredAt.IsZero() || u.RestoredBy != "" {
			t.Errorf("%s: after the IdP's change: %+v, %v", tt.name, u, err)
		}
	}
	// A deleted host cannot come back over a live host with its userName.
	gone := mustCreate(t, st, azure, "gina")
	if err := st.DeleteHost(ctxBg, azure, gone.ID); err != nil {
		t.Fatal(err)
	}
	holder := mustCreate(t, st, okta, "GINA")
	_, err := st.RestoreHost(ctxBg, admin, gone.ID)
	wantErr(t, "restore over a live userName", err, hostsync.ErrConflict)
	var c *hostsync.ConflictError
	if !errors.As(err, &c) || c.Holder != holder.ID {
		t.Errorf("conflict %+v, want the live holder %s", c, holder.ID)
	}
	if d, _ := st.AdminHost(ctxBg, gone.ID); d.State() != hostsync.StateDeleted {
		t.Errorf("a refused restore changed the host: %s", d.State())
	}
	_, err = st.RestoreHost(ctxBg, admin, "nope")
	wantErr(t, "restore of an unknown host", err, hostsync.ErrNotFound)
}

func testQueryHosts(t *testing.T, h *harness) {
	st, _ := h.open(t)
	var ids []string
	for i := range 7 {
		in := hostDoc(fmt.Sprintf("u%d", i), i != 3, map[string]any{"externalId": fmt.Sprintf("x%d", i)})
		in.ExternalID = fmt.Sprintf("x%d", i)
		ho, err := st.CreateHost(ctxBg, azure, in)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ho.ID)
	}
	if err := st.DeleteHost(ctxBg, azure, ids[5]); err != nil {
		t.Fatal(err)
	}
	q := func(conds ...hostsync.Cond) hostsync.LiveHostQuery {
		return hostsync.LiveHostQuery{Conds: conds, Count: 100}
	}
	tests := []struct {
		name  string
		q     hostsync.LiveHostQuery
		want  []string // ids, in creation order
		total int
	}{
		{"all live", q(), []string{ids[0], ids[1], ids[2], ids[3], ids[4], ids[6]}, 6},
		{"userName, any case", q(hostsync.Cond{Field: hostsync.FieldUserName, Value: "U2"}), []string{ids[2]}, 1},
		{"deleted is absent", q(hostsync.Cond{Field: hostsync.FieldUserName, Value: "u5"}), nil, 0},
		{"externalId exactly", q(hostsync.Cond{Field: hostsync.FieldExternalID, Value: "x4"}), []string{ids[4]}, 1},
		{"externalId is case-sensitive", q(hostsync.Cond{Field: hostsync.FieldExternalID, Value: "X4"}), nil, 0},
		{"email", q(hostsync.Cond{Field: hostsync.FieldEmail, Value: "U1@EXAMPLE.com"}), []string{ids[1]}, 1},
		{"id", q(hostsync.Cond{Field: hostsync.FieldID, Value: ids[6]}), []string{ids[6]}, 1},
		{"active false", q(hostsync.Cond{Field: hostsync.FieldActive, Value: "false"}), []string{ids[3]}, 1},
		{"active true", q(hostsync.Cond{Field: hostsync.FieldActive, Value: "True"}), []string{ids[0], ids[1], ids[2], ids[4], ids[6]}, 5},
		{"active bogus", q(hostsync.Cond{Field: hostsync.FieldActive, Value: "maybe"}), nil, 0},
		{"two conditions", q(hostsync.Cond{Field: hostsync.FieldUserName, Value: "u1"}, hostsync.Cond{Field: hostsync.FieldExternalID, Value: "x1"}), []string{ids[1]}, 1},
		{"page 2 of 2", hostsync.LiveHostQuery{StartIndex: 3, Count: 2}, []string{ids[2], ids[3]}, 6},
		{"past the end", hostsync.LiveHostQuery{StartIndex: 10, Count: 2}, nil, 6},
		{"count only", hostsync.LiveHostQuery{Count: 0}, nil, 6},
		{"residual match", hostsync.LiveHostQuery{Count: 100, Match: func(h *hostsync.HostRecord) bool { return h.UserName >= "u4" }},
			[]string{ids[4], ids[6]}, 2},
	}
	for _, tt := range tests {
		hs, total, err := st.QueryHosts(ctxBg, tt.q)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []string
		for _, h := range hs {
			got = append(got, h.ID)
		}
		if !slices.Equal(got, tt.want) || total != tt.total {
			t.Errorf("%s: %v (total %d), want %v (total %d)", tt.name, got, total, tt.want, tt.total)
		}
	}
}

func testAdminHosts(t *testing.T, h *harness) {
	st, _ := h.open(t)
	a := mustCreate(t, st, azure, "a")
	b := mustCreate(t, st, azure, "b")
	c := mustCreate(t, st, azure, "c")
	if _, err := st.UpdateHost(ctxBg, azure, b.ID, withAttr("active", false)); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteHost(ctxBg, azure, c.ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		state hostsync.State
		want  []string
	}{
		{hostsync.StateActive, []string{a.ID}},
		{hostsync.StateDeactivated, []string{b.ID}},
		{hostsync.StateDeleted, []string{c.ID}},
		{hostsync.StateRemoved, []string{b.ID, c.ID}},
		{hostsync.StateAll, []string{a.ID, b.ID, c.ID}},
	}
	for _, tt := range tests {
		hs, total, err := st.AdminHosts(ctxBg, tt.state, 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hs {
			got = append(got, h.ID)
		}
		if !slices.Equal(got, tt.want) || total != len(tt.want) {
			t.Errorf("AdminHosts(%s) = %v (total %d), want %v", tt.state, got, total, tt.want)
		}
	}
	if _, _, err := st.AdminHosts(ctxBg, "bogus", 1, 10); err == nil {
		t.Error("AdminHosts of an unknown state: no error")
	}
}

func jsonEqual(a, b []byte) bool {
	var va, vb any
	return json.Unmarshal(a, &va) == nil && json.Unmarshal(b, &vb) == nil && reflect.DeepEqual(va, vb)
}
