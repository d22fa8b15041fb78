package scimserver

import (
	"context"
	"testing"

	"github.com/visitly/hostsync/storage/pgstore"
	"github.com/visitly/hostsync/storage/pgtest"
)

// postgresStore is a fresh database of its own on the test PostgreSQL
// (scripts/with-postgres.sh).
var postgresStore = storeKind{"postgres", func(t testing.TB) (testStore, string) {
	db := pgtest.Database(t)
	st, err := pgstore.Open(context.Background(), db)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	return st, db
}}
