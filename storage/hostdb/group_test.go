package hostdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/visitly/hostsync"
)

func groupDoc(name string, members ...string) *hostsync.GroupRecord {
	b, _ := json.Marshal(map[string]any{
		"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": name})
	return &hostsync.GroupRecord{DisplayName: name, Attrs: b, Members: members}
}

// renamed is the non-member state of a group called name.
func renamed(name string) *hostsync.GroupChange {
	g := groupDoc(name)
	return &hostsync.GroupChange{DisplayName: name, Attrs: g.Attrs}
}

func mustCreateGroup(t testing.TB, s *Store, name string, members ...string) *hostsync.GroupRecord {
	t.Helper()
	g, err := s.CreateGroup(context.Background(), azure, groupDoc(name, members...))
	if err != nil {
		t.Fatalf("CreateGroup(%q): %v", name, err)
	}
	return g
}

func members(t testing.TB, s *Store, id string) []string {
	t.Helper()
	g, err := s.GetGroup(context.Background(), id, true)
	if err != nil {
		t.Fatalf("GetGroup: %v", err)
	}
	return g.Members
}

func TestCreateGroup(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	a, b := mustCreateHost(t, s, "a", nil), mustCreateHost(t, s, "b", nil)
	g := mustCreateGroup(t, s, "Sales", b.ID, a.ID, b.ID)
	if want := []string{b.ID, a.ID}; !reflect.DeepEqual(g.Members, want) || !reflect.DeepEqual(members(t, s, g.ID), want) {
		t.Errorf("members %v / %v, want %v (deduplicated, insertion order)", g.Members, members(t, s, g.ID), want)
	}
	got, err := s.GetGroup(ctx, g.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.Members != nil || got.Seq != g.Seq || got.DisplayName != "Sales" || !jsonEqual(got.Attrs, g.Attrs) || !got.Created.Equal(g.Created) {
		t.Errorf("GetGroup(no members) = %+v", got)
	}
	ev := lastEvent(t, s)
	if ev.Action != "group.created" || ev.ResourceType != TypeGroup || ev.Seq != g.Seq || !strings.Contains(ev.Detail, `"Sales"`) {
		t.Errorf("event %+v", ev)
	}

	tests := []struct {
		name    string
		group   *hostsync.GroupRecord
		wantErr error
		detail  string
	}{
		{"displayName taken, other case", groupDoc("SALES"), hostsync.ErrConflict, `displayName "SALES" is already taken`},
		{"unknown member", groupDoc("X", a.ID, "ghost"), hostsync.ErrInvalidMember, `"ghost"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(events(t, s))
			_, err := s.CreateGroup(ctx, azure, tt.group)
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("err = %v, want %v with %q", err, tt.wantErr, tt.detail)
			}
			if _, total, _ := s.QueryGroups(ctx, hostsync.GroupQuery{}); total != 1 || len(events(t, s)) != n {
				t.Errorf("a failed create left %d groups / new events", total)
			}
		})
	}
	if err := s.DeleteHost(ctx, azure, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateGroup(ctx, azure, groupDoc("Y", b.ID)); !errors.Is(err, hostsync.ErrInvalidMember) {
		t.Errorf("deleted host as member: err = %v, want hostsync.ErrInvalidMember", err)
	}
}

func TestUpdateGroup(t *testing.T) {
	ctx := context.Background()
	errScim := errors.New("scim: bad op")
	type fixture struct{ a, b, c, gone string }
	tests := []struct {
		name        string
		change      func(f fixture) *hostsync.GroupChange
		fnErr       error
		wantErr     error
		wantMembers func(f fixture) []string
		wantEvent   bool
		changes     func(f fixture) []hostsync.FieldChange
	}{
		{"rename", func(fixture) *hostsync.GroupChange { return renamed("Sales EMEA") }, nil, nil,
			func(f fixture) []string { return []string{f.a, f.b} }, true,
			func(fixture) []hostsync.FieldChange {
				return []hostsync.FieldChange{{Field: "displayName", Old: "Sales", New: "Sales EMEA"}}
			}},
		{"add idempotent", func(f fixture) *hostsync.GroupChange { return &hostsync.GroupChange{Add: []string{f.b, f.c, f.c}} }, nil, nil,
			func(f fixture) []string { return []string{f.a, f.b, f.c} }, true,
			func(f fixture) []hostsync.FieldChange {
				return []hostsync.FieldChange{{Field: "members", New: []any{f.c}}}
			}},
		{"add existing only", func(f fixture) *hostsync.GroupChange { return &hostsync.GroupChange{Add: []string{f.a}} }, nil, nil,
			func(f fixture) []string { return []string{f.a, f.b} }, false, nil},
		{"remove", func(f fixture) *hostsync.GroupChange {
			return &hostsync.GroupChange{Remove: []string{f.a, f.c, "ghost"}}
		}, nil, nil,
			func(f fixture) []string { return []string{f.b} }, true,
			func(f fixture) []hostsync.FieldChange {
				return []hostsync.FieldChange{{Field: "members", Old: []any{f.a}}}
			}},
		{"remove non-member", func(f fixture) *hostsync.GroupChange { return &hostsync.GroupChange{Remove: []string{f.c}} }, nil, nil,
			func(f fixture) []string { return []string{f.a, f.b} }, false, nil},
		{"replace", func(f fixture) *hostsync.GroupChange {
			return &hostsync.GroupChange{RemoveAll: true, Add: []string{f.c, f.b}}
		}, nil, nil,
			func(f fixture) []string { return []string{f.b, f.c} }, true,
			func(f fixture) []hostsync.FieldChange {
				return []hostsync.FieldChange{{Field: "members", Old: []any{f.a}, New: []any{f.c}}}
			}},
		{"remove all", func(fixture) *hostsync.GroupChange { return &hostsync.GroupChange{RemoveAll: true} }, nil, nil,
			func(fixture) []string { return []string{} }, true,
			func(f fixture) []hostsync.FieldChange {
				return []hostsync.FieldChange{{Field: "members", Old: []any{f.a, f.b}}}
			}},
		{"replace with same list", func(f fixture) *hostsync.GroupChange {
			return &hostsync.GroupChange{RemoveAll: true, Add: []string{f.a, f.b}}
		}, nil, nil,
			func(f fixture) []string { return []string{f.a, f.b} }, false, nil},
		{"remove and add back", func(f fixture) *hostsync.GroupChange {
			return &hostsync.GroupChange{Remove: []string{f.a}, Add: []string{f.a}}
		}, nil, nil,
			func(f fixture) []string { return []string{f.a, f.b} }, false, nil},
		{"invalid member rolls back", func(f fixture) *hostsync.GroupChange {
			c := renamed("Other")
			c.Remove, c.Add = []string{f.a}, []string{f.c, f.gone}
			return c
		}, nil, hostsync.ErrInvalidMember, func(f fixture) []string { return []string{f.a, f.b} }, false, nil},
		{"displayName taken", func(fixture) *hostsync.GroupChange { return renamed("taken") }, nil, hostsync.ErrConflict,
			func(f fixture) []string { return []string{f.a, f.b} }, false, nil},
		{"callback error", nil, errScim, errScim, func(f fixture) []string { return []string{f.a, f.b} }, false, nil},
		{"nil change", func(fixture) *hostsync.GroupChange { return nil }, nil, nil,
			func(f fixture) []string { return []string{f.a, f.b} }, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t)
			f := fixture{mustCreateHost(t, s, "a", nil).ID, mustCreateHost(t, s, "b", nil).ID,
				mustCreateHost(t, s, "c", nil).ID, mustCreateHost(t, s, "gone", nil).ID}
			if err := s.DeleteHost(ctx, azure, f.gone); err != nil {
				t.Fatal(err)
			}
			mustCreateGroup(t, s, "Taken")
			g := mustCreateGroup(t, s, "Sales", f.a, f.b)
			n := len(events(t, s))
			got, err := s.UpdateGroup(ctx, azure, g.ID, func(cur *hostsync.GroupRecord) (*hostsync.GroupChange, error) {
				if cur.Members != nil || cur.DisplayName != "Sales" {
					t.Errorf("callback got %+v", cur)
				}
				if tt.fnErr != nil {
					return nil, tt.fnErr
				}
				return tt.change(f), nil
			})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.fnErr != nil && err != tt.fnErr {
				t.Errorf("callback error came back wrapped: %v", err)
			}
			if m := members(t, s, g.ID); !reflect.DeepEqual(m, tt.wantMembers(f)) {
				t.Errorf("members %v, want %v", m, tt.wantMembers(f))
			}
			stored, _ := s.GetGroup(ctx, g.ID, false)
			evs := events(t, s)
			if !tt.wantEvent {
				if len(evs) != n || stored.Seq != g.Seq {
					t.Errorf("expected no write; events %d→%d, seq %d→%d", n, len(evs), g.Seq, stored.Seq)
				}
				return
			}
			ev := evs[len(evs)-1]
			if len(evs) != n+1 || ev.Action != "group.updated" || ev.Seq != stored.Seq || got.Seq != stored.Seq {
				t.Fatalf("event %+v, stored seq %d", ev, stored.Seq)
			}
			if !reflect.DeepEqual(ev.Changes, tt.changes(f)) {
				t.Errorf("changes %#v, want %#v", ev.Changes, tt.changes(f))
			}
		})
	}
}

func TestGroupMembersFollowHostState(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	a, b := mustCreateHost(t, s, "a", nil), mustCreateHost(t, s, "b", nil)
	g := mustCreateGroup(t, s, "Sales", a.ID, b.ID)
	other := mustCreateGroup(t, s, "Other", b.ID)
	if _, err := s.UpdateHost(ctx, azure, a.ID, withAttr("active", false)); err != nil {
		t.Fatal(err)
	}
	if m := members(t, s, g.ID); len(m) != 2 {
		t.Errorf("deactivated host left its group: %v", m)
	}
	if err := s.DeleteHost(ctx, azure, a.ID); err != nil {
		t.Fatal(err)
	}
	if m := members(t, s, g.ID); !reflect.DeepEqual(m, []string{b.ID}) {
		t.Errorf("members after delete %v, want only b", m)
	}
	deleted, _ := s.AdminHost(ctx, a.ID)
	if got, _ := s.GetGroup(ctx, g.ID, false); got.Seq != deleted.Seq {
		t.Errorf("group seq %d not stamped with the delete's seq %d", got.Seq, deleted.Seq)
	}
	if got, _ := s.GetGroup(ctx, other.ID, false); got.Seq != other.Seq {
		t.Errorf("unrelated group restamped")
	}
	if _, err := s.RestoreHost(ctx, admin, a.ID); err != nil {
		t.Fatal(err)
	}
	if m := members(t, s, g.ID); !reflect.DeepEqual(m, []string{a.ID, b.ID}) {
		t.Errorf("members after restore %v, want a back in its place", m)
	}
}

func TestDeleteGroup(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	a := mustCreateHost(t, s, "a", nil)
	g := mustCreateGroup(t, s, "Sales", a.ID)
	if err := s.DeleteGroup(ctx, admin, g.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetGroup(ctx, g.ID, true); !errors.Is(err, hostsync.ErrNotFound) {
		t.Errorf("GetGroup of deleted: %v", err)
	}
	if err := s.DeleteGroup(ctx, admin, g.ID); !errors.Is(err, hostsync.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if _, err := s.UpdateGroup(ctx, admin, g.ID, func(*hostsync.GroupRecord) (*hostsync.GroupChange, error) { return renamed("x"), nil }); !errors.Is(err, hostsync.ErrNotFound) {
		t.Errorf("update of deleted: %v", err)
	}
	if ev := lastEvent(t, s); ev.Action != "group.deleted" || ev.Actor != "admin" {
		t.Errorf("event %+v", ev)
	}
	mustCreateGroup(t, s, "sales") // the name is free again
	ch, _, _, err := s.Changes(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var found *hostsync.GroupRecord
	for _, c := range ch {
		if c.Group != nil && c.Group.ID == g.ID {
			found = c.Group
		}
	}
	if found == nil || found.DeletedAt.IsZero() || found.DeletedBy != "admin" || !reflect.DeepEqual(found.Members, []string{a.ID}) {
		t.Errorf("deleted group in the feed: %+v", found)
	}
}

func TestQueryGroups(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	a := mustCreateHost(t, s, "a", nil)
	var gs []*hostsync.GroupRecord
	for i := range 5 {
		g := groupDoc(fmt.Sprintf("G%d", i))
		g.ExternalID = fmt.Sprintf("x%d", i)
		if i%2 == 0 {
			g.Members = []string{a.ID}
		}
		created, err := s.CreateGroup(ctx, azure, g)
		if err != nil {
			t.Fatal(err)
		}
		gs = append(gs, created)
	}
	if err := s.DeleteGroup(ctx, azure, gs[4].ID); err != nil {
		t.Fatal(err)
	}
	names := func(gs []*hostsync.GroupRecord) string {
		var n []string
		for _, g := range gs {
			n = append(n, fmt.Sprintf("%s%v", g.DisplayName, len(g.Members)))
		}
		return strings.Join(n, ",")
	}
	tests := []struct {
		name      string
		q         hostsync.GroupQuery
		want      string
		wantTotal int
	}{
		{"all", hostsync.GroupQuery{Count: 10}, "G00,G10,G20,G30", 4},
		{"with members", hostsync.GroupQuery{Count: 10, WithMembers: true}, "G01,G10,G21,G30", 4},
		{"paged", hostsync.GroupQuery{StartIndex: 2, Count: 2}, "G10,G20", 4},
		{"displayName", hostsync.GroupQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldDisplayName, Value: "g3"}}, Count: 10}, "G30", 1},
		{"externalId", hostsync.GroupQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldExternalID, Value: "x1"}}, Count: 10}, "G10", 1},
		{"id", hostsync.GroupQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldID, Value: gs[2].ID}}, Count: 10}, "G20", 1},
		{"deleted excluded", hostsync.GroupQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldDisplayName, Value: "G4"}}, Count: 10}, "", 0},
		{"field groups lack", hostsync.GroupQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldUserName, Value: "a"}}, Count: 10}, "", 0},
		{"match on members", hostsync.GroupQuery{WithMembers: true, Count: 1, StartIndex: 2,
			Match: func(g *hostsync.GroupRecord) bool { return len(g.Members) > 0 }}, "G21", 2},
		{"count only", hostsync.GroupQuery{}, "", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := s.QueryGroups(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if names(got) != tt.want || total != tt.wantTotal {
				t.Errorf("got %q total %d, want %q total %d", names(got), total, tt.want, tt.wantTotal)
			}
		})
	}
}

func TestLargeGroupEventIsCapped(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	var ids []string
	for i := range hostsync.MaxListedMembers + 20 {
		ids = append(ids, mustCreateHost(t, s, fmt.Sprintf("u%d", i), nil).ID)
	}
	g := mustCreateGroup(t, s, "All")
	if _, err := s.UpdateGroup(ctx, azure, g.ID, func(*hostsync.GroupRecord) (*hostsync.GroupChange, error) {
		return &hostsync.GroupChange{Add: ids}, nil
	}); err != nil {
		t.Fatal(err)
	}
	ev := lastEvent(t, s)
	if len(ev.Changes) != 1 || len(ev.Changes[0].New.([]any)) != hostsync.MaxListedMembers || !strings.Contains(ev.Detail, "120 member(s) added") {
		t.Errorf("event lists %d ids, detail %q", len(ev.Changes[0].New.([]any)), ev.Detail)
	}
	if m := members(t, s, g.ID); !reflect.DeepEqual(m, ids) {
		t.Errorf("%d members stored, want %d in order", len(m), len(ids))
	}
}
