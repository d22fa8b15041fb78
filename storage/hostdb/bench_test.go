package hostdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/visitly/hostsync"
)

const benchHosts = 100_000

// azureHost is a host the size Azure AD sends (about 800 bytes of attributes).
func azureHost(i int) *hostsync.HostRecord {
	userName := fmt.Sprintf("user%06d@contoso.example", i)
	doc := map[string]any{
		"schemas":     []any{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
		"userName":    userName,
		"externalId":  fmt.Sprintf("ext-%06d", i),
		"active":      true,
		"displayName": fmt.Sprintf("User %06d", i),
		"title":       "Engineer",
		"name":        map[string]any{"givenName": "User", "familyName": fmt.Sprintf("%06d", i), "formatted": fmt.Sprintf("User %06d", i)},
		"emails":      []any{map[string]any{"type": "work", "value": userName, "primary": true}},
		"phoneNumbers": []any{map[string]any{"type": "work", "value": "+47 22 00 00 00"},
			map[string]any{"type": "mobile", "value": "+47 900 00 000"}},
		"addresses": []any{map[string]any{"type": "work", "streetAddress": "Karl Johans gate 1", "locality": "Oslo",
			"postalCode": "0154", "country": "NO", "formatted": "Karl Johans gate 1, 0154 Oslo, NO"}},
		"preferredLanguage": "nb-NO",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{
			"department": "Research", "employeeNumber": fmt.Sprint(i), "manager": map[string]any{"value": "00000000-0000-4000-8000-000000000000"}},
	}
	b, _ := json.Marshal(doc)
	return &hostsync.HostRecord{UserName: userName, ExternalID: doc["externalId"].(string), DisplayName: doc["displayName"].(string),
		Email: userName, Active: true, Attrs: b}
}

var (
	seedOnce sync.Once
	seedPath string // a closed, checkpointed database with benchHosts hosts
	seedIDs  []string
	seedErr  error
)

// seedStore opens a copy of a database holding benchHosts hosts. The hosts
// are written once per test binary, in one transaction, the way CreateHost
// writes them (an event and a host row each); every benchmark gets a fresh
// copy of that file.
func seedStore(b *testing.B) (*Store, []string) {
	b.Helper()
	seedOnce.Do(func() { seedPath, seedIDs, seedErr = seed() })
	if seedErr != nil {
		b.Fatal(seedErr)
	}
	path := filepath.Join(b.TempDir(), "bench.db")
	src, err := os.ReadFile(seedPath)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, src, 0o600); err != nil {
		b.Fatal(err)
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	waitCacheOn(b, s) // as a service warms it at start: not part of what is timed
	return s, seedIDs
}

func seed() (string, []string, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "storage-bench-")
	if err != nil {
		return "", nil, err
	}
	benchDir = dir
	path := filepath.Join(dir, "seed.db")
	s, err := Open(ctx, path)
	if err != nil {
		return "", nil, err
	}
	ids := make([]string, benchHosts)
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		ins := tx.StmtContext(ctx, s.stmts.insertHost)
		for i := range benchHosts {
			h := azureHost(i)
			h.ID, h.Created, h.Modified = newID(), now(), now()
			ev := hostsync.Event{Action: "host.created", ResourceType: TypeUser, ResourceID: h.ID, UserName: h.UserName}
			if err := s.appendEvent(ctx, tx, azure, &ev); err != nil {
				return err
			}
			h.Seq = ev.Seq
			if _, err := ins.ExecContext(ctx, append([]any{h.ID, h.Created.UnixMilli(), string(h.IdP)}, hostArgs(h)...)...); err != nil {
				return err
			}
			ids[i] = h.ID
		}
		return nil
	})
	// Close checkpoints the WAL into the file, so the copy is one file.
	return path, ids, errors.Join(err, s.Close())
}

// benchDir is removed by TestMain.
var benchDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// reportCPU adds cpu-ns/op, the process CPU time per op since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

func BenchmarkCreateHost(b *testing.B) {
	s, _ := seedStore(b)
	ctx := context.Background()
	i := benchHosts
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		if _, err := s.CreateHost(ctx, azure, azureHost(i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkCreateHostParallel creates from 16 goroutines at once, as the
// HTTP server does under Azure AD's initial cycle: the calls share commits.
func BenchmarkCreateHostParallel(b *testing.B) {
	s, _ := seedStore(b)
	ctx := context.Background()
	parallelWrites(b, s, benchHosts, func(i int64) error {
		_, err := s.CreateHost(ctx, azure, azureHost(int(i)))
		return err
	})
}

// BenchmarkUpdateHostParallel replaces the title of random hosts from 16
// goroutines, as Azure AD's PATCH does under the steady mix.
func BenchmarkUpdateHostParallel(b *testing.B) {
	s, ids := seedStore(b)
	ctx := context.Background()
	parallelWrites(b, s, 0, func(i int64) error {
		id := ids[(i*7919)%int64(len(ids))]
		_, err := s.UpdateHost(ctx, azure, id, withAttr("title", fmt.Sprintf("Title %d", i)))
		return err
	})
}

// parallelWrites runs write(i) for i = first+1, first+2, ... from 16
// goroutines and reports CPU per call and calls per commit.
func parallelWrites(b *testing.B, s *Store, first int64, write func(i int64) error) {
	var next atomic.Int64
	next.Store(first)
	b.SetParallelism(8)
	b.ResetTimer()
	defer reportCPU(b, cpuTime())
	commits := s.commits.Load()
	defer func() { b.ReportMetric(float64(b.N)/float64(s.commits.Load()-commits), "calls/commit") }()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := write(next.Add(1)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkGetHost(b *testing.B) {
	s, ids := seedStore(b)
	ctx := context.Background()
	i := 0
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		if _, err := s.GetHost(ctx, ids[i*7919%len(ids)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkUserNameLookup(b *testing.B) {
	s, _ := seedStore(b)
	ctx := context.Background()
	i := 0
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		name := fmt.Sprintf("USER%06d@contoso.example", i*7919%benchHosts)
		hs, total, err := s.QueryHosts(ctx, hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldUserName, Value: name}}, Count: 100})
		if err != nil || total != 1 || len(hs) != 1 {
			b.Fatalf("lookup %s: %d hosts, total %d, %v", name, len(hs), total, err)
		}
		i++
	}
}

// BenchmarkUserNameLookupParallel is the lookup path under concurrent load,
// as the HTTP server drives it.
func BenchmarkUserNameLookupParallel(b *testing.B) {
	s, _ := seedStore(b)
	ctx := context.Background()
	b.ResetTimer()
	defer reportCPU(b, cpuTime())
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			name := fmt.Sprintf("user%06d@contoso.example", i*7919%benchHosts)
			if _, total, err := s.QueryHosts(ctx, hostsync.LiveHostQuery{Conds: []hostsync.Cond{{Field: hostsync.FieldUserName, Value: name}}, Count: 100}); err != nil || total != 1 {
				b.Fatalf("lookup: total %d, %v", total, err)
			}
			i++
		}
	})
}

// BenchmarkQueryPage reads pages of 1000 hosts, cycling through all 100 of
// them; one op is one page (with its total).
func BenchmarkQueryPage(b *testing.B) {
	s, _ := seedStore(b)
	ctx := context.Background()
	page := 0
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		hs, total, err := s.QueryHosts(ctx, hostsync.LiveHostQuery{StartIndex: page*1000 + 1, Count: 1000})
		if err != nil || total != benchHosts || len(hs) != 1000 {
			b.Fatalf("page %d: %d hosts, total %d, %v", page, len(hs), total, err)
		}
		page = (page + 1) % (benchHosts / 1000)
	}
}
