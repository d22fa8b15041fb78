package mirror

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/visitly/hostsync"
)

// directory is what the random writer needs of a service: the fake model or
// the real one.
type directory interface {
	create(userName, displayName, title, dept string) (string, error)
	update(id, displayName, title, dept string) error
	setActive(id string, active bool) error
	remove(id string) error
	restore(id string) error
	setGroup(id, name string, members []string)
}

// randomWriter performs random directory writes through any service model.
type randomWriter struct {
	svc   directory
	rng   *rand.Rand
	ids   []string
	names []string // userNames ever used, so that re-creations happen
	n     int
}

func (w *randomWriter) step(t testing.TB) {
	t.Helper()
	op := w.rng.IntN(100)
	pick := func() string { return w.ids[w.rng.IntN(len(w.ids))] }
	switch {
	case op < 30 || len(w.ids) < 5:
		w.n++
		name := fmt.Sprintf("user%d@example.com", w.n)
		if len(w.names) > 0 && w.rng.IntN(4) == 0 {
			name = w.names[w.rng.IntN(len(w.names))] // a re-creation if the old one is deleted
		}
		if id, err := w.svc.create(name, fmt.Sprintf("User %d", w.n), "Engineer", "R&D"); err == nil {
			w.ids, w.names = append(w.ids, id), append(w.names, name)
		}
	case op < 55:
		_ = w.svc.update(pick(), fmt.Sprintf("Renamed %d", w.rng.IntN(1000)), "Lead", "Sales")
	case op < 67:
		_ = w.svc.setActive(pick(), false)
	case op < 72:
		_ = w.svc.setActive(pick(), true)
	case op < 82:
		_ = w.svc.remove(pick())
	case op < 92:
		_ = w.svc.restore(pick()) // may conflict: nothing changes then
	default:
		members := []string{pick(), pick(), pick()}
		w.svc.setGroup(fmt.Sprintf("g%d", w.rng.IntN(4)), fmt.Sprintf("Group %d", w.rng.IntN(4)), members)
	}
}

func TestSyncFullThenIncremental(t *testing.T) {
	ctx := context.Background()
	svc := newFakeService()
	w := &randomWriter{svc: svc, rng: rand.New(rand.NewPCG(1, 2))}
	for range 300 {
		w.step(t)
	}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	m, _ := openTest(t)

	var last hostsync.SyncProgress
	calls := 0
	res, err := m.Sync(ctx, newHTTPSource(srv.URL), hostsync.SyncOptions{ChangesPage: 25, ActivityPage: 40,
		OnProgress: func(p hostsync.SyncProgress) {
			calls++
			if p.Done < last.Done || p.Total < p.Done {
				t.Errorf("progress went back or past total: %+v after %+v", p, last)
			}
			last = p
		}})
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	hosts, groups, events := svc.state()
	assertMirrorEquals(t, m, hosts, groups, events)
	if res.Events != len(events) || res.Hosts != len(hosts) {
		t.Errorf("first sync counted %d hosts, %d events; want %d, %d", res.Hosts, res.Events, len(hosts), len(events))
	}
	if calls < 5 || last.Done != last.Total || last.Total == 0 {
		t.Errorf("progress: %d calls, last %+v; want several, ending at Done == Total > 0", calls, last)
	}
	var nIdx int
	if err := m.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'hosts' AND sql IS NOT NULL`).Scan(&nIdx); err != nil || nIdx != len(sortIndexes) {
		t.Errorf("after the first sync %d sort indexes (%v), want %d", nIdx, err, len(sortIndexes))
	}
	if ls, err := m.LastSync(ctx); err != nil || ls.IsZero() {
		t.Errorf("LastSync = %v, %v; want set", ls, err)
	}

	for range 10 {
		w.step(t)
	}
	res, err = m.Sync(ctx, newHTTPSource(srv.URL), hostsync.SyncOptions{})
	if err != nil {
		t.Fatalf("second Sync: %v", err)
	}
	hosts, groups, events = svc.state()
	assertMirrorEquals(t, m, hosts, groups, events)
	if res.Hosts+res.Groups > 10 || res.Events > 10 {
		t.Errorf("incremental sync brought %+v; want at most the 10 changes", res)
	}
	res, err = m.Sync(ctx, newHTTPSource(srv.URL), hostsync.SyncOptions{})
	if err != nil || res.Hosts+res.Groups+res.Events != 0 {
		t.Errorf("sync with nothing new = %+v, %v; want nothing", res, err)
	}
}

func TestSyncCancelledHalfWayResumes(t *testing.T) {
	tests := []struct {
		name  string
		after string // the feed whose third page cancels
	}{{"during changes", "/v1/admin/changes"}, {"during activity", "/v1/admin/activity"}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			svc := newFakeService()
			w := &randomWriter{svc: svc, rng: rand.New(rand.NewPCG(3, 4))}
			for range 200 {
				w.step(t)
			}
			srv := httptest.NewServer(svc)
			defer srv.Close()
			m, _ := openTest(t)

			cctx, cancel := context.WithCancel(ctx)
			var pages atomic.Int32
			var mu sync.Mutex // the hook may still run after Sync returned
			svc.setAfterPage(func(path string) {
				if path == tc.after && pages.Add(1) == 3 {
					// Cancel once a page of this feed is committed, so that
					// the test sees progress kept (pages are fetched ahead).
					for range 500 {
						c, a, _ := m.Cursors(ctx)
						if (path == "/v1/admin/changes" && c > 0) || (path == "/v1/admin/activity" && a > 0) {
							break
						}
						time.Sleep(2 * time.Millisecond)
					}
					cancel()
					mu.Lock()
					for range 20 {
						w.step(t) // and the service moves on meanwhile
					}
					mu.Unlock()
				}
			})
			_, err := m.Sync(cctx, newHTTPSource(srv.URL), hostsync.SyncOptions{ChangesPage: 10, ActivityPage: 10})
			svc.setAfterPage(nil)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled Sync = %v, want context.Canceled", err)
			}
			c, a, _ := m.Cursors(ctx)
			if (tc.after == "/v1/admin/changes" && c == 0) || (tc.after == "/v1/admin/activity" && a == 0) {
				t.Fatalf("cursors after the cancelled sync = %d, %d; want progress kept", c, a)
			}
			mu.Lock()
			defer mu.Unlock()
			if _, err := m.Sync(ctx, newHTTPSource(srv.URL), hostsync.SyncOptions{ChangesPage: 10}); err != nil {
				t.Fatalf("resumed Sync: %v", err)
			}
			hosts, groups, events := svc.state()
			assertMirrorEquals(t, m, hosts, groups, events)
		})
	}
}

// TestSyncRandomised runs random creates, updates, deactivations, deletions,
// re-creations, restores and group changes, with writes landing between the
// pages of running syncs and some syncs cancelled half way; after a final
// sync the mirror must equal the service.
func TestSyncRandomised(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			ctx := context.Background()
			svc := newFakeService()
			w := &randomWriter{svc: svc, rng: rand.New(rand.NewPCG(seed, 99))}
			srv := httptest.NewServer(svc)
			defer srv.Close()
			m, _ := openTest(t)
			rng := rand.New(rand.NewPCG(seed, 7))
			// The hook runs on the handlers' goroutines: two at once (the sync
			// reads both feeds side by side), and possibly still after a
			// cancelled Sync returned. So the rng and the writer are locked.
			var mu sync.Mutex
			for round := range 12 {
				mu.Lock()
				for range rng.IntN(80) {
					w.step(t)
				}
				cctx, cancel := context.WithCancel(ctx)
				cancelAt := int32(-1)
				if round%3 == 1 {
					cancelAt = int32(1 + rng.IntN(6))
				}
				opt := hostsync.SyncOptions{ChangesPage: 1 + rng.IntN(15), ActivityPage: 1 + rng.IntN(20)}
				var pages atomic.Int32
				svc.setAfterPage(func(string) {
					n := pages.Add(1)
					if n <= 6 { // bounded, or small pages would never catch up
						mu.Lock()
						for range rng.IntN(4) {
							w.step(t) // a write while the sync is paging
						}
						mu.Unlock()
					}
					if n == cancelAt {
						cancel()
					}
				})
				mu.Unlock()
				_, err := m.Sync(cctx, newHTTPSource(srv.URL), opt)
				cancel()
				svc.setAfterPage(nil)
				if err != nil && !errors.Is(err, context.Canceled) {
					t.Fatalf("round %d: Sync: %v", round, err)
				}
			}
			mu.Lock() // a late hook of the last round writes no more
			defer mu.Unlock()
			if _, err := m.Sync(ctx, newHTTPSource(srv.URL), hostsync.SyncOptions{ChangesPage: 7}); err != nil {
				t.Fatalf("final Sync: %v", err)
			}
			hosts, groups, events := svc.state()
			assertMirrorEquals(t, m, hosts, groups, events)
		})
	}
}

// stuckSource says there is more without moving its cursor.
type stuckSource struct{}

func (stuckSource) Changes(context.Context, int64, int) (*hostsync.ChangePage, error) {
	return &hostsync.ChangePage{Cursor: 4, More: true}, nil
}
func (stuckSource) Activity(context.Context, hostsync.ActivityQuery) (*hostsync.ActivityPage, error) {
	return &hostsync.ActivityPage{}, nil
}

// failingSource fails its second changes page.
type failingSource struct{ calls int }

var errBoom = errors.New("boom")

func (f *failingSource) Changes(_ context.Context, since int64, _ int) (*hostsync.ChangePage, error) {
	f.calls++
	if f.calls > 1 {
		return nil, errBoom
	}
	return &hostsync.ChangePage{Changes: []hostsync.Change{{Seq: 3, Type: hostsync.ChangeHost, Host: &hostsync.Host{ID: "a", Seq: 3, State: hostsync.StateActive}}},
		Cursor: 3, More: true}, nil
}
func (f *failingSource) Activity(context.Context, hostsync.ActivityQuery) (*hostsync.ActivityPage, error) {
	return &hostsync.ActivityPage{}, nil
}

func TestSyncErrors(t *testing.T) {
	tests := []struct {
		name       string
		src        hostsync.Feed
		want       error
		wantCursor int64
	}{
		{"cursor that does not move", stuckSource{}, ErrFeedStuck, 4},
		{"source failure keeps committed pages", &failingSource{}, errBoom, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := openTest(t)
			_, err := m.Sync(context.Background(), tc.src, hostsync.SyncOptions{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Sync = %v, want %v", err, tc.want)
			}
			if c, _, _ := m.Cursors(context.Background()); c != tc.wantCursor {
				t.Fatalf("cursor = %d, want %d", c, tc.wantCursor)
			}
		})
	}
}

func TestSyncStartsOverWhenServiceWasReplaced(t *testing.T) {
	ctx := context.Background()
	m, _ := openTest(t)
	old := newFakeService()
	for i := range 30 {
		old.create(fmt.Sprintf("old%d", i), "Old", "", "")
	}
	srv := httptest.NewServer(old)
	if _, err := m.Sync(ctx, newHTTPSource(srv.URL), hostsync.SyncOptions{}); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	srv.Close()

	fresh := newFakeService() // a new database: its seq starts again from 1
	fresh.create("new@x", "New", "", "")
	srv = httptest.NewServer(fresh)
	defer srv.Close()
	if _, err := m.Sync(ctx, newHTTPSource(srv.URL), hostsync.SyncOptions{}); err != nil {
		t.Fatalf("Sync against the replaced service: %v", err)
	}
	hosts, groups, events := fresh.state()
	assertMirrorEquals(t, m, hosts, groups, events)
}

func TestPath(t *testing.T) {
	dir := t.TempDir()
	a, b := Path(dir, "https://a.example.com"), Path(dir, "https://b.example.com/")
	if Path(dir, "") != filepath.Join(dir, FileName) || a == b || a != Path(dir, "https://a.example.com/") {
		t.Fatalf("Path: embedded %s, a %s, b %s", Path(dir, ""), a, b)
	}
}
