package hostdb

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/visitly/hostsync"
)

// TestConcurrentLoad runs 16 goroutines that create, update, read, query and
// group hosts at once, two of them through a second Store on the same file
// (as the CLI would). Not one error may reach a caller, "database is locked"
// included, and every host must carry the seq of its own last event.
func TestConcurrentLoad(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	other, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	g := mustCreateGroup(t, s, "Everyone")
	const workers, rounds = 16, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		st := s
		if w < 2 {
			st = other
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fail := func(op string, err error) { errs <- fmt.Errorf("worker %d %s: %w", w, op, err) }
			for i := range rounds {
				h, err := st.CreateHost(ctx, azure, hostDoc(fmt.Sprintf("w%d-%d", w, i), true, nil))
				if err != nil {
					fail("create", err)
					return
				}
				if _, err := st.UpdateHost(ctx, azure, h.ID, withAttr("title", fmt.Sprint(i))); err != nil {
					fail("update", err)
				}
				if _, err := st.GetHost(ctx, h.ID); err != nil {
					fail("get", err)
				}
				got, total, err := st.QueryHosts(ctx, hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldUserName, Value: h.UserName}}, Count: 10})
				if err != nil || total != 1 || len(got) != 1 {
					fail("lookup", fmt.Errorf("%d hosts, total %d, %w", len(got), total, err))
				}
				if _, _, err := st.QueryHosts(ctx, hostsync.LiveHostQuery{StartIndex: i * 10, Count: 50}); err != nil {
					fail("page", err)
				}
				if _, err := st.UpdateGroup(ctx, azure, g.ID, func(*hostsync.GroupRecord) (*hostsync.GroupChange, error) {
					return &hostsync.GroupChange{Add: []string{h.ID}}, nil
				}); err != nil {
					fail("group", err)
				}
				if i%5 == 0 {
					if _, _, _, err := st.Changes(ctx, 0, 100); err != nil {
						fail("changes", err)
					}
					if _, err := st.Counts(ctx); err != nil {
						fail("counts", err)
					}
					if _, _, err := st.CreateAPIKey(ctx, admin, "k", hostsync.IdPOkta); err != nil {
						fail("apikey", err)
					}
				}
				if i%7 == 0 {
					if err := st.DeleteHost(ctx, azure, h.ID); err != nil {
						fail("delete", err)
					}
					if _, err := st.RestoreHost(ctx, admin, h.ID); err != nil {
						fail("restore", err)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	c, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Active != workers*rounds {
		t.Errorf("%d active hosts, want %d", c.Active, workers*rounds)
	}
	if m := members(t, s, g.ID); len(m) != workers*rounds {
		t.Errorf("group has %d members, want %d", len(m), workers*rounds)
	}
	// Each host's seq is the seq of the last event about it.
	hosts, _, err := s.AdminHosts(ctx, "all", 1, workers*rounds)
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]int64{}
	var prev int64
	for _, e := range events(t, s) {
		if e.Seq <= prev {
			t.Fatalf("event seq %d after %d", e.Seq, prev)
		}
		prev = e.Seq
		if e.ResourceType == TypeUser {
			last[e.ResourceID] = e.Seq
		}
	}
	for _, h := range hosts {
		if h.Seq != last[h.ID] {
			t.Errorf("host %s seq %d, its last event %d", h.UserName, h.Seq, last[h.ID])
		}
	}
}
