package hostdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/visitly/hostsync"
)

// holdWriter blocks the committer until the returned func is called, so that
// the writes issued meanwhile queue up and run as one shared transaction.
func holdWriter(t *testing.T, s *Store) (release func()) {
	t.Helper()
	waitCacheOn(t, s) // its fill is a job of the writer: not in the queue counts
	gate, started := make(chan struct{}), make(chan struct{})
	go s.write(context.Background(), func(context.Context, *sql.Tx) error {
		close(started)
		<-gate
		return nil
	})
	<-started
	return func() { close(gate) }
}

// waitQueued waits until n writes are queued behind the held writer.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	waitFor(t, 5*time.Second, fmt.Sprintf("%d queued writes", n), func() bool { return len(s.queue) == n })
}

func TestSharedCommitKeepsEachCallAtomic(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	existing := mustCreateHost(t, s, "existing", map[string]any{"title": "Engineer"})
	nEvents := len(events(t, s))
	errCallback := errors.New("scim: bad patch")

	waitCacheOn(t, s)
	commitsBefore := s.commits.Load()
	release := holdWriter(t, s)
	type result struct {
		name string
		err  error
	}
	results := make(chan result, 8)
	var wg sync.WaitGroup
	run := func(name string, f func() error) {
		wg.Add(1)
		go func() { defer wg.Done(); results <- result{name, f()} }()
	}
	run("create ok 1", func() error { _, err := s.CreateHost(ctx, azure, hostDoc("new1", true, nil)); return err })
	run("create taken", func() error { _, err := s.CreateHost(ctx, azure, hostDoc("EXISTING", true, nil)); return err })
	run("update fails in callback", func() error {
		_, err := s.UpdateHost(ctx, azure, existing.ID, func(*hostsync.HostRecord) (*hostsync.HostRecord, error) { return nil, errCallback })
		return err
	})
	run("update ok", func() error { _, err := s.UpdateHost(ctx, azure, existing.ID, withAttr("title", "Lead")); return err })
	run("group with a bad member", func() error {
		_, err := s.CreateGroup(ctx, azure, groupDoc("G", existing.ID, "ghost"))
		return err
	})
	run("create ok 2", func() error { _, err := s.CreateHost(ctx, azure, hostDoc("new2", true, nil)); return err })
	// A failing update callback runs before its write is queued (UpdateHost
	// computes outside the writer), so five calls wait for the writer.
	waitQueued(t, s, 5)
	release()
	wg.Wait()
	close(results)

	want := map[string]error{"create ok 1": nil, "create taken": hostsync.ErrConflict, "update fails in callback": errCallback,
		"update ok": nil, "group with a bad member": hostsync.ErrInvalidMember, "create ok 2": nil}
	for r := range results {
		if !errors.Is(r.err, want[r.name]) || want[r.name] == nil && r.err != nil {
			t.Errorf("%s: err = %v, want %v", r.name, r.err, want[r.name])
		}
	}
	if got := s.commits.Load() - commitsBefore; got != 2 {
		t.Errorf("%d transactions, want 2 (the held one, then one for the five queued calls)", got)
	}
	var actions []string
	for _, e := range events(t, s)[nEvents:] {
		actions = append(actions, e.Action)
	}
	if len(actions) != 3 {
		t.Errorf("events %v, want exactly the three successful calls' events", actions)
	}
	if _, total, _ := s.QueryGroups(ctx, hostsync.GroupQuery{}); total != 0 {
		t.Errorf("the failed group create left %d groups", total)
	}
	h, _ := s.GetHost(ctx, existing.ID)
	if !strings.Contains(string(h.Attrs), `"Lead"`) {
		t.Errorf("the successful update is missing: %s", h.Attrs)
	}
	checkFeedMatchesEvents(t, s)
}

// checkFeedMatchesEvents: every host's seq is the seq of its last event.
func checkFeedMatchesEvents(t *testing.T, s *Store) {
	t.Helper()
	last := map[string]int64{}
	for _, e := range events(t, s) {
		if e.ResourceType == TypeUser {
			last[e.ResourceID] = e.Seq
		}
	}
	hosts, _, err := s.AdminHosts(context.Background(), "all", 1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		if h.Seq != last[h.ID] {
			t.Errorf("host %s seq %d, last event %d", h.UserName, h.Seq, last[h.ID])
		}
	}
}

func TestSharedCommitCallbackPanicStaysWithItsCaller(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	// UpdateGroup's callback runs inside the writer (UpdateHost's no longer does).
	g, err := s.CreateGroup(ctx, azure, groupDoc("P"))
	if err != nil {
		t.Fatal(err)
	}
	release := holdWriter(t, s)
	var wg sync.WaitGroup
	var panicValue any
	var createErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer func() { panicValue = recover() }()
		s.UpdateGroup(ctx, azure, g.ID, func(*hostsync.GroupRecord) (*hostsync.GroupChange, error) { panic("boom") })
	}()
	go func() {
		defer wg.Done()
		_, createErr = s.CreateHost(ctx, azure, hostDoc("q", true, nil))
	}()
	waitQueued(t, s, 2)
	release()
	wg.Wait()
	if panicValue != "boom" {
		t.Errorf("caller got panic %v, want boom", panicValue)
	}
	if createErr != nil {
		t.Errorf("the other call failed: %v", createErr)
	}
}

func TestSharedCommitAbandonsBatchOnSQLiteError(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	release := holdWriter(t, s)
	var wg sync.WaitGroup
	var okErr, badErr error
	wg.Add(2)
	go func() { defer wg.Done(); _, okErr = s.CreateHost(ctx, azure, hostDoc("innocent", true, nil)) }()
	waitQueued(t, s, 1)
	go func() {
		defer wg.Done()
		badErr = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO no_such_table VALUES (1)")
			return err
		})
	}()
	waitQueued(t, s, 2)
	release()
	wg.Wait()
	if badErr == nil || okErr == nil || !strings.Contains(okErr.Error(), "abandoned") {
		t.Fatalf("bad write err %v, innocent write err %v; want both to fail", badErr, okErr)
	}
	if _, total, _ := s.QueryHosts(ctx, hostsync.LiveHostQuery{}); total != 0 {
		t.Errorf("an abandoned write was committed")
	}
	if _, err := s.CreateHost(ctx, azure, hostDoc("innocent", true, nil)); err != nil {
		t.Errorf("the writer did not recover: %v", err)
	}
}

func TestWriteGivenUpWhileQueued(t *testing.T) {
	s, _ := openTest(t)
	release := holdWriter(t, s)
	cctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := s.CreateHost(cctx, azure, hostDoc("late", true, nil)); done <- err }()
	waitQueued(t, s, 1)
	cancel()
	release()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if _, total, _ := s.QueryHosts(context.Background(), hostsync.LiveHostQuery{}); total != 0 {
		t.Error("a write given up while queued ran anyway")
	}
}

func TestWriteAfterClose(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir()+"/x.db")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateHost(ctx, azure, hostDoc("x", true, nil)); !errors.Is(err, errClosed) {
		t.Errorf("write after Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
