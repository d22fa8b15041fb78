package hostdb

import (
	"context"
	"database/sql"
	"fmt"

	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// checkExactSchema reports whether db's tables, indexes, triggers and views
// are exactly, SQL included, those this program's migrations up to the
// file's user_version make. A file that only has the right version and
// table names may still lack what the service needs (it would not start)
// or carry more: a trigger written into a backup runs in the service on
// every write, e.g. to make a revoked key valid again. Errors name the file
// as name.
//
// It makes a shipped migration file unchangeable: a file made with an
// earlier text of it would no longer match. A change is a new migration.
func checkExactSchema(ctx context.Context, db *sql.DB, name string) error {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return &BadFileError{name, err.Error()}
	}
	want, err := schema.ObjectsAt(ctx, v)
	if err != nil {
		return fmt.Errorf("hostdb: schema %d: %w", v, err)
	}
	got, err := sqlitedb.Objects(ctx, db)
	if err != nil {
		return &BadFileError{name, err.Error()}
	}
	if diff := schemaDiff(want, got); diff != "" {
		return &BadFileError{name, fmt.Sprintf("not the schema this program made at version %d: %s", v, diff)}
	}
	return nil
}

// schemaDiff says how got differs from want, one difference (extra objects
// first, the likelier sign of tampering), or "" when they are the same.
func schemaDiff(want, got []sqlitedb.Object) string {
	wanted := make(map[string]sqlitedb.Object, len(want))
	for _, o := range want {
		wanted[o.String()] = o
	}
	have := make(map[string]bool, len(got))
	for _, o := range got {
		have[o.String()] = true
		w, ok := wanted[o.String()]
		switch {
		case !ok:
			return "it has an extra " + o.String()
		case w != o:
			return o.String() + " is not defined as this program defines it"
		}
	}
	for _, o := range want {
		if !have[o.String()] {
			return o.String() + " is missing"
		}
	}
	return ""
}
