package service_test

import (
	"path/filepath"
	"testing"

	"github.com/visitly/hostsync/storage/pgtest"
	"github.com/visitly/hostsync/storage/storetest"
)

// TestSQLiteStore runs the store suite on a SQLite file.
func TestSQLiteStore(t *testing.T) {
	storetest.Run(t, func(t testing.TB) string { return filepath.Join(t.TempDir(), "hostsync.db") })
}

// TestPostgresStore runs the store suite on a real PostgreSQL (see
// scripts/with-postgres.sh), each test on a database of its own.
func TestPostgresStore(t *testing.T) {
	storetest.Run(t, pgtest.Database)
}
