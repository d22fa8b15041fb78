package hostdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/internal/feedpage"
)

// mirror is what a change-feed consumer keeps: the latest seq and state of
// each host and group it has seen.
type mirror struct {
	cursor int64
	hosts  map[string]string // id → "seq state"
	groups map[string]string // id → "seq deleted members"
}

func newMirror() *mirror { return &mirror{hosts: map[string]string{}, groups: map[string]string{}} }

func hostKey(h *hostsync.HostRecord) string {
	return fmt.Sprintf("%d %s %s", h.Seq, h.State(), h.UserName)
}
func groupKey(g *hostsync.GroupRecord) string {
	return fmt.Sprintf("%d %v %v %s", g.Seq, !g.DeletedAt.IsZero(), g.Members, g.DisplayName)
}

// pull reads one page and applies it; it reports whether there is more.
func (m *mirror) pull(t *testing.T, s *Store, limit int) bool {
	t.Helper()
	changes, cursor, more, err := s.Changes(context.Background(), m.cursor, limit)
	if err != nil {
		t.Fatalf("Changes(%d): %v", m.cursor, err)
	}
	prev := m.cursor
	for _, c := range changes {
		if c.Seq <= prev || (c.Host == nil) == (c.Group == nil) {
			t.Fatalf("bad change %+v after seq %d", c, prev)
		}
		switch {
		case c.Host != nil:
			if c.Host.Seq != c.Seq {
				t.Fatalf("change seq %d, host seq %d", c.Seq, c.Host.Seq)
			}
			m.hosts[c.Host.ID] = hostKey(c.Host)
		default:
			if c.Group.Members == nil {
				t.Fatalf("group change without members")
			}
			m.groups[c.Group.ID] = groupKey(c.Group)
		}
	}
	if len(changes) > 0 && cursor != changes[len(changes)-1].Seq || len(changes) == 0 && cursor != m.cursor {
		t.Fatalf("cursor %d after %d changes from %d", cursor, len(changes), m.cursor)
	}
	m.cursor = cursor
	return more
}

func (m *mirror) sync(t *testing.T, s *Store, limit int) {
	t.Helper()
	for m.pull(t, s, limit) {
	}
}

// truth reads the current state the mirror should equal.
func truth(t *testing.T, s *Store) *mirror {
	t.Helper()
	ctx := context.Background()
	want := newMirror()
	hosts, _, err := s.AdminHosts(ctx, "all", 1, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		want.hosts[h.ID] = hostKey(h)
	}
	rows, err := s.r.Query("SELECT id FROM groups")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		err := s.read(ctx, func(tx *sql.Tx) error {
			n, g, err := scanGroup(tx.QueryRowContext(ctx, "SELECT "+groupColumns+" FROM groups WHERE id = ?", id))
			if err != nil {
				return err
			}
			g.Members, err = memberIDs(ctx, tx, n)
			want.groups[id] = groupKey(g)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	c, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want.cursor = c.Cursor
	return want
}

func TestChangesPaging(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	if ch, cursor, more, err := s.Changes(ctx, 0, 0); err != nil || len(ch) != 0 || cursor != 0 || more {
		t.Fatalf("empty feed: %v %d %v %v", ch, cursor, more, err)
	}
	var hs []*hostsync.HostRecord
	for i := range 5 {
		hs = append(hs, mustCreateHost(t, s, fmt.Sprintf("u%d", i), nil))
	}
	g := mustCreateGroup(t, s, "G", hs[0].ID)
	if _, err := s.UpdateHost(ctx, azure, hs[1].ID, withAttr("title", "x")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateAPIKey(ctx, admin, "not in the feed", hostsync.IdPAzureAD); err != nil {
		t.Fatal(err)
	}
	// Seqs: u0..u4 = 1..5, G = 6, u1 updated = 7, the key's event = 8.
	ch, cursor, more, err := s.Changes(ctx, 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch) != 3 || !more || cursor != 4 || ch[0].Host.ID != hs[0].ID || ch[1].Host.ID != hs[2].ID {
		t.Fatalf("first page: %d items, cursor %d, more %v", len(ch), cursor, more)
	}
	ch, cursor, more, err = s.Changes(ctx, cursor, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch) != 3 || more || cursor != 7 || ch[0].Host.ID != hs[4].ID || ch[1].Group == nil ||
		ch[1].Group.ID != g.ID || ch[2].Host.ID != hs[1].ID || ch[2].Host.Seq != 7 {
		t.Fatalf("second page: %+v cursor %d more %v", ch, cursor, more)
	}
	if ch, c2, more, _ := s.Changes(ctx, cursor, 3); len(ch) != 0 || c2 != cursor || more {
		t.Errorf("after the end: %d items, cursor %d→%d, more %v", len(ch), cursor, c2, more)
	}
	counts, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts.Cursor != cursor {
		t.Errorf("Counts.Cursor %d, feed ended at %d", counts.Cursor, cursor)
	}
}

// TestChangesKeepsOneWriteTogether: deleting a host stamps the host and its
// groups with one seq; a page boundary must not fall between them.
func TestChangesKeepsOneWriteTogether(t *testing.T) {
	ctx := context.Background()
	for _, limit := range []int{1, 2, 3, 4, 5} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			s, _ := openTest(t)
			h := mustCreateHost(t, s, "a", nil)
			for i := range 3 {
				mustCreateGroup(t, s, fmt.Sprint("G", i), h.ID)
			}
			m := newMirror()
			m.sync(t, s, 100)
			if err := s.DeleteHost(ctx, azure, h.ID); err != nil {
				t.Fatal(err)
			}
			before := m.cursor
			ch, cursor, more, err := s.Changes(ctx, before, limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(ch) != 4 || more || ch[0].Host == nil || cursor != ch[0].Seq {
				t.Fatalf("got %d items (more %v); want the host and its 3 groups at once", len(ch), more)
			}
			for _, c := range ch[1:] {
				if c.Group == nil || c.Seq != ch[0].Seq || len(c.Group.Members) != 0 {
					t.Errorf("item %+v", c)
				}
			}
		})
	}
}

func TestPickChanges(t *testing.T) {
	items := func(seqs ...int64) []feedpage.Item {
		var it []feedpage.Item
		for _, s := range seqs {
			it = append(it, feedpage.Item{ChangeRecord: hostsync.ChangeRecord{Seq: s}})
		}
		return it
	}
	seqs := func(it []feedpage.Item) []int64 {
		var s []int64
		for _, i := range it {
			s = append(s, i.Seq)
		}
		return s
	}
	tests := []struct {
		name     string
		items    []feedpage.Item
		bound    int64
		limit    int
		want     []int64
		wantMore bool
	}{
		{"fits", items(1, 2, 3), 0, 5, []int64{1, 2, 3}, false},
		{"cut", items(1, 2, 3), 0, 2, []int64{1, 2}, true},
		{"cut backs off a tie", items(1, 2, 2, 3), 0, 2, []int64{1}, true},
		{"tie longer than limit", items(2, 2, 2, 3), 0, 2, []int64{2, 2, 2}, true},
		{"bound excludes incomplete seq", items(1, 2, 3, 3), 3, 10, []int64{1, 2}, true},
		{"nothing below bound", items(3, 3), 3, 10, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, more := feedpage.Pick(tt.items, tt.bound, tt.limit)
			if !reflect.DeepEqual(seqs(got), tt.want) || more != tt.wantMore {
				t.Errorf("got %v more %v, want %v more %v", seqs(got), more, tt.want, tt.wantMore)
			}
		})
	}
}

// TestChangesMissNothingUnderWrites pages through the feed with a small limit
// while another goroutine keeps writing, then checks the mirror equals the
// store.
func TestChangesMissNothingUnderWrites(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	var ids []string
	for i := range 30 {
		ids = append(ids, mustCreateHost(t, s, fmt.Sprintf("seed%d", i), nil).ID)
	}
	g := mustCreateGroup(t, s, "All", ids[:10]...)
	var wg sync.WaitGroup
	wg.Add(1)
	errs := make(chan error, 1)
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range 300 {
			id := ids[rng.IntN(len(ids))]
			var err error
			switch i % 6 {
			case 0:
				var h *hostsync.HostRecord
				h, err = s.CreateHost(ctx, azure, hostDoc(fmt.Sprintf("new%d", i), true, nil))
				if err == nil {
					ids = append(ids, h.ID)
				}
			case 1:
				_, err = s.UpdateHost(ctx, azure, id, withAttr("title", fmt.Sprint(i)))
			case 2:
				err = s.DeleteHost(ctx, azure, id)
			case 3:
				_, err = s.RestoreHost(ctx, admin, id)
			case 4:
				_, err = s.UpdateGroup(ctx, azure, g.ID, func(*hostsync.GroupRecord) (*hostsync.GroupChange, error) {
					return &hostsync.GroupChange{Add: []string{id}}, nil
				})
			case 5:
				_, err = s.UpdateHost(ctx, azure, id, withAttr("active", i%4 == 1))
			}
			if err != nil && !isExpected(err) {
				errs <- fmt.Errorf("write %d: %w", i, err)
				return
			}
		}
	}()
	m := newMirror()
	for range 200 {
		m.pull(t, s, 7)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	m.sync(t, s, 7)
	want := truth(t, s)
	if !reflect.DeepEqual(m, want) {
		for id, v := range want.hosts {
			if m.hosts[id] != v {
				t.Errorf("host %s: mirror %q, store %q", id, m.hosts[id], v)
			}
		}
		for id, v := range want.groups {
			if m.groups[id] != v {
				t.Errorf("group %s: mirror %q, store %q", id, m.groups[id], v)
			}
		}
		t.Fatalf("mirror cursor %d, store %d", m.cursor, want.cursor)
	}
}

// isExpected: random writes hit deleted hosts (not found), restores over a
// reused userName never happen here, adding a deleted host is invalid.
func isExpected(err error) bool {
	return errors.Is(err, hostsync.ErrNotFound) || errors.Is(err, hostsync.ErrInvalidMember)
}

func TestCounts(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	seedQueryHosts(t, s)
	mustCreateGroup(t, s, "G1")
	g := mustCreateGroup(t, s, "G2")
	if err := s.DeleteGroup(ctx, azure, g.ID); err != nil {
		t.Fatal(err)
	}
	c, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	last := lastEvent(t, s)
	if want := (hostsync.CountsAt{Counts: hostsync.Counts{HostCounts: hostsync.HostCounts{Active: 8, Deactivated: 1, Deleted: 1}, Groups: 1}, Cursor: last.Seq}); c != want {
		t.Errorf("Counts = %+v, want %+v", c, want)
	}
}
