package pgstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/pgtest"
)

// Ports of storage/hostdb's behaviour tests: the two stores must not differ.

func withAttr(name string, v any) func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
	return func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
		var m map[string]any
		if err := json.Unmarshal(cur.Attrs, &m); err != nil {
			return nil, err
		}
		m[name] = v
		if name == "active" {
			cur.Active = v.(bool)
		}
		b, err := json.Marshal(m)
		cur.Attrs = b
		return cur, err
	}
}

func lastEvent(t *testing.T, s *Store) hostsync.Event {
	t.Helper()
	var ev hostsync.Event
	for cursor := int64(0); ; {
		p, err := s.ActivityPage(ctxBg, hostsync.ActivityQuery{Since: cursor, Limit: 5000})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Events) > 0 {
			ev = p.Events[len(p.Events)-1]
		}
		if !p.More {
			return ev
		}
		cursor = p.Cursor
	}
}

func eventCount(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.pool.QueryRow(ctxBg, "SELECT count(*) FROM activity").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func mustCreateGroup(t *testing.T, s *Store, name string, members ...string) *hostsync.GroupRecord {
	t.Helper()
	g, err := s.CreateGroup(ctxBg, azure, &hostsync.GroupRecord{DisplayName: name, Attrs: []byte(`{}`), Members: members})
	if err != nil {
		t.Fatalf("CreateGroup(%q): %v", name, err)
	}
	return g
}

func members(t *testing.T, s *Store, id string) []string {
	t.Helper()
	g, err := s.GetGroup(ctxBg, id, true)
	if err != nil {
		t.Fatal(err)
	}
	return g.Members
}

func TestConflictRestoreRecreate(t *testing.T) {
	s, _ := openTest(t)
	old, err := s.CreateHost(ctxBg, azure, hostDoc("erin", true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateHost(ctxBg, azure, old.ID, withAttr("title", "Engineer")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateHost(ctxBg, azure, old.ID, withAttr("active", false)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteHost(ctxBg, azure, old.ID); err != nil {
		t.Fatal(err)
	}
	newer := mustCreateHost(t, s, azure, "ERIN")
	nEvents := eventCount(t, s)
	deleted, _ := s.AdminHost(ctxBg, old.ID)

	_, err = s.RestoreHost(ctxBg, admin, old.ID)
	c := wantErr[*hostsync.ConflictError](t, err, "restore over a live userName")
	if c.Holder != newer.ID || c.Value != "erin" {
		t.Fatalf("restore conflict %+v, want the live host %s named", c, newer.ID)
	}
	if still, _ := s.AdminHost(ctxBg, old.ID); !reflect.DeepEqual(still, deleted) || eventCount(t, s) != nEvents {
		t.Fatalf("failed restore changed something: %+v", still)
	}

	if err := s.DeleteHost(ctxBg, azure, newer.ID); err != nil {
		t.Fatal(err)
	}
	r, err := s.RestoreHost(ctxBg, admin, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.State() != hostsync.StateActive || r.RestoredBy != "admin" || r.RestoredAt.IsZero() || r.RemovedHow != "" ||
		!r.DeletedAt.IsZero() || r.DeletedBy != "" || !r.DeactivatedAt.IsZero() {
		t.Errorf("restored host %+v", r)
	}
	var attrs map[string]any
	if err := json.Unmarshal(r.Attrs, &attrs); err != nil || attrs["active"] != true || attrs["title"] != "Engineer" {
		t.Errorf("restored attrs %s", r.Attrs)
	}
	ev := lastEvent(t, s)
	want := []hostsync.FieldChange{{Field: "state", Old: "deleted", New: "active"}, {Field: "active", Old: false, New: true}}
	if ev.Action != "host.restored" || ev.Actor != "admin" || ev.ActorName != "Console admin" || !reflect.DeepEqual(ev.Changes, want) {
		t.Errorf("restore event %+v", ev)
	}
	if got, err := s.GetHost(ctxBg, old.ID); err != nil || !reflect.DeepEqual(got, r) {
		t.Errorf("GetHost after restore = %+v, %v; want %+v", got, err, r)
	}
	if _, err := s.CreateHost(ctxBg, azure, hostDoc("Erin", true)); !errors.Is(err, hostsync.ErrConflict) {
		t.Errorf("create over a restored userName: err = %v, want hostsync.ErrConflict", err)
	}
	// Restoring an active host is a no-op without event.
	n := eventCount(t, s)
	if again, err := s.RestoreHost(ctxBg, admin, old.ID); err != nil || again.Seq != r.Seq || eventCount(t, s) != n {
		t.Errorf("restore of an active host: %+v, %v", again, err)
	}
	// The next change from Azure AD takes the host back: the restore mark goes.
	u, err := s.UpdateHost(ctxBg, azure, old.ID, withAttr("title", "Lead"))
	if err != nil {
		t.Fatal(err)
	}
	if !u.RestoredAt.IsZero() || u.RestoredBy != "" {
		t.Errorf("restore mark kept after a SCIM change: %+v", u)
	}
}

func TestUpdateHostRules(t *testing.T) {
	s, _ := openTest(t)
	h := mustCreateHost(t, s, azure, "dan")
	n := eventCount(t, s)
	same, err := s.UpdateHost(ctxBg, azure, h.ID, func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) { return cur, nil })
	if err != nil || same.Seq != h.Seq || eventCount(t, s) != n {
		t.Errorf("an update that changes nothing wrote: %+v, %v", same, err)
	}
	boom := errors.New("boom")
	if _, err := s.UpdateHost(ctxBg, azure, h.ID, func(*hostsync.HostRecord) (*hostsync.HostRecord, error) { return nil, boom }); err != boom {
		t.Errorf("fn's error came back as %v", err)
	}
	d, err := s.UpdateHost(ctxBg, azure, h.ID, withAttr("active", false))
	if err != nil || d.State() != hostsync.StateDeactivated || d.DeactivatedBy != "apikey:1" || lastEvent(t, s).Action != hostsync.ActionHostDeactivated {
		t.Errorf("deactivate: %+v, %v", d, err)
	}
	if got, _, _ := s.QueryHosts(ctxBg, hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldActive, Value: "false"}}, Count: 10}); len(got) != 1 {
		t.Errorf("active eq false found %d hosts", len(got))
	}
	r, err := s.UpdateHost(ctxBg, azure, h.ID, withAttr("active", true))
	if err != nil || r.State() != hostsync.StateActive || !r.DeactivatedAt.IsZero() || lastEvent(t, s).Action != hostsync.ActionHostReactivated {
		t.Errorf("reactivate: %+v, %v", r, err)
	}
}

// TestConcurrentUpdatesLoseNothing: updates racing on one host from two
// processes are all applied (each redone on the state another wrote).
func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	s1, url := openTest(t)
	s2 := openURL(t, url)
	h := mustCreateHost(t, s1, azure, "race")
	const n = 12
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := []*Store{s1, s2}[i%2]
			_, err := s.UpdateHost(ctxBg, azure, h.ID, func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
				var m map[string]any
				json.Unmarshal(cur.Attrs, &m)
				m[fmt.Sprintf("x%d", i)] = true
				cur.Attrs, _ = json.Marshal(m)
				return cur, nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, _ := s1.GetHost(ctxBg, h.ID)
	var m map[string]any
	json.Unmarshal(got.Attrs, &m)
	for i := range n {
		if m[fmt.Sprintf("x%d", i)] != true {
			t.Errorf("update %d lost: %s", i, got.Attrs)
		}
	}
}

func TestGroupMembersFollowHostState(t *testing.T) {
	s, _ := openTest(t)
	a, b := mustCreateHost(t, s, azure, "a"), mustCreateHost(t, s, azure, "b")
	g := mustCreateGroup(t, s, "Sales", a.ID, b.ID)
	other := mustCreateGroup(t, s, "Other", b.ID)
	if _, err := s.UpdateHost(ctxBg, azure, a.ID, withAttr("active", false)); err != nil {
		t.Fatal(err)
	}
	if m := members(t, s, g.ID); len(m) != 2 {
		t.Errorf("deactivated host left its group: %v", m)
	}
	if err := s.DeleteHost(ctxBg, azure, a.ID); err != nil {
		t.Fatal(err)
	}
	if m := members(t, s, g.ID); !reflect.DeepEqual(m, []string{b.ID}) {
		t.Errorf("members after delete %v, want only b", m)
	}
	deleted, _ := s.AdminHost(ctxBg, a.ID)
	if got, _ := s.GetGroup(ctxBg, g.ID, false); got.Seq != deleted.Seq {
		t.Errorf("group seq %d not stamped with the delete's %d", got.Seq, deleted.Seq)
	}
	if got, _ := s.GetGroup(ctxBg, other.ID, false); got.Seq != other.Seq {
		t.Errorf("unrelated group restamped")
	}
	if _, err := s.RestoreHost(ctxBg, admin, a.ID); err != nil {
		t.Fatal(err)
	}
	if m := members(t, s, g.ID); !reflect.DeepEqual(m, []string{a.ID, b.ID}) {
		t.Errorf("members after restore %v, want a back in its place", m)
	}
	// Replace: RemoveAll + Add keeps the order asked for; Remove of a
	// non-member is a no-op.
	c := mustCreateHost(t, s, azure, "c")
	up, err := s.UpdateGroup(ctxBg, azure, g.ID, func(*hostsync.GroupRecord) (*hostsync.GroupChange, error) {
		return &hostsync.GroupChange{RemoveAll: true, Add: []string{c.ID, b.ID}, Remove: []string{"nope"}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if m := members(t, s, g.ID); !reflect.DeepEqual(m, []string{b.ID, c.ID}) {
		t.Errorf("members after replace %v, want b (kept) then c", m)
	}
	ev := lastEvent(t, s)
	if ev.Action != hostsync.ActionGroupUpdated || !strings.Contains(ev.Detail, "1 member(s) added, 1 member(s) removed") || up.Members != nil {
		t.Errorf("replace event %+v, result members %v", ev, up.Members)
	}
	if err := s.DeleteGroup(ctxBg, azure, g.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetGroup(ctxBg, g.ID, true); !errors.Is(err, hostsync.ErrNotFound) {
		t.Errorf("deleted group: %v", err)
	}
	mustCreateGroup(t, s, "SALES") // the name is free again
}

func TestLargeGroupEventIsCapped(t *testing.T) {
	s, _ := openTest(t)
	var ids []string
	for i := range hostsync.MaxListedMembers + 20 {
		ids = append(ids, mustCreateHost(t, s, azure, fmt.Sprintf("u%d", i)).ID)
	}
	g := mustCreateGroup(t, s, "All")
	if _, err := s.UpdateGroup(ctxBg, azure, g.ID, func(*hostsync.GroupRecord) (*hostsync.GroupChange, error) {
		return &hostsync.GroupChange{Add: ids}, nil
	}); err != nil {
		t.Fatal(err)
	}
	ev := lastEvent(t, s)
	if len(ev.Changes) != 1 || len(ev.Changes[0].New.([]any)) != hostsync.MaxListedMembers || !strings.Contains(ev.Detail, "120 member(s) added") {
		t.Errorf("event %+v", ev)
	}
	if m := members(t, s, g.ID); !reflect.DeepEqual(m, ids) {
		t.Errorf("%d members stored, want %d in order", len(m), len(ids))
	}
}

func userNames(hs []*hostsync.HostRecord) string {
	var b strings.Builder
	for _, h := range hs {
		b.WriteString(h.UserName + " ")
	}
	return b.String()
}

// TestPagingAcrossWritesOfAnotherProcess: the page memo stays right when
// another process deletes, creates and restores hosts between pages.
func TestPagingAcrossWritesOfAnotherProcess(t *testing.T) {
	s, url := openTest(t)
	other := openURL(t, url)
	var hs []*hostsync.HostRecord
	for i := range 60 {
		hs = append(hs, mustCreateHost(t, s, azure, fmt.Sprintf("p%02d", i)))
	}
	all := func(*hostsync.HostRecord) bool { return true } // Match forces the plain path
	check := func(start, count int) {
		t.Helper()
		got, gotTotal, err := s.QueryHosts(ctxBg, hostsync.LiveHostQuery{StartIndex: start, Count: count})
		if err != nil {
			t.Fatal(err)
		}
		want, wantTotal, err := s.QueryHosts(ctxBg, hostsync.LiveHostQuery{StartIndex: start, Count: count, Match: all})
		if err != nil {
			t.Fatal(err)
		}
		if userNames(got) != userNames(want) || gotTotal != wantTotal {
			t.Fatalf("page %d+%d: got %s(total %d), want %s(total %d)", start, count, userNames(got), gotTotal, userNames(want), wantTotal)
		}
	}
	for pass := range 3 {
		for start := 1; start <= 70; start += 7 {
			check(start, 7)
			check(start, 7) // the same page again comes from the memo
			switch start {
			case 15:
				if err := other.DeleteHost(ctxBg, azure, hs[3+pass].ID); err != nil {
					t.Fatal(err)
				}
			case 29:
				mustCreateHost(t, other, azure, fmt.Sprintf("late%d", pass))
			case 43:
				if _, err := other.RestoreHost(ctxBg, admin, hs[3+pass].ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		check(200, 5) // past the end
		check(1, 0)   // count only
	}
}

// TestKeysLastCallReachesAnotherProcess: a key's last call, noted in one
// process, is in the database (ListAPIKeys of another) after the flush.
func TestKeysLastCallReachesAnotherProcess(t *testing.T) {
	url := pgtest.Database(t)
	a, err := open(ctxBg, url, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b := openURL(t, url)
	secret, _, err := a.CreateAPIKey(ctxBg, admin, "Okta", hostsync.IdPOkta)
	if err != nil {
		t.Fatal(err)
	}
	key, err := a.AuthenticateAPIKey(ctxBg, secret)
	if err != nil {
		t.Fatal(err)
	}
	a.NoteCall(key, "PATCH", "/Users/1")
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		keys, err := b.ListAPIKeys(ctxBg)
		if err != nil {
			t.Fatal(err)
		}
		if k := keys[0]; k.LastMethod == "PATCH" && k.LastPath == "/Users/1" && k.LastUsed.Equal(key.LastUsed) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other process sees %+v", keys[0])
		}
	}
	if idps, err := b.KeyIdPs(ctxBg); err != nil || idps[key.ID] != hostsync.IdPOkta {
		t.Errorf("KeyIdPs = %v, %v", idps, err)
	}
	// The admin token: rotated in one, accepted by the other, the old one refused.
	if ok, _ := b.HasAdminToken(ctxBg); ok {
		t.Fatal("an admin token before any was made")
	}
	first, err := a.RotateAdminToken(ctxBg, admin)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.AuthenticateAdmin(ctxBg, first); err != nil {
		t.Errorf("the other process refuses the admin token: %v", err)
	}
	second, err := a.RotateAdminToken(ctxBg, admin)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(keyCacheTTL + 50*time.Millisecond)
	if err := b.AuthenticateAdmin(ctxBg, first); !errors.Is(err, hostsync.ErrUnauthorized) {
		t.Errorf("the replaced admin token still works: %v", err)
	}
	if err := b.AuthenticateAdmin(ctxBg, second); err != nil {
		t.Errorf("the new admin token: %v", err)
	}
	if ok, _ := b.HasAdminToken(ctxBg); !ok {
		t.Error("HasAdminToken is false after a rotation")
	}
}

// TestLastChangesAndRejectionsAreShared: every process reports the same
// last changes and refusals, read from the database.
func TestLastChangesAndRejectionsAreShared(t *testing.T) {
	a, url := openTest(t)
	b := openURL(t, url)
	h := mustCreateHost(t, a, azure, "lc")
	if _, err := a.UpdateHost(ctxBg, okta, h.ID, withAttr("title", "x")); err != nil {
		t.Fatal(err)
	}
	got, err := b.LastChanges(ctxBg)
	if err != nil {
		t.Fatal(err)
	}
	az, ok := got[hostsync.IdPAzureAD]
	if !ok || az.Action != hostsync.ActionHostCreated || az.Actor != "apikey:1" || az.Target != "Name of lc" || az.Method != "POST" || az.Path != "/Users" {
		t.Errorf("Azure AD's last change %+v", az)
	}
	if o := got[hostsync.IdPOkta]; o.Action != hostsync.ActionHostUpdated || o.Seq <= az.Seq {
		t.Errorf("Okta's last change %+v", o)
	}
	if _, ok := got[hostsync.IdPOneLogin]; ok || len(got) != 2 {
		t.Errorf("last changes %v", got)
	}

	a.RecordRejected(ctxBg, hostsync.RejectedCall{Method: "GET", Path: "/Users", Remote: "192.0.2.1", Reason: "unknown API key"})
	a.RecordRejected(ctxBg, hostsync.RejectedCall{Admin: true, Remote: "192.0.2.2", Reason: "wrong admin token"})
	scim, adm, err := b.LastRejected(ctxBg)
	if err != nil {
		t.Fatal(err)
	}
	if scim == nil || scim.Remote != "192.0.2.1" || scim.Method != "GET" || adm == nil || adm.Remote != "192.0.2.2" || !adm.Admin {
		t.Errorf("LastRejected = %+v, %+v", scim, adm)
	}
	if ev := lastEvent(t, b); ev.Action != hostsync.ActionAuthRejected || !strings.HasPrefix(ev.Detail, "admin API: ") {
		t.Errorf("last event %+v", ev)
	}
}

// TestChangesKeepOneTransactionTogether: a delete stamps the host and its
// five groups with one xid; a page of two returns all six, and resuming
// from its cursor misses nothing and repeats nothing.
func TestChangesKeepOneTransactionTogether(t *testing.T) {
	s, _ := openTest(t)
	h := mustCreateHost(t, s, azure, "multi")
	for i := range 5 {
		mustCreateGroup(t, s, fmt.Sprintf("g%d", i), h.ID)
	}
	_, head, _, err := s.Changes(ctxBg, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteHost(ctxBg, azure, h.ID); err != nil {
		t.Fatal(err)
	}
	after := mustCreateHost(t, s, azure, "after")
	page, cursor, more, err := s.Changes(ctxBg, head, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 6 || page[0].Host == nil || page[0].Host.ID != h.ID || !more {
		t.Fatalf("page of 2 after the delete: %d items, more %v; want the host and its 5 groups", len(page), more)
	}
	for _, c := range page {
		if c.Seq != page[0].Seq || c.Group != nil && len(c.Group.Members) != 0 {
			t.Errorf("item %+v: not the delete's transaction, or the deleted member still listed", c)
		}
	}
	rest, _, more, err := s.Changes(ctxBg, cursor, 2)
	if err != nil || len(rest) != 1 || rest[0].Host.ID != after.ID || more {
		t.Fatalf("next page: %+v, more %v, %v", rest, more, err)
	}
}

// TestCountsFollowAnotherProcess: the counts memo is dropped when another
// process changes a host's state or a group.
func TestCountsFollowAnotherProcess(t *testing.T) {
	a, url := openTest(t)
	b := openURL(t, url)
	h := mustCreateHost(t, a, azure, "c1")
	mustCreateHost(t, a, azure, "c2")
	counts := func(want hostsync.Counts) {
		t.Helper()
		for range 2 { // the second answer may come from the memo
			got, err := a.Counts(ctxBg)
			if err != nil || got.Counts != want {
				t.Fatalf("Counts = %+v, %v; want %+v", got.Counts, err, want)
			}
		}
	}
	counts(hostsync.Counts{HostCounts: hostsync.HostCounts{Active: 2}})
	if _, err := b.UpdateHost(ctxBg, azure, h.ID, withAttr("active", false)); err != nil {
		t.Fatal(err)
	}
	counts(hostsync.Counts{HostCounts: hostsync.HostCounts{Active: 1, Deactivated: 1}})
	if err := b.DeleteHost(ctxBg, azure, h.ID); err != nil {
		t.Fatal(err)
	}
	counts(hostsync.Counts{HostCounts: hostsync.HostCounts{Active: 1, Deleted: 1}})
	mustCreateGroup(t, b, "G")
	counts(hostsync.Counts{HostCounts: hostsync.HostCounts{Active: 1, Deleted: 1}, Groups: 1})
	// A title changes no count: the memo holds.
	if _, err := b.UpdateHost(ctxBg, azure, mustCreateHost(t, b, azure, "c3").ID, withAttr("title", "x")); err != nil {
		t.Fatal(err)
	}
	counts(hostsync.Counts{HostCounts: hostsync.HostCounts{Active: 2, Deleted: 1}, Groups: 1})
}

// TestActivityFilters: a page by resource or action, and the cap on limit.
func TestActivityFilters(t *testing.T) {
	s, _ := openTest(t)
	h := mustCreateHost(t, s, azure, "f1")
	mustCreateHost(t, s, azure, "f2")
	if _, err := s.UpdateHost(ctxBg, azure, h.ID, withAttr("title", "x")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordEvent(ctxBg, admin, hostsync.ActionKeyCopied, hostsync.ResourceKey, "1", ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    hostsync.ActivityQuery
		want []string
	}{
		{"all", hostsync.ActivityQuery{}, []string{"host.created", "host.created", "host.updated", "apikey.copied"}},
		{"one host", hostsync.ActivityQuery{ResourceID: h.ID}, []string{"host.created", "host.updated"}},
		{"one action", hostsync.ActivityQuery{Action: hostsync.ActionHostUpdated}, []string{"host.updated"}},
		{"a page of one", hostsync.ActivityQuery{Limit: 1}, []string{"host.created"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := s.ActivityPage(ctxBg, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ev := range p.Events {
				got = append(got, ev.Action)
			}
			if !reflect.DeepEqual(got, tt.want) || p.More != (tt.q.Limit == 1) {
				t.Errorf("actions %v, more %v; want %v", got, p.More, tt.want)
			}
		})
	}
}
