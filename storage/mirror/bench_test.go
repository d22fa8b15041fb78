package mirror

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/visitly/hostsync"
)

// The speed bars, on a 2-core machine against a real service holding
// 100,000 hosts: first full sync < 10 s, incremental sync after 100 changes
// < 200 ms, search < 30 ms. VISITLY_BENCH_HOSTS overrides the size for a
// quick run, e.g. in CI with -benchtime=1x. VISITLY_BENCH_SEED_CACHE=dir
// keeps a copy of the seeded service there for the next runs.
//
//	go test -run '^$' -bench . -benchtime=3x ./storage/mirror/

func benchHosts() int {
	if n, err := strconv.Atoi(os.Getenv("VISITLY_BENCH_HOSTS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

var (
	firstNames = []string{"Ann", "Bob", "Chloé", "David", "Emma", "François", "Grace", "Hugo", "Inès", "Jack", "Karen", "Liam", "Maya", "Noah", "Olga", "Paul", "Quinn", "Rosa", "Sam", "Tara"}
	lastNames  = []string{"Smith", "Jones", "Martin", "Dubois", "García", "Müller", "Rossi", "Nowak", "Kim", "Patel", "Brown", "Wilson", "Taylor", "Moreau", "Schmidt", "Silva", "Novak", "Berg", "Costa", "Walsh"}
	depts      = []string{"Sales", "R&D", "Finance", "Operations", "Marketing", "Legal", "Support", "HR"}
	titles     = []string{"Engineer", "Manager", "Analyst", "Director", "Consultant", "Designer"}
)

// benchPerson is the i-th synthetic employee: unique userName, realistic
// name spread for search.
func benchPerson(i int) (userName, displayName, title, dept string) {
	f, l := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)]
	return fmt.Sprintf("%s.%s.%d@example.com", f, l, i), f + " " + l, titles[i%len(titles)], depts[i%len(depts)]
}

var (
	seededOnce sync.Once
	seeded     *realService
	seedErr    error
)

// seededService is a real service holding benchHosts() hosts, built once per
// test binary (seeding 100,000 hosts takes a while).
func seededService(b *testing.B) *realService {
	b.Helper()
	seededOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mirror-bench-")
		if err != nil {
			seedErr = err
			return
		}
		cache := os.Getenv("VISITLY_BENCH_SEED_CACHE")
		if cache != "" && copySeed(filepath.Join(cache, fmt.Sprintf("hostsync-%d.db", benchHosts())), filepath.Join(dir, "hostsync.db")) == nil {
			seeded = newRealService(&onceTB{B: b, dir: dir})
			b.Logf("seed copied from %s", cache)
			return
		}
		tb := &onceTB{B: b, dir: dir}
		seeded = newRealService(tb)
		start := time.Now()
		for i := range benchHosts() {
			u, d, title, dept := benchPerson(i)
			if _, err := seeded.create(u, d, title, dept); err != nil {
				seedErr = err
				return
			}
		}
		b.Logf("seeded %d hosts in %s", benchHosts(), time.Since(start).Round(time.Millisecond))
		if cache != "" {
			// A checkpointed copy: the next run starts from it in a second
			// instead of seeding for most of a minute.
			if err := copySeed(filepath.Join(dir, "hostsync.db"), filepath.Join(cache, fmt.Sprintf("hostsync-%d.db", benchHosts()))); err != nil {
				b.Logf("seed cache: %v", err)
			}
		}
	})
	if seedErr != nil {
		b.Fatalf("seed: %v", seedErr)
	}
	return seeded
}

// copySeed copies a service database file and its WAL as they are (the
// service is idle by then), so that a run from the copy reads the same file
// layout as a run that seeded.
func copySeed(from, to string) error {
	for _, suffix := range []string{"", "-wal"} {
		if err := copyFile(from+suffix, to+suffix); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o600)
}

// onceTB lets the shared service outlive the benchmark that built it: its
// temp dir is not removed and cleanups are dropped (the process exits).
type onceTB struct {
	*testing.B
	dir string
}

func (o *onceTB) TempDir() string  { return o.dir }
func (o *onceTB) Cleanup(f func()) {}

func BenchmarkFirstFullSync(b *testing.B) {
	rs := seededService(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		m, err := Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("m%d.db", i)))
		if err != nil {
			b.Fatal(err)
		}
		c0 := cpuTime()
		b.StartTimer()
		res, err := m.Sync(ctx, rs.source(), hostsync.SyncOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if res.Hosts != benchHosts() || res.Events < benchHosts() {
			b.Fatalf("synced %d hosts and %d events, want %d and at least as many", res.Hosts, res.Events, benchHosts())
		}
		// CPU of client and server together (same process).
		b.ReportMetric((cpuTime() - c0).Seconds(), "cpu-s/sync")
		m.Close()
		b.StartTimer()
	}
}

func BenchmarkIncrementalSync100(b *testing.B) {
	rs := seededService(b)
	ctx := context.Background()
	m, err := Open(ctx, filepath.Join(b.TempDir(), FileName))
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Sync(ctx, rs.source(), hostsync.SyncOptions{}); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	var cpu time.Duration
	defer func() { b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/sync") }()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		for j := range 100 { // 100 changes: renames and deactivations of random hosts
			hs, err := m.Hosts(ctx, hostsync.HostFilter{State: hostsync.StateActive, Offset: rng.IntN(benchHosts() / 2), Limit: 1})
			if err != nil || len(hs) != 1 {
				b.Fatalf("pick a host: %v", err)
			}
			if j%4 == 3 {
				err = rs.setActive(hs[0].ID, false)
			} else {
				err = rs.update(hs[0].ID, fmt.Sprintf("Renamed %d", rng.IntN(1e6)), "Lead", "Sales")
			}
			if err != nil {
				b.Fatalf("change %s: %v", hs[0].ID, err)
			}
		}
		c0 := cpuTime()
		b.StartTimer()
		res, err := m.Sync(ctx, rs.source(), hostsync.SyncOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += cpuTime() - c0
		if res.Hosts == 0 || res.Hosts > 100 {
			b.Fatalf("incremental sync brought %d hosts, want 1..100", res.Hosts)
		}
		b.StartTimer()
	}
}

var (
	searchOnce   sync.Once
	searchMirror *Mirror
	searchErr    error
)

// searchFixture is a mirror of benchHosts() hosts filled through Apply (no
// service needed), shared by the query benchmarks.
func searchFixture(b *testing.B) *Mirror {
	b.Helper()
	searchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mirror-search-")
		if err != nil {
			searchErr = err
			return
		}
		ctx := context.Background()
		m, err := Open(ctx, filepath.Join(dir, FileName))
		if err != nil {
			searchErr = err
			return
		}
		if _, searchErr = m.beginBulk(ctx); searchErr != nil {
			return
		}
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var batch Batch
		for i := range benchHosts() {
			u, d, title, dept := benchPerson(i)
			h := hostsync.Host{ID: fmt.Sprintf("id-%07d", i), Seq: int64(i + 1), State: hostsync.StateActive, UserName: u,
				ExternalID: fmt.Sprintf("ext-%07d", i), DisplayName: d, Email: u, Active: true,
				Created: t0.Add(time.Duration(i) * time.Second), Modified: t0.Add(time.Duration(i) * time.Second)}
			switch i % 50 {
			case 7:
				h.State, h.Active, h.DeactivatedAt, h.DeactivatedBy, h.RemovedHow = hostsync.StateDeactivated, false, h.Modified, "apikey:1", "active=false"
			case 9:
				h.State, h.DeletedAt, h.DeletedBy, h.RemovedHow = hostsync.StateDeleted, h.Modified, "apikey:1", "DELETE"
			}
			h.Resource = userAttrs(u, d, h.Active, title, dept)
			batch.Hosts = append(batch.Hosts, h)
			if len(batch.Hosts) == 1000 {
				batch.ChangesCursor = h.Seq
				if searchErr = m.Apply(ctx, batch); searchErr != nil {
					return
				}
				batch = Batch{}
			}
		}
		if searchErr = m.Apply(ctx, batch); searchErr == nil {
			searchErr = m.endBulk(ctx)
		}
		searchMirror = m
	})
	if searchErr != nil {
		b.Fatalf("search fixture: %v", searchErr)
	}
	return searchMirror
}

// BenchmarkSearch measures what the Hosts table does on each keystroke or
// scroll: count the matches and fetch one visible page.
func BenchmarkSearch(b *testing.B) {
	m := searchFixture(b)
	ctx := context.Background()
	n := benchHosts()
	tests := []struct {
		name string
		q    hostsync.HostFilter
	}{
		{"narrow prefix", hostsync.HostFilter{Search: "chlo dub"}},
		{"one letter", hostsync.HostFilter{Search: "m"}},
		{"two letters", hostsync.HostFilter{Search: "ma"}},
		{"one letter deep page", hostsync.HostFilter{Search: "m", Offset: 20_000}},
		{"two letters by title", hostsync.HostFilter{Search: "ma", Sort: hostsync.SortTitle}},
		{"no search by title", hostsync.HostFilter{Sort: hostsync.SortTitle}},
		{"email prefix", hostsync.HostFilter{Search: "grace.rossi.1"}},
		{"department sorted", hostsync.HostFilter{Search: "sales", Sort: hostsync.SortTitle}},
		{"no search first page", hostsync.HostFilter{}},
		{"no search deep page", hostsync.HostFilter{Sort: hostsync.SortUserName, Offset: n / 2}},
		{"all states by modified desc", hostsync.HostFilter{State: hostsync.StateAll, Sort: hostsync.SortModified, Desc: true}},
		{"removed list", hostsync.HostFilter{State: hostsync.StateRemoved}},
		{"externalId", hostsync.HostFilter{Search: "ext-0004242", State: hostsync.StateAll}},
	}
	for _, tc := range tests {
		b.Run(tc.name, func(b *testing.B) {
			q := tc.q
			q.Limit = 60
			for range b.N {
				total, err := m.CountHosts(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				page, err := m.Hosts(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				if total == 0 || len(page) == 0 {
					b.Fatalf("%+v: %d matches, page of %d", q, total, len(page))
				}
			}
		})
	}
}
