package sqlitedb

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Schema is a database's embedded migrations: files NNN_name.sql in folder
// Dir of FS, where NNN is the PRAGMA user_version the file brings the
// database to (1, 2, 3… without gaps).
type Schema struct {
	FS  fs.FS
	Dir string
	// Create, when set, runs once on a new file (user_version 0) before the
	// first migration, outside any transaction: for settings that must come
	// before any table is written, such as page_size.
	Create func(ctx context.Context, db *sql.DB) error
	// Steps holds, by version, Go code run right after that version's SQL
	// file, in the same transaction: for what SQL cannot compute, such as
	// a column recomputed with a Go function. The file still exists (it
	// says what the step does), so versions keep counting files.
	Steps map[int]func(ctx context.Context, tx *sql.Tx) error
}

// migration is one NNN_name.sql file.
type migration struct {
	version int
	name    string
	sql     string
	step    func(ctx context.Context, tx *sql.Tx) error // Schema.Steps[version]
}

// migrations reads and checks the schema's files, in version order.
func (s Schema) migrations() ([]migration, error) {
	entries, err := fs.ReadDir(s.FS, s.Dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 || path.Ext(e.Name()) != ".sql" {
			return nil, fmt.Errorf("migration %q: want NNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(s.FS, path.Join(s.Dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b), step: s.Steps[v]})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := range ms {
		if ms[i].version != i+1 {
			return nil, fmt.Errorf("migration %q: versions must be 1, 2, 3… without gaps", ms[i].name)
		}
	}
	for v := range s.Steps {
		if v < 1 || v > len(ms) {
			return nil, fmt.Errorf("migration step %d has no NNN_name.sql file", v)
		}
	}
	return ms, nil
}

// Version is the schema's newest version: the PRAGMA user_version its last
// migration brings a file to.
func (s Schema) Version() (int, error) {
	ms, err := s.migrations()
	return len(ms), err
}

// migrate brings db up to the schema's newest version.
func (s Schema) migrate(ctx context.Context, db *sql.DB) error {
	ms, err := s.migrations()
	if err != nil {
		return err
	}
	if s.Create != nil {
		var v int
		if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if v == 0 {
			if err := s.Create(ctx, db); err != nil {
				return err
			}
		}
	}
	return apply(ctx, db, ms)
}

// apply applies every migration newer than the file's user_version, each in
// its own transaction together with its new user_version, and fails on a
// file newer than ms know.
func apply(ctx context.Context, db *sql.DB, ms []migration) error {
	for _, m := range ms {
		if err := applyOne(ctx, db, m); err != nil {
			return err
		}
	}
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v > len(ms) {
		return fmt.Errorf("schema version %d is newer than this program knows (%d)", v, len(ms))
	}
	return nil
}

// applyOne applies m unless the file is at its version already. The version
// is read inside the (immediate) transaction, so two processes opening a new
// file at once cannot both apply a step.
func applyOne(ctx context.Context, db *sql.DB, m migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if v >= m.version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if m.step != nil {
		if err := m.step(ctx, tx); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	// user_version lives in the file header and is part of the transaction.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	return nil
}
