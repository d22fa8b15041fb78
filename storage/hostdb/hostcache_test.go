package hostdb

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/visitly/hostsync"
)

// waitCacheOn starts the host cache's fill and waits until it is on.
func waitCacheOn(t testing.TB, s *Store) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !s.cacheReady() {
		if time.Now().After(deadline) {
			t.Fatalf("host cache not on after 10 s (state %d)", s.hosts.state.Load())
		}
		time.Sleep(time.Millisecond)
	}
}

// checkCacheMatchesDB compares every cached host with the database row, and
// the database's live hosts with the cache, field by field.
func checkCacheMatchesDB(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	if s.hosts.state.Load() != cacheOn {
		t.Fatalf("host cache is not on (state %d)", s.hosts.state.Load())
	}
	rows, err := s.r.QueryContext(ctx, "SELECT "+hostColumns+", user_name_key FROM hosts WHERE deleted_at IS NULL")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	live := 0
	s.hosts.mu.RLock()
	defer s.hosts.mu.RUnlock()
	for rows.Next() {
		var key string
		n, h, err := scanHost(withKey{rows, &key})
		if err != nil {
			t.Fatal(err)
		}
		live++
		e, ok := s.hosts.byID[h.ID]
		if !ok {
			t.Errorf("live host %s (%s) is not in the cache", h.ID, h.UserName)
			continue
		}
		if e.n != n || fmt.Sprintf("%+v", *e.h) != fmt.Sprintf("%+v", *h) {
			t.Errorf("cache has host %s as\n%d %+v\ndatabase:\n%d %+v", h.ID, e.n, *e.h, n, *h)
		}
		if byName := s.hosts.byName[key]; byName != e.h || e.key != key {
			t.Errorf("userName %q (key %q) does not lead to host %s in the cache", h.UserName, key, h.ID)
		}
		if s.hosts.byN[n] != e.h {
			t.Errorf("row %d does not lead to host %s in the cache", n, h.ID)
		}
	}
	if len(s.hosts.byID) != live || len(s.hosts.byName) != live || len(s.hosts.byN) != live {
		t.Errorf("cache holds %d hosts by id, %d by userName and %d by row, the database %d live ones",
			len(s.hosts.byID), len(s.hosts.byName), len(s.hosts.byN), live)
	}
}

// benign: what racing writers may rightly get.
func benign(err error) bool {
	return errors.Is(err, hostsync.ErrNotFound) || errors.Is(err, hostsync.ErrConflict)
}

// TestHostCacheFollowsEveryWrite drives random creates, updates, deactivations,
// deletes, restores and re-creates from 8 goroutines through a store whose
// cache is on, then compares the cache with the database, and every answer
// the cache gives with the same question asked of SQLite.
func TestHostCacheFollowsEveryWrite(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	for i := range 20 {
		mustCreateHost(t, s, fmt.Sprintf("seed%d", i), nil)
	}
	waitCacheOn(t, s)
	plain, err := Open(ctx, path) // the same file, answering from SQLite only
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	plain.SetHostCacheLimit(0)

	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range 60 {
				name := fmt.Sprintf("User%d", rng.IntN(30)) // names collide on purpose
				hosts, _, err := s.QueryHosts(ctx, hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldUserName, Value: name}}, Count: 1})
				if err != nil {
					t.Error(err)
					return
				}
				if len(hosts) == 0 {
					if _, err := s.CreateHost(ctx, azure, hostDoc(name, rng.IntN(4) > 0, nil)); err != nil && !benign(err) {
						t.Errorf("create %s: %v", name, err)
					}
					continue
				}
				id := hosts[0].ID
				switch rng.IntN(5) {
				case 0:
					err = s.DeleteHost(ctx, azure, id)
				case 1:
					_, err = s.UpdateHost(ctx, azure, id, withAttr("active", rng.IntN(2) == 0))
				case 2:
					_, err = s.RestoreHost(ctx, admin, id)
				default:
					_, err = s.UpdateHost(ctx, azure, id, withAttr("title", fmt.Sprint(w, i)))
				}
				if err != nil && !benign(err) {
					t.Errorf("op on %s: %v", id, err)
				}
				if got, err := s.GetHost(ctx, id); err == nil && got.ID != id {
					t.Errorf("GetHost(%s) = host %s", id, got.ID)
				}
			}
		}()
	}
	wg.Wait()
	// Deleted hosts, restored ones among them, come back too.
	removed, _, err := s.AdminHosts(ctx, StateDeleted, 1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range removed[:len(removed)/2] {
		if _, err := s.RestoreHost(ctx, admin, h.ID); err != nil && !benign(err) {
			t.Errorf("restore %s: %v", h.ID, err)
		}
	}
	checkCacheMatchesDB(t, s)

	// The whole list, page by page, as the cache serves it and as SQLite does.
	for start := 1; ; start += 7 {
		q := hostsync.LiveHostQuery{StartIndex: start, Count: 7}
		ha, ta, errA := s.QueryHosts(ctx, q)
		hb, tb, errB := plain.QueryHosts(ctx, q)
		if errA != nil || errB != nil || ta != tb || fmt.Sprint(hostList(ha)) != fmt.Sprint(hostList(hb)) {
			t.Fatalf("page at %d: cache %v of %d (%v), SQLite %v of %d (%v)", start, hostList(ha), ta, errA, hostList(hb), tb, errB)
		}
		if len(ha) < 7 {
			break
		}
	}

	all, _, err := s.AdminHosts(ctx, "all", 1, 10000)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range all {
		a, errA := s.GetHost(ctx, h.ID)
		b, errB := plain.GetHost(ctx, h.ID)
		if fmt.Sprint(errA) != fmt.Sprint(errB) || errA == nil && fmt.Sprintf("%+v", *a) != fmt.Sprintf("%+v", *b) {
			t.Errorf("GetHost(%s): cache %v %v, SQLite %v %v", h.ID, a, errA, b, errB)
		}
		for _, q := range []hostsync.LiveHostQuery{
			{Conds: []hostsync.Cond{{Field: hostsync.FieldUserName, Value: h.UserName}}, Count: 5},
			{Conds: []hostsync.Cond{{Field: hostsync.FieldUserName, Value: h.UserName}, {Field: hostsync.FieldActive, Value: "false"}}, Count: 5},
			{Conds: []hostsync.Cond{{Field: hostsync.FieldID, Value: h.ID}, {Field: hostsync.FieldActive, Value: "TRUE"}}, Count: 5},
			{Conds: []hostsync.Cond{{Field: hostsync.FieldUserName, Value: h.UserName}}, StartIndex: 2, Count: 5},
			{Conds: []hostsync.Cond{{Field: hostsync.FieldUserName, Value: h.UserName}, {Field: hostsync.FieldExternalID, Value: "nope"}}, Count: 5},
			{Conds: []hostsync.Cond{{Field: hostsync.FieldUserName, Value: h.UserName}}},
		} {
			ha, ta, errA := s.QueryHosts(ctx, q)
			hb, tb, errB := plain.QueryHosts(ctx, q)
			if ta != tb || len(ha) != len(hb) || errA != nil || errB != nil {
				t.Errorf("%+v: cache %d of %d (%v), SQLite %d of %d (%v)", q.Conds, len(ha), ta, errA, len(hb), tb, errB)
				continue
			}
			for i := range ha {
				if fmt.Sprintf("%+v", *ha[i]) != fmt.Sprintf("%+v", *hb[i]) {
					t.Errorf("%+v: cache %+v, SQLite %+v", q.Conds, *ha[i], *hb[i])
				}
			}
		}
	}
}

// TestHostCacheReadsAreCopies: a caller changing what it got back changes
// nothing the next caller sees.
func TestHostCacheReadsAreCopies(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	h := mustCreateHost(t, s, "ada", map[string]any{"title": "Engineer"})
	waitCacheOn(t, s)
	got, err := s.GetHost(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	got.UserName, got.Attrs[2] = "mallory", 'X'
	hosts, _, _ := s.QueryHosts(ctx, hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldUserName, Value: "ada"}}, Count: 1})
	hosts[0].DisplayName = "changed"
	same, _ := s.UpdateHost(ctx, azure, h.ID, func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) { return cur, nil })
	same.Email = "changed"
	again, err := s.GetHost(ctx, h.ID)
	if err != nil || again.UserName != "ada" || again.DisplayName != h.DisplayName || again.Email != h.Email ||
		string(again.Attrs) != string(h.Attrs) {
		t.Errorf("after callers changed their copies, GetHost = %+v, %v; want %+v", again, err, h)
	}
}

// TestHostCacheLimit: past its limit the cache switches off and every answer
// comes from SQLite, still right.
func TestHostCacheLimit(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	s.SetHostCacheLimit(3)
	var ids []string
	for i := range 2 {
		ids = append(ids, mustCreateHost(t, s, fmt.Sprintf("h%d", i), nil).ID)
	}
	waitCacheOn(t, s)
	for i := 2; i < 5; i++ {
		ids = append(ids, mustCreateHost(t, s, fmt.Sprintf("h%d", i), nil).ID)
	}
	if st := s.hosts.state.Load(); st != cacheOff {
		t.Fatalf("cache state %d with 5 hosts and a limit of 3, want off", st)
	}
	for i, id := range ids {
		h, err := s.GetHost(ctx, id)
		if err != nil || h.UserName != fmt.Sprintf("h%d", i) {
			t.Errorf("GetHost(%s) = %v, %v", id, h, err)
		}
		hosts, total, err := s.QueryHosts(ctx, hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldUserName, Value: fmt.Sprintf("H%d", i)}}, Count: 1})
		if err != nil || total != 1 || hosts[0].ID != id {
			t.Errorf("userName h%d: %d hosts, total %d, %v", i, len(hosts), total, err)
		}
	}

	// A store opened over more hosts than its limit never switches on.
	s2, _ := openTest(t)
	s2.SetHostCacheLimit(1)
	mustCreateHost(t, s2, "a", nil)
	mustCreateHost(t, s2, "b", nil)
	s2.cacheReady()
	waitFor(t, 5*time.Second, "the fill to give up", func() bool { return s2.hosts.state.Load() == cacheOff })
}

// TestHostCacheSeesOtherProcesses: a write by another process (a second
// Store on the file) reaches this store's readers.
func TestHostCacheSeesOtherProcesses(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	h := mustCreateHost(t, s, "ada", nil)
	waitCacheOn(t, s)
	other, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetHostCacheLimit(0)
	if err := other.DeleteHost(ctx, azure, h.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the delete to show", func() bool {
		_, err := s.GetHost(ctx, h.ID)
		return err != nil
	})
	if _, err := s.CreateHost(ctx, azure, hostDoc("ada", true, nil)); err != nil {
		t.Errorf("re-create after another process's delete: %v", err)
	}
	waitCacheOn(t, s)
	checkCacheMatchesDB(t, s)
}

func hostList(hosts []*hostsync.HostRecord) []string {
	var out []string
	for _, h := range hosts {
		out = append(out, fmt.Sprintf("%+v", *h))
	}
	return out
}
