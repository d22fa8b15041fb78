package sqlitedb

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
)

// Object is one row of a database's sqlite_schema: a table, index, trigger
// or view with the SQL that made it (empty for the indexes SQLite makes for
// UNIQUE and PRIMARY KEY constraints).
type Object struct {
	Type, Name, Table, SQL string
}

func (o Object) String() string { return o.Type + " " + o.Name }

// Querier is a *sql.DB, *sql.Conn or *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Objects returns every object of db's main schema, sorted by type and name.
func Objects(ctx context.Context, db Querier) ([]Object, error) {
	rows, err := db.QueryContext(ctx, `SELECT type, name, tbl_name, coalesce(sql, '')
		FROM sqlite_schema ORDER BY type, name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var objs []Object
	for rows.Next() {
		var o Object
		if err := rows.Scan(&o.Type, &o.Name, &o.Table, &o.SQL); err != nil {
			return nil, err
		}
		objs = append(objs, o)
	}
	return objs, rows.Err()
}

// ObjectsAt returns the objects a file has after the schema's migrations up
// to version v ran on it, and nothing else: what a file at user_version v
// must hold exactly. They are read from a database built for the purpose in
// a temporary folder, so that the SQL is SQLite's own text of the
// migrations (ALTER TABLE rewrites the CREATE TABLE it changes).
func (s Schema) ObjectsAt(ctx context.Context, v int) ([]Object, error) {
	ms, err := s.migrations()
	if err != nil {
		return nil, err
	}
	if v < 1 || v > len(ms) {
		return nil, fmt.Errorf("sqlite: no schema version %d (this program knows 1 to %d)", v, len(ms))
	}
	dir, err := os.MkdirTemp("", "visitly-schema-*")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	defer os.RemoveAll(dir)
	dsn, err := DSN(filepath.Join(dir, "schema.db"), SurvivesCrash)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := apply(ctx, db, ms[:v]); err != nil {
		return nil, err
	}
	return Objects(ctx, db)
}
