package pgstore

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/pgtest"
)

// TestFeedsMissNothingUnderConcurrentWriters: 16 writers, on two Stores
// (two pools, as two replicas) of one database, commit in an order other
// than their xids', while a reader follows the change feed and the activity
// feed from cursor 0. Once the writers are done and the feeds are quiet,
// the reader has seen every event exactly once, every host and group in
// its final state, and no version of a row twice. (A bigserial cursor
// missed 3-4% of rows under the same load.)
func TestFeedsMissNothingUnderConcurrentWriters(t *testing.T) {
	s1, url := openTest(t)
	s2 := openURL(t, url)
	group, err := s1.CreateGroup(ctxBg, admin, &hostsync.GroupRecord{DisplayName: "Everyone", Attrs: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	const writers, perWriter = 16, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		s := []*Store{s1, s2}[w%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- write(s, w, perWriter, group.ID)
		}()
	}

	hosts := map[string]*hostsync.HostRecord{}   // the last version read of each host
	groups := map[string]*hostsync.GroupRecord{} // and of each group
	versions := map[string]bool{}                // id@seq read
	events := map[int64]int{}                    // times each event was read
	var cursor, actCursor int64
	// naive follows the activity by its bigserial, as a plain sequence
	// cursor would: what it misses shows the writers did commit out of
	// order, so that the test had something to catch.
	var naiveCursor int64
	naive := map[int64]bool{}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	// read drains both feeds; it reports whether it read anything.
	read := func() bool {
		got := false
		for {
			changes, next, more, err := s2.Changes(ctxBg, cursor, 50)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range changes {
				id := ""
				if c.Host != nil {
					id = c.Host.ID
					hosts[id] = c.Host
				} else {
					id = c.Group.ID
					groups[id] = c.Group
				}
				v := fmt.Sprintf("%s@%d", id, c.Seq)
				if versions[v] {
					t.Errorf("version %s read twice", v)
				}
				versions[v] = true
			}
			got = got || len(changes) > 0
			cursor = next
			if !more {
				break
			}
		}
		for {
			p, err := s1.ActivityPage(ctxBg, hostsync.ActivityQuery{Since: actCursor, Limit: 40})
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range p.Events {
				events[ev.Seq]++
			}
			got = got || len(p.Events) > 0
			actCursor = p.Cursor
			if !p.More {
				break
			}
		}
		rows, err := s1.pool.Query(ctxBg, "SELECT seq FROM activity WHERE seq > $1 ORDER BY seq", naiveCursor)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			rows.Scan(&naiveCursor)
			naive[naiveCursor] = true
		}
		return got
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
			read()
			time.Sleep(time.Millisecond)
		}
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Quiet: nothing more for a while (another test's transaction on the
	// server may hold the frontier back for a moment).
	for quiet, deadline := 0, time.Now().Add(30*time.Second); quiet < 3 && time.Now().Before(deadline); {
		if read() {
			quiet = 0
		} else {
			quiet++
		}
		time.Sleep(50 * time.Millisecond)
	}

	all, total, err := s1.AdminHosts(ctxBg, hostsync.StateAll, 1, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	if total != writers*perWriter || len(hosts) != total {
		t.Errorf("%d hosts written, %d in the store, %d read from the feed", writers*perWriter, total, len(hosts))
	}
	for _, h := range all {
		if got := hosts[h.ID]; got == nil || !reflect.DeepEqual(got, h) {
			t.Errorf("host %s: feed's last version %+v, store's %+v", h.UserName, got, h)
		}
	}
	g, err := s1.GetGroup(ctxBg, group.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := groups[group.ID]; got == nil || got.Seq != g.Seq || !reflect.DeepEqual(got.Members, g.Members) {
		t.Errorf("group: feed's last version %+v, store's %+v", got, g)
	}
	var stored []int64
	rows, err := s1.pool.Query(ctxBg, "SELECT seq FROM activity ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var seq int64
		rows.Scan(&seq)
		stored = append(stored, seq)
	}
	missed := 0
	for _, seq := range stored {
		if events[seq] != 1 {
			missed++
			if missed < 5 {
				t.Errorf("event %d read %d times", seq, events[seq])
			}
		}
	}
	if len(events) != len(stored) || missed > 0 {
		t.Errorf("%d events stored, %d read, %d not read exactly once", len(stored), len(events), missed)
	}
	naiveMissed := 0
	for _, seq := range stored {
		if !naive[seq] {
			naiveMissed++
		}
	}
	t.Logf("%d events, %d host and group versions read; a sequence cursor would have missed %d events",
		len(stored), len(versions), naiveMissed)
}

// write is one writer's work: create hosts, change them, delete some,
// restore some, add each to the shared group.
func write(s *Store, w, n int, group string) error {
	for k := range n {
		h, err := s.CreateHost(ctxBg, azure, hostDoc(fmt.Sprintf("w%d-%d@example.com", w, k), true))
		if err != nil {
			return err
		}
		if _, err := s.UpdateHost(ctxBg, azure, h.ID, withTitle(fmt.Sprintf("title %d", k))); err != nil {
			return err
		}
		if _, err := s.UpdateGroup(ctxBg, azure, group, func(*hostsync.GroupRecord) (*hostsync.GroupChange, error) {
			return &hostsync.GroupChange{Add: []string{h.ID}}, nil
		}); err != nil {
			return err
		}
		if k%5 == 0 {
			if err := s.DeleteHost(ctxBg, azure, h.ID); err != nil {
				return err
			}
		}
		if k%10 == 0 {
			if _, err := s.RestoreHost(ctxBg, admin, h.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// TestFrontierWaitsForThisDatabaseOnly: a transaction still running in the
// store's database holds back the rows written after it (it could yet
// write rows with its lower xid), while one running in another database
// of the server does not.
func TestFrontierWaitsForThisDatabaseOnly(t *testing.T) {
	s, url := openTest(t)
	mine := sqlConn(t, url)
	other := sqlConn(t, pgtest.Database(t))
	head := func() int64 {
		t.Helper()
		_, cursor, _, err := s.Changes(ctxBg, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return cursor
	}

	otherTx, err := other.Begin(ctxBg)
	if err != nil {
		t.Fatal(err)
	}
	defer otherTx.Rollback(ctxBg)
	if _, err := otherTx.Exec(ctxBg, "SELECT pg_current_xact_id()"); err != nil { // takes an xid
		t.Fatal(err)
	}
	a := mustCreateHost(t, s, azure, "a")
	if got := head(); got != a.Seq {
		t.Fatalf("with a transaction open in another database the feed ends at %d, want %d (the new host)", got, a.Seq)
	}

	myTx, err := mine.Begin(ctxBg)
	if err != nil {
		t.Fatal(err)
	}
	defer myTx.Rollback(ctxBg)
	if _, err := myTx.Exec(ctxBg, "SELECT pg_current_xact_id()"); err != nil {
		t.Fatal(err)
	}
	b := mustCreateHost(t, s, azure, "b")
	if got := head(); got != a.Seq {
		t.Fatalf("with an older transaction open here the feed ends at %d, want %d (not yet the new host)", got, a.Seq)
	}
	if err := myTx.Commit(ctxBg); err != nil {
		t.Fatal(err)
	}
	if got := head(); got != b.Seq {
		t.Fatalf("after it ended the feed ends at %d, want %d", got, b.Seq)
	}
}
