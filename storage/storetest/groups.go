package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/service"
)

func groupDoc(name string, members ...string) *hostsync.GroupRecord {
	b, _ := json.Marshal(map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": name})
	return &hostsync.GroupRecord{DisplayName: name, Attrs: b, Members: members}
}

func members(t testing.TB, st service.Store, id string) []string {
	t.Helper()
	g, err := st.GetGroup(ctxBg, id, true)
	if err != nil {
		t.Fatalf("GetGroup: %v", err)
	}
	return g.Members
}

func change(ch hostsync.GroupChange) func(*hostsync.GroupRecord) (*hostsync.GroupChange, error) {
	return func(*hostsync.GroupRecord) (*hostsync.GroupChange, error) { return &ch, nil }
}

func testGroups(t *testing.T, h *harness) {
	st, _ := h.open(t)
	a, b, c := mustCreate(t, st, azure, "ga"), mustCreate(t, st, azure, "gb"), mustCreate(t, st, azure, "gc")
	g, err := st.CreateGroup(ctxBg, azure, groupDoc("Sales", a.ID, b.ID))
	if err != nil {
		t.Fatal(err)
	}
	if g.ID == "" || g.Seq == 0 || !slices.Equal(g.Members, []string{a.ID, b.ID}) {
		t.Fatalf("created group %+v", g)
	}
	if ev := lastEvent(t, st); ev.Action != hostsync.ActionGroupCreated || ev.ResourceID != g.ID {
		t.Errorf("create event %+v", ev)
	}
	_, err = st.CreateGroup(ctxBg, azure, groupDoc("SALES"))
	wantErr(t, "a second live group named Sales in other case", err, hostsync.ErrConflict)
	_, err = st.CreateGroup(ctxBg, azure, groupDoc("Ops", "no-such-host"))
	var im *hostsync.InvalidMemberError
	if !errors.As(err, &im) || im.ID != "no-such-host" {
		t.Errorf("a group with an unknown member: %v, want InvalidMemberError", err)
	}
	if _, _, err := st.QueryGroups(ctxBg, hostsync.GroupQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldDisplayName, Value: "ops"}}, Count: 1}); err != nil {
		t.Fatal(err)
	}

	// Members: remove, add (idempotent), replace; a no-op writes nothing.
	steps := []struct {
		name string
		ch   hostsync.GroupChange
		want []string
	}{
		{"remove b", hostsync.GroupChange{Remove: []string{b.ID}}, []string{a.ID}},
		{"add c and a again", hostsync.GroupChange{Add: []string{c.ID, a.ID}}, []string{a.ID, c.ID}},
		{"remove a non-member", hostsync.GroupChange{Remove: []string{b.ID}}, []string{a.ID, c.ID}},
		{"replace with b", hostsync.GroupChange{RemoveAll: true, Add: []string{b.ID}}, []string{b.ID}},
	}
	for _, s := range steps {
		before := len(allEvents(t, st))
		if _, err := st.UpdateGroup(ctxBg, azure, g.ID, change(s.ch)); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := members(t, st, g.ID); !slices.Equal(got, s.want) {
			t.Errorf("%s: members %v, want %v", s.name, got, s.want)
		}
		wrote := len(allEvents(t, st)) > before
		if noop := s.name == "remove a non-member"; wrote == noop {
			t.Errorf("%s: wrote an event: %v", s.name, wrote)
		}
	}
	_, err = st.UpdateGroup(ctxBg, azure, g.ID, change(hostsync.GroupChange{Add: []string{"nope"}}))
	wantErr(t, "adding an unknown member", err, hostsync.ErrInvalidMember)

	// Rename; then the old name is free and the new one taken.
	attrs, _ := json.Marshal(map[string]any{"displayName": "Sales EU"})
	r, err := st.UpdateGroup(ctxBg, azure, g.ID, change(hostsync.GroupChange{DisplayName: "Sales EU", Attrs: attrs}))
	if err != nil || r.DisplayName != "Sales EU" {
		t.Fatalf("rename: %+v, %v", r, err)
	}
	found, total, err := st.QueryGroups(ctxBg, hostsync.GroupQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldDisplayName, Value: "sales eu"}}, Count: 10, WithMembers: true})
	if err != nil || total != 1 || len(found) != 1 || found[0].ID != g.ID || !slices.Equal(found[0].Members, []string{b.ID}) {
		t.Errorf("QueryGroups by the new name: %v (total %d), %v", found, total, err)
	}
	if _, err := st.CreateGroup(ctxBg, azure, groupDoc("Sales")); err != nil {
		t.Errorf("the old name is free after a rename: %v", err)
	}
	// Delete: gone for SCIM, its name free.
	if err := st.DeleteGroup(ctxBg, azure, g.ID); err != nil {
		t.Fatal(err)
	}
	_, err = st.GetGroup(ctxBg, g.ID, false)
	wantErr(t, "GetGroup of a deleted group", err, hostsync.ErrNotFound)
	wantErr(t, "a second delete", st.DeleteGroup(ctxBg, azure, g.ID), hostsync.ErrNotFound)
	if _, err := st.CreateGroup(ctxBg, azure, groupDoc("sales eu")); err != nil {
		t.Errorf("a deleted group's name is free: %v", err)
	}
	_, total, err = st.QueryGroups(ctxBg, hostsync.GroupQuery{})
	if err != nil || total != 2 {
		t.Errorf("live groups: %d, %v; want 2", total, err)
	}
}

func testGroupMembersFollowHosts(t *testing.T, h *harness) {
	st, _ := h.open(t)
	a, b := mustCreate(t, st, azure, "ma"), mustCreate(t, st, azure, "mb")
	g, err := st.CreateGroup(ctxBg, azure, groupDoc("Team", a.ID, b.ID))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteHost(ctxBg, azure, a.ID); err != nil {
		t.Fatal(err)
	}
	if got := members(t, st, g.ID); !slices.Equal(got, []string{b.ID}) {
		t.Errorf("after deleting a: members %v, want only b", got)
	}
	if _, err := st.RestoreHost(ctxBg, admin, a.ID); err != nil {
		t.Fatal(err)
	}
	if got := members(t, st, g.ID); !slices.Equal(got, []string{a.ID, b.ID}) {
		t.Errorf("after restoring a: members %v, want a back in its place", got)
	}
}
