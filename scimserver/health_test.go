package scimserver

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"testing"
)

// probe calls a health endpoint the way a load balancer does: no credential.
func (e *env) probe(path string) (int, string) {
	e.t.Helper()
	res, err := e.srv.Client().Get(e.srv.URL + path)
	if err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestHealthEndpoints(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		path, body string
	}{{"/healthz", "ok\n"}, {"/readyz", "ready\n"}} {
		if status, body := e.probe(tc.path); status != http.StatusOK || body != tc.body {
			t.Errorf("GET %s = %d %q, want 200 %q", tc.path, status, body, tc.body)
		}
	}

	// A newer program migrated the database: this one must not take traffic.
	var v int
	ctx := context.Background()
	db := openRaw(t, e.db)
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	if status, body := e.probe("/readyz"); status != http.StatusServiceUnavailable || body != "unavailable\n" {
		t.Errorf("readyz on a newer schema = %d %q, want 503 \"unavailable\\n\"", status, body)
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		t.Fatal(err)
	}
	if status, _ := e.probe("/readyz"); status != http.StatusOK {
		t.Errorf("readyz once the schema is back: %d", status)
	}

	// The store is closed (the service is shutting down): not ready, still alive.
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	if status, _ := e.probe("/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("readyz on a closed store: %d, want 503", status)
	}
	if status, _ := e.probe("/healthz"); status != http.StatusOK {
		t.Errorf("healthz on a closed store: %d, want 200", status)
	}
}

// openRaw opens the service's database as another program would.
func openRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
