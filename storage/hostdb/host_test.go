package hostdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/visitly/hostsync"
)

func TestCreateAndGetHost(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	before := time.Now().Add(-time.Second)
	in := hostDoc("Alice@Example.com", true, map[string]any{"externalId": "ext-1", "title": "Engineer"})
	h, err := s.CreateHost(ctx, azure, in)
	if err != nil {
		t.Fatal(err)
	}
	if h.ID == "" || h.Seq <= 0 || h.Created.Before(before) || !h.Created.Equal(h.Modified) || h.Created.Location() != time.UTC {
		t.Errorf("created host %+v: want id, seq, UTC times", h)
	}
	if h.State() != StateActive || h.RemovedHow != "" || !h.DeactivatedAt.IsZero() {
		t.Errorf("new host state %q removedHow %q", h.State(), h.RemovedHow)
	}
	got, err := s.GetHost(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, h) {
		t.Errorf("GetHost = %+v\nwant      %+v", got, h)
	}
	if !jsonEqual(got.Attrs, in.Attrs) {
		t.Errorf("Attrs = %s, want %s", got.Attrs, in.Attrs)
	}
	ev := lastEvent(t, s)
	if ev.Action != "host.created" || ev.ResourceID != h.ID || ev.Seq != h.Seq || ev.UserName != in.UserName ||
		ev.Actor != "apikey:1" || ev.ActorName != "Azure AD (key #1)" || ev.ResourceType != TypeUser {
		t.Errorf("event %+v", ev)
	}
	if _, err := s.GetHost(ctx, "no-such-id"); !errors.Is(err, hostsync.ErrNotFound) {
		t.Errorf("GetHost(unknown) err = %v, want hostsync.ErrNotFound", err)
	}
}

func TestCreateHostDeactivated(t *testing.T) {
	s, _ := openTest(t)
	h, err := s.CreateHost(context.Background(), azure, hostDoc("bob", false, nil))
	if err != nil {
		t.Fatal(err)
	}
	if h.State() != StateDeactivated || h.RemovedHow != RemovedByActive || h.DeactivatedBy != "apikey:1" || h.DeactivatedAt.IsZero() {
		t.Errorf("host created inactive: %+v", h)
	}
}

func TestCreateHostRejects(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	mustCreateHost(t, s, "alice", nil)
	tests := []struct {
		name    string
		host    *hostsync.HostRecord
		wantErr error // nil: any error
		detail  string
	}{
		{"same userName other case", hostDoc("ALICE", true, nil), hostsync.ErrConflict, `userName "ALICE" is already taken`},
		{"no userName", &hostsync.HostRecord{Attrs: json.RawMessage(`{}`)}, nil, "userName"},
		{"attrs not an object", &hostsync.HostRecord{UserName: "x", Attrs: json.RawMessage(`[1]`)}, nil, "JSON object"},
		{"attrs not JSON", &hostsync.HostRecord{UserName: "x", Attrs: json.RawMessage(`{"a":`)}, nil, "JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateHost(ctx, azure, tt.host)
			if err == nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("err = %v, want %v containing %q", err, tt.wantErr, tt.detail)
			}
		})
	}
	if n := len(events(t, s)); n != 1 {
		t.Errorf("%d events, want 1 (failed creates record nothing)", n)
	}
}

// withAttr returns fn for UpdateHost that sets one attribute (nil removes it).
func withAttr(key string, value any) func(*hostsync.HostRecord) (*hostsync.HostRecord, error) {
	return func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
		var m map[string]any
		if err := json.Unmarshal(cur.Attrs, &m); err != nil {
			return nil, err
		}
		if value == nil {
			delete(m, key)
		} else {
			m[key] = value
		}
		switch key {
		case "active":
			cur.Active = value.(bool)
		case "userName":
			cur.UserName = value.(string)
		case "externalId":
			cur.ExternalID = value.(string)
		case "displayName":
			cur.DisplayName = value.(string)
		}
		b, err := json.Marshal(m)
		cur.Attrs = b
		return cur, err
	}
}

func TestUpdateHost(t *testing.T) {
	ctx := context.Background()
	errScim := errors.New("scim: invalid path")
	tests := []struct {
		name       string
		fn         func(*hostsync.HostRecord) (*hostsync.HostRecord, error)
		wantAction string // "" = no event
		wantState  hostsync.State
		changes    []hostsync.FieldChange
		wantErr    error
	}{
		{"attribute changed", withAttr("title", "Lead"), "host.updated", StateActive,
			[]hostsync.FieldChange{{Field: "title", Old: "Engineer", New: "Lead"}}, nil},
		{"nested attribute", withAttr("name", map[string]any{"givenName": "Al"}), "host.updated", StateActive,
			[]hostsync.FieldChange{{Field: "name.givenName", New: "Al"}}, nil},
		{"deactivated", withAttr("active", false), "host.deactivated", StateDeactivated,
			[]hostsync.FieldChange{{Field: "active", Old: true, New: false}}, nil},
		{"same state, keys reordered", func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
			var m map[string]any
			json.Unmarshal(cur.Attrs, &m)
			b, _ := json.MarshalIndent(m, "", "  ")
			cur.Attrs = b
			return cur, nil
		}, "", StateActive, nil, nil},
		{"nil host", func(*hostsync.HostRecord) (*hostsync.HostRecord, error) { return nil, nil }, "", StateActive, nil, nil},
		{"callback error", func(*hostsync.HostRecord) (*hostsync.HostRecord, error) { return nil, errScim }, "", StateActive, nil, errScim},
		{"userName taken", withAttr("userName", "Taken"), "", StateActive, nil, hostsync.ErrConflict},
		{"id cannot change", func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
			cur.ID = "other"
			cur.Email = "new@example.com"
			return cur, nil
		}, "host.updated", StateActive, []hostsync.FieldChange{{Field: "email", Old: "u@example.com", New: "new@example.com"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t)
			mustCreateHost(t, s, "taken", nil)
			h := mustCreateHost(t, s, "u", map[string]any{"title": "Engineer"})
			before := len(events(t, s))
			got, err := s.UpdateHost(ctx, azure, h.ID, tt.fn)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if tt.wantErr == errScim && err != errScim {
					t.Errorf("callback error came back wrapped: %v", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			stored, err := s.GetHost(ctx, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.State() != tt.wantState {
				t.Errorf("state %q, want %q", stored.State(), tt.wantState)
			}
			evs := events(t, s)
			if tt.wantAction == "" {
				if len(evs) != before || stored.Seq != h.Seq || !stored.Modified.Equal(h.Modified) {
					t.Errorf("no-op wrote: %d events (had %d), seq %d→%d", len(evs), before, h.Seq, stored.Seq)
				}
				return
			}
			ev := evs[len(evs)-1]
			if len(evs) != before+1 || ev.Action != tt.wantAction || ev.Seq != stored.Seq || got.Seq != stored.Seq {
				t.Fatalf("event %+v (of %d, had %d), host seq %d", ev, len(evs), before, stored.Seq)
			}
			if !reflect.DeepEqual(ev.Changes, tt.changes) {
				t.Errorf("changes = %#v, want %#v", ev.Changes, tt.changes)
			}
			if stored.ID != h.ID || !reflect.DeepEqual(got, stored) {
				t.Errorf("returned %+v, stored %+v", got, stored)
			}
		})
	}
}

func TestActiveTransitions(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	h := mustCreateHost(t, s, "carol", nil)
	off, err := s.UpdateHost(ctx, azure, h.ID, withAttr("active", false))
	if err != nil {
		t.Fatal(err)
	}
	if off.DeactivatedBy != "apikey:1" || off.DeactivatedAt.IsZero() || off.RemovedHow != RemovedByActive {
		t.Errorf("deactivated host %+v", off)
	}
	on, err := s.UpdateHost(ctx, azure, h.ID, withAttr("active", true))
	if err != nil {
		t.Fatal(err)
	}
	if on.State() != StateActive || !on.DeactivatedAt.IsZero() || on.DeactivatedBy != "" || on.RemovedHow != "" {
		t.Errorf("reactivated host %+v", on)
	}
	if ev := lastEvent(t, s); ev.Action != "host.reactivated" {
		t.Errorf("last action %q, want host.reactivated", ev.Action)
	}
}

func TestDeleteHostIsSoft(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	h := mustCreateHost(t, s, "dave", nil)
	if err := s.DeleteHost(ctx, azure, h.ID); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		err  error
	}{
		{"GetHost", func() error { _, err := s.GetHost(ctx, h.ID); return err }()},
		{"UpdateHost", func() error { _, err := s.UpdateHost(ctx, azure, h.ID, withAttr("title", "x")); return err }()},
		{"DeleteHost", s.DeleteHost(ctx, azure, h.ID)},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !errors.Is(c.err, hostsync.ErrNotFound) {
				t.Errorf("%s of a deleted host: err = %v, want hostsync.ErrNotFound", c.name, c.err)
			}
		})
	}
	hosts, total, err := s.QueryHosts(ctx, hostsync.LiveHostQuery{Count: 10})
	if err != nil || total != 0 || len(hosts) != 0 {
		t.Errorf("QueryHosts after delete: %d hosts, total %d, err %v", len(hosts), total, err)
	}
	d, err := s.AdminHost(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.State() != StateDeleted || d.DeletedBy != "apikey:1" || d.DeletedAt.IsZero() || d.RemovedHow != RemovedByDelete || !jsonEqual(d.Attrs, h.Attrs) {
		t.Errorf("deleted host %+v", d)
	}
	if ev := lastEvent(t, s); ev.Action != "host.deleted" || ev.Seq != d.Seq || ev.UserName != "dave" {
		t.Errorf("event %+v", ev)
	}
	again := mustCreateHost(t, s, "DAVE", nil)
	if again.ID == h.ID {
		t.Error("re-created host reused the deleted host's id")
	}
}

// TestConflictRestoreRecreate walks the sequence an admin meets: a host is
// deleted, Azure AD creates a new one with the same userName, the admin tries
// to restore the old one.
func TestConflictRestoreRecreate(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	old := mustCreateHost(t, s, "erin", map[string]any{"title": "Engineer"})
	if _, err := s.UpdateHost(ctx, azure, old.ID, withAttr("active", false)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteHost(ctx, azure, old.ID); err != nil {
		t.Fatal(err)
	}
	newer := mustCreateHost(t, s, "ERIN", nil)
	nEvents := len(events(t, s))
	deleted, _ := s.AdminHost(ctx, old.ID)

	_, err := s.RestoreHost(ctx, admin, old.ID)
	if !errors.Is(err, hostsync.ErrConflict) || !strings.Contains(err.Error(), `userName "erin"`) || !strings.Contains(err.Error(), newer.ID) {
		t.Fatalf("restore over a live userName: err = %v, want hostsync.ErrConflict naming the user and the live host", err)
	}
	if still, _ := s.AdminHost(ctx, old.ID); !reflect.DeepEqual(still, deleted) || len(events(t, s)) != nEvents {
		t.Fatalf("failed restore changed something: %+v", still)
	}

	if err := s.DeleteHost(ctx, azure, newer.ID); err != nil {
		t.Fatal(err)
	}
	r, err := s.RestoreHost(ctx, admin, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.State() != StateActive || r.RestoredBy != "admin" || r.RestoredAt.IsZero() || r.RemovedHow != "" ||
		!r.DeletedAt.IsZero() || r.DeletedBy != "" || !r.DeactivatedAt.IsZero() {
		t.Errorf("restored host %+v", r)
	}
	var attrs map[string]any
	if err := json.Unmarshal(r.Attrs, &attrs); err != nil || attrs["active"] != true || attrs["title"] != "Engineer" {
		t.Errorf("restored attrs %s", r.Attrs)
	}
	ev := lastEvent(t, s)
	want := []hostsync.FieldChange{{Field: "state", Old: "deleted", New: "active"}, {Field: "active", Old: false, New: true}}
	if ev.Action != "host.restored" || ev.Actor != "admin" || ev.ActorName != "Console admin" || !reflect.DeepEqual(ev.Changes, want) || ev.Seq != r.Seq {
		t.Errorf("restore event %+v", ev)
	}
	if got, err := s.GetHost(ctx, old.ID); err != nil || got.Seq != r.Seq {
		t.Errorf("GetHost after restore: %v", err)
	}
	if _, err := s.CreateHost(ctx, azure, hostDoc("Erin", true, nil)); !errors.Is(err, hostsync.ErrConflict) {
		t.Errorf("create over a restored userName: err = %v, want hostsync.ErrConflict", err)
	}

	// The next change from Azure AD takes the host back: the restore mark goes.
	u, err := s.UpdateHost(ctx, azure, old.ID, withAttr("title", "Lead"))
	if err != nil {
		t.Fatal(err)
	}
	if !u.RestoredAt.IsZero() || u.RestoredBy != "" {
		t.Errorf("restore mark kept after a SCIM change: %+v", u)
	}
}

func TestRestoreHost(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		prepare   func(s *Store, id string)
		wantEvent bool
		changes   []hostsync.FieldChange
	}{
		{"deactivated", func(s *Store, id string) { s.UpdateHost(ctx, azure, id, withAttr("active", false)) }, true,
			[]hostsync.FieldChange{{Field: "state", Old: "deactivated", New: "active"}, {Field: "active", Old: false, New: true}}},
		{"deleted while active", func(s *Store, id string) { s.DeleteHost(ctx, azure, id) }, true,
			[]hostsync.FieldChange{{Field: "state", Old: "deleted", New: "active"}}},
		{"already active", func(*Store, string) {}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t)
			h := mustCreateHost(t, s, "frank", nil)
			tt.prepare(s, h.ID)
			n := len(events(t, s))
			r, err := s.RestoreHost(ctx, admin, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			if r.State() != StateActive {
				t.Errorf("state %q after restore", r.State())
			}
			evs := events(t, s)
			if !tt.wantEvent {
				if len(evs) != n || !r.RestoredAt.IsZero() {
					t.Errorf("restoring an active host wrote an event or a mark")
				}
				return
			}
			if len(evs) != n+1 || !reflect.DeepEqual(evs[n].Changes, tt.changes) {
				t.Errorf("events %+v, want one with changes %+v", evs[n:], tt.changes)
			}
		})
	}
	s, _ := openTest(t)
	if _, err := s.RestoreHost(ctx, admin, "nope"); !errors.Is(err, hostsync.ErrNotFound) {
		t.Errorf("restore unknown: err = %v, want hostsync.ErrNotFound", err)
	}
}

func TestTimesRoundTripToTheMillisecond(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	h := mustCreateHost(t, s, "gina", nil)
	got, err := s.GetHost(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Created.Equal(h.Created) || got.Created.Nanosecond()%int(time.Millisecond) != 0 || got.Created.Location() != time.UTC {
		t.Errorf("created %v, stored %v", h.Created, got.Created)
	}
}

// TestConcurrentUpdatesLoseNothing: UpdateHost computes outside the writer
// and only checks the host's seq when it writes, so racing updates of one
// host must be redone, never overwrite each other.
func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	h := mustCreateHost(t, s, "counter", map[string]any{"title": ""})
	before := len(events(t, s))
	const writers = 24
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.UpdateHost(ctx, azure, h.ID, func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
				var m map[string]any
				if err := json.Unmarshal(cur.Attrs, &m); err != nil {
					return nil, err
				}
				m["title"] = m["title"].(string) + fmt.Sprintf("<%d>", i)
				cur.Attrs, _ = json.Marshal(m)
				return cur, nil
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.GetHost(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(got.Attrs, &m); err != nil {
		t.Fatal(err)
	}
	title := m["title"].(string)
	for i := range writers {
		if !strings.Contains(title, fmt.Sprintf("<%d>", i)) {
			t.Errorf("update %d lost: title %q", i, title)
		}
	}
	if n := len(events(t, s)) - before; n != writers {
		t.Errorf("%d events, want %d", n, writers)
	}
}

// TestUpdateOfHostDeletedMeanwhile: a host deleted between an update's
// snapshot and its write is not found, and stays deleted.
func TestUpdateOfHostDeletedMeanwhile(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	h := mustCreateHost(t, s, "gone", nil)
	calls := 0
	_, err := s.UpdateHost(ctx, azure, h.ID, func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
		calls++
		if calls == 1 {
			if err := s.DeleteHost(ctx, azure, h.ID); err != nil {
				return nil, err
			}
		}
		cur.DisplayName = "changed"
		return cur, nil
	})
	if !errors.Is(err, hostsync.ErrNotFound) {
		t.Fatalf("err = %v, want hostsync.ErrNotFound", err)
	}
	got, err := s.AdminHost(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State() != StateDeleted || got.DisplayName == "changed" {
		t.Errorf("host after: state %s, displayName %q", got.State(), got.DisplayName)
	}
}

// TestSaveHostNamesOnlyChangedIndexedColumns: a title change must not name
// any indexed column (SQLite would rewrite those index entries), and every
// kind of change must leave each index agreeing with the table.
func TestSaveHostNamesOnlyChangedIndexedColumns(t *testing.T) {
	if q := hostUpdateSQL(0); strings.Contains(q, "user_name_key") || strings.Contains(q, "state") ||
		strings.Contains(q, "deleted_at") || strings.Contains(q, "email_key") || !strings.Contains(q, "attrs = ?11") {
		t.Errorf("title-only update: %s", q)
	}
	ctx := context.Background()
	s, _ := openTest(t)
	h := mustCreateHost(t, s, "before@x", map[string]any{"externalId": "e1", "displayName": "Before"})
	steps := []struct {
		name    string
		fn      func(*hostsync.HostRecord) (*hostsync.HostRecord, error)
		cond    hostsync.Cond
		gone    hostsync.Cond
		present bool
	}{
		{"title", withAttr("title", "Boss"), hostsync.Cond{Field: hostsync.FieldUserName, Value: "before@x"}, hostsync.Cond{Field: hostsync.FieldUserName, Value: "nobody"}, true},
		{"userName", withAttr("userName", "after@x"), hostsync.Cond{Field: hostsync.FieldUserName, Value: "AFTER@x"}, hostsync.Cond{Field: hostsync.FieldUserName, Value: "before@x"}, true},
		{"externalId", withAttr("externalId", "e2"), hostsync.Cond{Field: hostsync.FieldExternalID, Value: "e2"}, hostsync.Cond{Field: hostsync.FieldExternalID, Value: "e1"}, true},
		{"displayName", withAttr("displayName", "After"), hostsync.Cond{Field: hostsync.FieldDisplayName, Value: "after"}, hostsync.Cond{Field: hostsync.FieldDisplayName, Value: "before"}, true},
		{"deactivate", withAttr("active", false), hostsync.Cond{Field: hostsync.FieldActive, Value: "false"}, hostsync.Cond{Field: hostsync.FieldActive, Value: "true"}, true},
	}
	for _, st := range steps {
		if _, err := s.UpdateHost(ctx, azure, h.ID, st.fn); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		for _, c := range []struct {
			cond hostsync.Cond
			want int
		}{{st.cond, 1}, {st.gone, 0}} {
			_, total, err := s.QueryHosts(ctx, hostsync.LiveHostQuery{Conds: []hostsync.Cond{c.cond}})
			if err != nil || total != c.want {
				t.Errorf("after %s: %v matches %d (%v), want %d", st.name, c.cond, total, err, c.want)
			}
		}
	}
	if err := s.DeleteHost(ctx, azure, h.ID); err != nil {
		t.Fatal(err)
	}
	if _, total, _ := s.QueryHosts(ctx, hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldExternalID, Value: "e2"}}}); total != 0 {
		t.Errorf("deleted host still found by externalId")
	}
	if _, err := s.RestoreHost(ctx, azure, h.ID); err != nil {
		t.Fatal(err)
	}
	if _, total, _ := s.QueryHosts(ctx, hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldExternalID, Value: "e2"}, {Field: hostsync.FieldActive, Value: "true"}}}); total != 1 {
		t.Errorf("restored host not found by externalId and active")
	}
	var res string
	if err := s.r.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Errorf("integrity_check: %q %v", res, err)
	}
}
