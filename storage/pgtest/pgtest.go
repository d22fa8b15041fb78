// Package pgtest gives tests a fresh PostgreSQL database of their own on the
// server scripts/with-postgres.sh starts (VISITLY_TEST_POSTGRES), so that
// every store test runs against a real PostgreSQL, in parallel, from empty.
package pgtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable that holds the URL of a database on the test
// server whose user may create databases.
const EnvURL = "VISITLY_TEST_POSTGRES"

// Available reports whether a test server is configured.
func Available() bool { return os.Getenv(EnvURL) != "" }

// Database creates an empty database for t, dropped when t ends, and
// returns its URL. Without a server it skips t, except under CI, where a
// missing server is a failure: CI must never pass by skipping PostgreSQL.
func Database(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvURL)
	if admin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: run the tests through scripts/with-postgres.sh (scripts/test.sh does)", EnvURL)
		}
		t.Skipf("no PostgreSQL: set %s or run scripts/with-postgres.sh go test …", EnvURL)
	}
	var b [6]byte
	rand.Read(b[:])
	name := fmt.Sprintf("visitly_test_%x", b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", EnvURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("pgtest: connect to drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String()
}
