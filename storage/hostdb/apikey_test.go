package hostdb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/visitly/hostsync"
)

func mustCreateKey(t testing.TB, s *Store, label string) (string, hostsync.APIKey) {
	t.Helper()
	secret, key, err := s.CreateAPIKey(context.Background(), admin, label, hostsync.IdPAzureAD)
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	return secret, key
}

func TestAPIKeyLifecycle(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	secret, key := mustCreateKey(t, s, "Azure AD")
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(secret, "vhs_"))
	if !strings.HasPrefix(secret, "vhs_") || err != nil || len(raw) != 32 {
		t.Fatalf("secret %d chars, %d bytes, err %v", len(secret), len(raw), err)
	}
	if key.ID != "1" || key.Label != "Azure AD" || key.Prefix != secret[:8] || key.Created.IsZero() {
		t.Errorf("key %+v", key)
	}
	secret2, key2 := mustCreateKey(t, s, "Azure AD 2")

	tests := []struct {
		name    string
		secret  string
		wantID  string
		wantErr error
	}{
		{"first key", secret, "1", nil},
		{"second key valid at the same time", secret2, "2", nil},
		{"wrong secret", "vhs_" + strings.Repeat("A", 43), "", hostsync.ErrUnauthorized},
		{"admin-style token", "vha_" + strings.TrimPrefix(secret, "vhs_"), "", hostsync.ErrUnauthorized},
		{"empty", "", "", hostsync.ErrUnauthorized},
		{"prefix only", secret[:8], "", hostsync.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.AuthenticateAPIKey(ctx, tt.secret)
			if !errors.Is(err, tt.wantErr) || got.ID != tt.wantID {
				t.Errorf("got key %q err %v, want %q %v", got.ID, err, tt.wantID, tt.wantErr)
			}
			if err == nil && got.LastUsed.IsZero() {
				t.Error("authenticated key without LastUsed")
			}
		})
	}

	revoked, err := s.RevokeAPIKey(ctx, admin, key.ID)
	if err != nil || revoked.Revoked.IsZero() || revoked.LastUsed.IsZero() {
		t.Fatalf("revoke: %+v %v", revoked, err)
	}
	if _, err := s.AuthenticateAPIKey(ctx, secret); !errors.Is(err, hostsync.ErrUnauthorized) {
		t.Errorf("revoked key still authenticates in this process: %v", err)
	}
	if _, err := s.AuthenticateAPIKey(ctx, secret2); err != nil {
		t.Errorf("the other key stopped working: %v", err)
	}
	n := len(events(t, s))
	again, err := s.RevokeAPIKey(ctx, admin, key.ID)
	if err != nil || !again.Revoked.Equal(revoked.Revoked) || len(events(t, s)) != n {
		t.Errorf("second revoke: %+v %v (events %d→%d)", again, err, n, len(events(t, s)))
	}
	for _, id := range []string{"99", "x"} {
		if _, err := s.RevokeAPIKey(ctx, admin, id); !errors.Is(err, hostsync.ErrNotFound) {
			t.Errorf("revoke %q: %v, want hostsync.ErrNotFound", id, err)
		}
	}

	keys, err := s.ListAPIKeys(ctx)
	if err != nil || len(keys) != 2 || keys[0].ID != "1" || keys[1].ID != key2.ID || keys[0].Revoked.IsZero() || !keys[1].Revoked.IsZero() {
		t.Fatalf("ListAPIKeys = %+v, %v", keys, err)
	}
	var actions []string
	for _, e := range events(t, s) {
		actions = append(actions, e.Action+" "+e.ResourceID+" "+e.Detail)
	}
	want := `apikey.created 1 label "Azure AD",apikey.created 2 label "Azure AD 2",apikey.revoked 1 label "Azure AD"`
	if strings.Join(actions, ",") != want {
		t.Errorf("events %q\nwant   %q", strings.Join(actions, ","), want)
	}
}

func TestAdminToken(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	if has, err := s.HasAdminToken(ctx); err != nil || has {
		t.Fatalf("HasAdminToken on a new file = %v, %v", has, err)
	}
	if err := s.AuthenticateAdmin(ctx, "vha_x"); !errors.Is(err, hostsync.ErrUnauthorized) {
		t.Errorf("auth without a token: %v", err)
	}
	first, err := s.RotateAdminToken(ctx, hostsync.Actor{Kind: hostsync.ActorCLI})
	if err != nil || !strings.HasPrefix(first, "vha_") || len(first) != 4+43 {
		t.Fatalf("RotateAdminToken = %q, %v", first, err)
	}
	if has, _ := s.HasAdminToken(ctx); !has {
		t.Error("HasAdminToken false after rotate")
	}
	if err := s.AuthenticateAdmin(ctx, first); err != nil {
		t.Errorf("admin token rejected: %v", err)
	}
	if _, err := s.AuthenticateAPIKey(ctx, first); !errors.Is(err, hostsync.ErrUnauthorized) {
		t.Errorf("admin token accepted as an API key")
	}
	second, err := s.RotateAdminToken(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		secret string
		want   error
	}{
		{"new token", second, nil},
		{"old token", first, hostsync.ErrUnauthorized},
		{"truncated", second[:20], hostsync.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.AuthenticateAdmin(ctx, tt.secret); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if ev := lastEvent(t, s); ev.Action != "admintoken.rotated" || ev.Actor != "admin" || ev.Detail != "" {
		t.Errorf("event %+v", ev)
	}
}

// TestSecretsNeverStored searches every byte of the database files for the
// secrets and their hex hashes.
func TestSecretsNeverStored(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	secret, _ := mustCreateKey(t, s, "k")
	adminSecret, err := s.RotateAdminToken(ctx, hostsync.Actor{Kind: hostsync.ActorCLI})
	if err != nil {
		t.Fatal(err)
	}
	s.AuthenticateAPIKey(ctx, secret)
	s.RecordRejected(ctx, hostsync.RejectedCall{Remote: "10.0.0.1", Reason: "unknown or revoked API key"})
	var files []byte
	matches, _ := filepath.Glob(path + "*")
	for _, f := range matches {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b...)
	}
	if len(files) == 0 {
		t.Fatal("no database files read")
	}
	for _, sec := range []string{secret, adminSecret} {
		sum := sha256.Sum256([]byte(sec))
		for _, needle := range []string{sec, sec[8:], hex.EncodeToString(sum[:])} {
			if bytes.Contains(files, []byte(needle)) {
				t.Errorf("database files contain %q…", needle[:6])
			}
		}
	}
	for _, e := range events(t, s) {
		if strings.Contains(e.Detail, secret[8:]) || strings.Contains(e.Detail, adminSecret[8:]) {
			t.Errorf("event %s holds a secret", e.Action)
		}
	}
}

// TestKeysAcrossProcesses uses a second Store on the same file, as the CLI
// would be: its new key works here once keyCacheTTL (a second) has passed, and so does its revoke.
func TestKeysAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	cli, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if _, err := s.AuthenticateAPIKey(ctx, "vhs_nothing"); !errors.Is(err, hostsync.ErrUnauthorized) {
		t.Fatal(err) // this also fills s's cache before the key exists
	}
	secret, key, err := cli.CreateAPIKey(ctx, hostsync.Actor{Kind: hostsync.ActorCLI}, "from the CLI", hostsync.IdPAzureAD)
	if err != nil {
		t.Fatal(err)
	}
	// Whatever s read before is now older than keyCacheTTL: the next request must see the change.
	// (Sleeping the TTL, not timing a wait: on a loaded machine a timed wait is flaky.)
	time.Sleep(keyCacheTTL)
	if _, err := s.AuthenticateAPIKey(ctx, secret); err != nil {
		t.Fatalf("a key created by another process does not work %v later: %v", keyCacheTTL, err)
	}
	if _, err := cli.RevokeAPIKey(ctx, hostsync.Actor{Kind: hostsync.ActorCLI}, key.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(keyCacheTTL)
	if _, err := s.AuthenticateAPIKey(ctx, secret); !errors.Is(err, hostsync.ErrUnauthorized) {
		t.Errorf("a key revoked by another process still works %v later: %v", keyCacheTTL, err)
	}
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// storedLastUsed reads last_used from the file, bypassing the memory cache.
func storedLastUsed(t *testing.T, s *Store, id string) time.Time {
	t.Helper()
	var v *int64
	if err := s.r.QueryRow("SELECT last_used FROM api_keys WHERE id = ?", id).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v == nil {
		return time.Time{}
	}
	return time.UnixMilli(*v).UTC()
}

func TestLastUsedIsFlushedNotWrittenPerRequest(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hostsync.db")
	s, err := open(ctx, path, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	secret, key := mustCreateKey(t, s, "k")
	for range 50 {
		if _, err := s.AuthenticateAPIKey(ctx, secret); err != nil {
			t.Fatal(err)
		}
	}
	used, err := s.AuthenticateAPIKey(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if got := storedLastUsed(t, s, key.ID); !got.IsZero() {
		t.Errorf("last_used written at once (%v); want it kept in memory", got)
	}
	if keys, _ := s.ListAPIKeys(ctx); !keys[0].LastUsed.Equal(used.LastUsed) {
		t.Errorf("ListAPIKeys LastUsed %v, want the pending %v", keys[0].LastUsed, used.LastUsed)
	}
	waitFor(t, 3*time.Second, "the periodic flush", func() bool { return storedLastUsed(t, s, key.ID).Equal(used.LastUsed) })
	if n := len(events(t, s)); n != 1 {
		t.Errorf("%d events; the flush must not log", n)
	}
}

func TestCloseFlushesLastUsed(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hostsync.db")
	s, err := open(ctx, path, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	secret, key := mustCreateKey(t, s, "k")
	used, err := s.AuthenticateAPIKey(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	keys, err := s.ListAPIKeys(ctx)
	if err != nil || len(keys) != 1 || keys[0].ID != key.ID || !keys[0].LastUsed.Equal(used.LastUsed) {
		t.Errorf("after Close and reopen: %+v %v; want LastUsed %v", keys, err, used.LastUsed)
	}
}

// TestRecordRejected: a refusal is an auth.rejected event of the system,
// with what was refused in words; a minute's refusals of one source (the
// server aggregates them) are one entry; a path is kept capped.
func TestRecordRejected(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	s.RecordRejected(ctx, hostsync.RejectedCall{Remote: "10.0.0.9", Reason: "unknown or revoked API key"})
	s.RecordRejected(ctx, hostsync.RejectedCall{Remote: "10.0.0.8", Reason: "missing bearer token", Method: "GET",
		Path: "/" + strings.Repeat("x", 60_000), Count: 1240, Since: time.Now().Add(-time.Minute)})
	evs := events(t, s)
	if len(evs) != 2 || evs[0].Action != "auth.rejected" || evs[0].ResourceType != TypeAuth || evs[0].ResourceID != "10.0.0.9" ||
		evs[0].Detail != "unknown or revoked API key (from 10.0.0.9)" || evs[0].Actor != "system" {
		t.Fatalf("events %+v", evs)
	}
	if !strings.HasPrefix(evs[1].Detail, "1,240 refused calls from 10.0.0.8") || len(evs[1].Detail) > 400 {
		t.Errorf("aggregated entry %q (%d bytes)", evs[1].Detail[:min(len(evs[1].Detail), 80)], len(evs[1].Detail))
	}
	scim, _, err := s.LastRejected(ctx)
	if err != nil || scim == nil || len([]rune(scim.Path)) != hostsync.MaxRejectedPath {
		t.Errorf("last refusal kept a path of %d runes, %v", len([]rune(scim.Path)), err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	s.RecordRejected(cancelled, hostsync.RejectedCall{Remote: "x", Reason: "y"}) // must not panic or block; the entry may be lost
}

// TestKeyIdPs: every key's IdP is known from memory, a revoked key's too (its
// events and removals are still named by it), and a key made a moment ago at
// once; a revoked key still does not authenticate.
func TestKeyIdPs(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	_, azure := mustCreateKey(t, s, "Azure AD")
	oktaSecret, okta, err := s.CreateAPIKey(ctx, admin, "Okta", hostsync.IdPOkta)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateAPIKey(ctx, oktaSecret); err != nil { // fills the cache
		t.Fatal(err)
	}
	if _, err := s.RevokeAPIKey(ctx, admin, okta.ID); err != nil {
		t.Fatal(err)
	}
	_, one, err := s.CreateAPIKey(ctx, admin, "OneLogin", hostsync.IdPOneLogin)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.KeyIdPs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]hostsync.IdP{azure.ID: hostsync.IdPAzureAD, okta.ID: hostsync.IdPOkta, one.ID: hostsync.IdPOneLogin}
	if len(got) != len(want) {
		t.Errorf("KeyIdPs = %v, want %v", got, want)
	}
	for id, p := range want {
		if got[id] != p {
			t.Errorf("KeyIdPs[%s] = %q, want %q", id, got[id], p)
		}
	}
	if _, err := s.AuthenticateAPIKey(ctx, oktaSecret); !errors.Is(err, hostsync.ErrUnauthorized) {
		t.Errorf("the revoked key authenticates: %v", err)
	}
	before := s.keys.reloads.Load()
	for range 100 {
		if _, err := s.KeyIdPs(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.keys.reloads.Load() - before; n > 1 {
		t.Errorf("100 asks read the keys table %d times", n)
	}
}
