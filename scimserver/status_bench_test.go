package scimserver

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/hostdb"
)

// BenchmarkAdminStatus is GET /v1/admin/status, which the console polls
// every few seconds, on 100,000 hosts and an activity log of 500,000
// entries. Azure AD's key made every change; Okta's key made none, so the
// first status after the upgrade reads the whole log backwards to know that
// (reported as upgrade-ms); after a restart, the first status reads the
// stored last changes and the log after them (first-ms); later ones read
// memory and small tables.
func BenchmarkAdminStatus(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "big.db")
	st, err := hostdb.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	azure, _, err := st.CreateAPIKey(ctx, hostsync.Actor{Kind: hostsync.ActorCLI}, "Azure AD", hostsync.IdPAzureAD)
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := st.CreateAPIKey(ctx, hostsync.Actor{Kind: hostsync.ActorCLI}, "Okta", hostsync.IdPOkta); err != nil {
		b.Fatal(err)
	}
	admin, err := st.RotateAdminToken(ctx, hostsync.Actor{Kind: hostsync.ActorCLI})
	if err != nil {
		b.Fatal(err)
	}
	st.Close()
	fillBig(b, path)

	st, err = hostdb.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	c := &http.Client{}
	srv := httptest.NewServer(New(st, Options{}))
	start := time.Now()
	benchDo(b, c, "GET", srv.URL+AdminBasePath+"/status", admin, "", http.StatusOK)
	upgrade := time.Since(start)
	srv.Close()
	st.Close()

	st, err = hostdb.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	srv = httptest.NewServer(New(st, Options{}))
	defer srv.Close()
	start = time.Now()
	benchDo(b, c, "GET", srv.URL+AdminBasePath+"/status", admin, "", http.StatusOK)
	first := time.Since(start)
	benchDo(b, c, "GET", srv.URL+SCIMBasePath+"/Users?count=1", azure, "", http.StatusOK)
	b.ResetTimer()
	for b.Loop() {
		benchDo(b, c, "GET", srv.URL+AdminBasePath+"/status", admin, "", http.StatusOK)
	}
	b.ReportMetric(float64(upgrade.Microseconds())/1000, "upgrade-ms")
	b.ReportMetric(float64(first.Microseconds())/1000, "first-ms")
}

// fillBig writes 100,000 hosts and 500,000 activity entries (each host's
// creation and four updates, all by key 1) straight into the file.
func fillBig(b *testing.B, path string) {
	b.Helper()
	// The "sqlite" driver is registered by storage/hostdb's.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 500000)
		INSERT INTO activity (at, actor, actor_name, action, resource_type, resource_id, user_name)
		SELECT 1700000000000 + i, 'apikey:1', 'Azure AD (key #1)', CASE WHEN i <= 100000 THEN 'host.created' ELSE 'host.updated' END,
			'User', printf('h-%06d', (i - 1) % 100000 + 1), printf('user%d@contoso.example', (i - 1) % 100000 + 1) FROM c`,
		`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100000)
		INSERT INTO hosts (id, seq, state, user_name, user_name_key, display_name, display_name_key, email, email_key,
			active, attrs, created, modified, idp)
		SELECT printf('h-%06d', i), 400000 + i, 'active', printf('user%d@contoso.example', i), printf('user%d@contoso.example', i),
			printf('User %d', i), printf('user %d', i), printf('user%d@contoso.example', i), printf('user%d@contoso.example', i),
			1, printf('{"userName":"user%d@contoso.example"}', i), 1700000000000, 1700000000000, 'azuread' FROM c`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
}
