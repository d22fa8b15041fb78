package hostdb

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/visitly/hostsync"
)

var (
	azure = hostsync.Actor{Kind: hostsync.ActorAPIKey, ID: "1", Label: "Azure AD"}
	admin = hostsync.Actor{Kind: hostsync.ActorAdmin}
)

// openTest opens a store on a new file in t.TempDir() and closes it at the end.
func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hostsync.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, path
}

// hostDoc builds a host as the SCIM layer would hand it over.
func hostDoc(userName string, active bool, extra map[string]any) *hostsync.HostRecord {
	doc := map[string]any{
		"schemas":     []any{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName":    userName,
		"active":      active,
		"displayName": "Name of " + userName,
		"emails":      []any{map[string]any{"type": "work", "value": userName + "@example.com", "primary": true}},
	}
	for k, v := range extra {
		if v == nil {
			delete(doc, k)
		} else {
			doc[k] = v
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	h := &hostsync.HostRecord{UserName: userName, Active: active, Attrs: b}
	h.DisplayName, _ = doc["displayName"].(string)
	h.ExternalID, _ = doc["externalId"].(string)
	if emails, ok := doc["emails"].([]any); ok && len(emails) > 0 {
		h.Email, _ = emails[0].(map[string]any)["value"].(string)
	}
	return h
}

func mustCreateHost(t testing.TB, s *Store, userName string, extra map[string]any) *hostsync.HostRecord {
	t.Helper()
	h, err := s.CreateHost(context.Background(), azure, hostDoc(userName, true, extra))
	if err != nil {
		t.Fatalf("CreateHost(%q): %v", userName, err)
	}
	return h
}

// events returns the whole activity log.
func events(t testing.TB, s *Store) []hostsync.Event {
	t.Helper()
	evs, err := s.Activity(context.Background(), hostsync.ActivityQuery{Limit: maxActivityLimit})
	if err != nil {
		t.Fatalf("Activity: %v", err)
	}
	return evs
}

func lastEvent(t testing.TB, s *Store) hostsync.Event {
	t.Helper()
	evs := events(t, s)
	if len(evs) == 0 {
		t.Fatal("no events")
	}
	return evs[len(evs)-1]
}

func pragma(t *testing.T, s *Store, read bool, name string) string {
	t.Helper()
	db := s.w
	if read {
		db = s.r
	}
	var v string
	if err := db.QueryRowContext(context.Background(), "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestOpenConfiguresConnections(t *testing.T) {
	s, _ := openTest(t)
	tests := []struct {
		name string
		read bool
		want string
	}{
		{"journal_mode", false, "wal"},
		{"synchronous", false, "2"}, // FULL: an answered write survives power loss
		{"foreign_keys", false, "1"},
		{"busy_timeout", false, "10000"},
		{"query_only", false, "0"},
		{"journal_mode", true, "wal"},
		{"synchronous", true, "2"},
		{"busy_timeout", true, "10000"},
		{"query_only", true, "1"},
		{"wal_autocheckpoint", false, "0"}, // checkpoint.go checkpoints
		{"mmap_size", true, "0"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s read=%v", tt.name, tt.read), func(t *testing.T) {
			if got := pragma(t, s, tt.read, tt.name); got != tt.want {
				t.Errorf("PRAGMA %s = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
	files, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if got := pragma(t, s, false, "user_version"); got != fmt.Sprint(len(files)) {
		t.Errorf("user_version = %s, want %d, the last migration", got, len(files))
	}
	if s.w.Stats().MaxOpenConnections != 1 {
		t.Errorf("writer pool allows %d connections, want 1", s.w.Stats().MaxOpenConnections)
	}
	if _, err := s.r.Exec("INSERT INTO api_keys (label, prefix, hash, created) VALUES ('x', 'x', x'00', 0)"); err == nil {
		t.Error("a reader connection could write")
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "odd ?#% name", "hostsync.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	h, err := s.CreateHost(ctx, azure, hostDoc("alice", true, nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at the given path: %v", err)
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	got, err := s.GetHost(ctx, h.ID)
	if err != nil {
		t.Fatalf("GetHost after reopen: %v", err)
	}
	if got.UserName != "alice" || got.Seq != h.Seq || !got.Created.Equal(h.Created) {
		t.Errorf("after reopen got %+v, want %+v", got, h)
	}
	if n := len(events(t, s)); n != 1 {
		t.Errorf("%d events after reopen, want 1", n)
	}
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	s, path := openTest(t)
	if _, err := s.w.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a newer schema: err = %v, want a 'newer' error", err)
	}
}

func TestActor(t *testing.T) {
	tests := []struct {
		a          hostsync.Actor
		str, human string
	}{
		{hostsync.Actor{Kind: hostsync.ActorAPIKey, ID: "3", Label: "Azure AD"}, "apikey:3", "Azure AD (key #3)"},
		{hostsync.Actor{Kind: hostsync.ActorAPIKey, ID: "4"}, "apikey:4", "API key #4"},
		{hostsync.Actor{Kind: hostsync.ActorAdmin}, "admin", "Console admin"},
		{hostsync.Actor{Kind: hostsync.ActorCLI}, "cli", "Command line"},
		{hostsync.Actor{Kind: hostsync.ActorSystem}, "system", "System"},
	}
	for _, tt := range tests {
		t.Run(tt.str, func(t *testing.T) {
			if got := tt.a.String(); got != tt.str {
				t.Errorf("String() = %q, want %q", got, tt.str)
			}
			if got := tt.a.Name(); got != tt.human {
				t.Errorf("Name() = %q, want %q", got, tt.human)
			}
		})
	}
}

func TestNewIDIsUUIDv7(t *testing.T) {
	seen := map[string]bool{}
	before := time.Now().UnixMilli()
	var prev string
	for range 1000 {
		id := newID()
		if len(id) != 36 || id[14] != '7' || !strings.ContainsRune("89ab", rune(id[19])) || strings.Count(id, "-") != 4 {
			t.Fatalf("newID() = %q, not a version 7 UUID", id)
		}
		if seen[id] {
			t.Fatalf("newID() repeated %q", id)
		}
		seen[id] = true
		ms, err := strconv.ParseInt(strings.ReplaceAll(id[:13], "-", ""), 16, 64)
		if err != nil || ms < before || ms > time.Now().UnixMilli() {
			t.Fatalf("newID() = %q: timestamp %d not between %d and now", id, ms, before)
		}
		if prev != "" && id[:13] < prev[:13] {
			t.Fatalf("newID() went back in time: %q after %q", id, prev)
		}
		prev = id
	}
}

// jsonEqual compares two JSON documents semantically.
func jsonEqual(a, b []byte) bool {
	var va, vb any
	return json.Unmarshal(a, &va) == nil && json.Unmarshal(b, &vb) == nil && reflect.DeepEqual(va, vb)
}
