package main

import (
	"context"
	"flag"
	"os"

	"github.com/visitly/hostsync/service"
)

// dbFlag defines --db, whose default is $VISITLY_DB: a SQLite file or a
// PostgreSQL URL, in every command that opens the database.
func dbFlag(fs *flag.FlagSet, db *string) {
	fs.StringVar(db, "db", os.Getenv(service.EnvDB),
		"the database: a SQLite file (created if missing) or a postgres:// URL (default $"+service.EnvDB+")")
}

// notOnPostgres refuses a file operation (backup, restore) on a PostgreSQL
// database with what to use instead.
func notOnPostgres(cmd, db string) error {
	if !service.IsPostgres(db) {
		return nil
	}
	return &hint{cmd + " works on a SQLite file; " + service.Redacted(db) +
		" is a PostgreSQL database: back it up with pg_dump (or your provider's backups and point-in-time restore) and restore with pg_restore",
		service.ErrNotSQLite}
}

// openStore opens db for an offline command.
func openStore(ctx context.Context, db string) (service.Store, error) {
	svc, err := service.Open(ctx, db, service.Options{HostCacheLimit: 0})
	if err != nil {
		return nil, err
	}
	return svc.Store(), nil
}
