package mirror

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// A first sync into an empty mirror is a bulk load: it writes the hosts
// without their sort indexes and without updating the search index, then
// builds the indexes and the search index once, which is several times
// cheaper than maintaining them row by row. The sync_state row keyFTSBulk
// marks a bulk load under way, so that one interrupted resumes as one.

// sortIndexes serve the state filter and the sorts of the Hosts tables with
// one index walk (the tables page by offset): by state and column for one
// state, by column alone for "all". Other columns sort the matching rows on
// demand.
var sortIndexes = []string{
	"hosts_state_display ON hosts(state, display_name)",
	"hosts_state_user ON hosts(state, user_name)",
	"hosts_state_modified ON hosts(state, modified)",
	"hosts_state_removed ON hosts(state, removed_at)",
	"hosts_display ON hosts(display_name)",
	"hosts_user ON hosts(user_name)",
	"hosts_modified ON hosts(modified)",
}

// bulkUnderWay reads whether a bulk load is under way.
const bulkUnderWay = `SELECT EXISTS (SELECT 1 FROM sync_state WHERE name = '` + keyFTSBulk + `')`

// dropSortIndexes drops the sort indexes.
func dropSortIndexes(ctx context.Context, tx *sql.Tx) error {
	for _, ix := range sortIndexes {
		name, _, _ := strings.Cut(ix, " ")
		if _, err := tx.ExecContext(ctx, "DROP INDEX IF EXISTS "+name); err != nil {
			return fmt.Errorf("mirror: bulk: %w", err)
		}
	}
	return nil
}

// createSortIndexes creates the sort indexes that are missing.
func createSortIndexes(ctx context.Context, tx *sql.Tx) error {
	for _, ix := range sortIndexes {
		if _, err := tx.ExecContext(ctx, "CREATE INDEX IF NOT EXISTS "+ix); err != nil {
			return fmt.Errorf("mirror: create index: %w", err)
		}
	}
	return nil
}

// ensureSortIndexes creates missing sort indexes unless a bulk load is under way
// (its sync creates them when it completes).
func ensureSortIndexes(ctx context.Context, db *sql.DB) error {
	var bulk bool
	if err := db.QueryRowContext(ctx, bulkUnderWay).Scan(&bulk); err != nil {
		return fmt.Errorf("mirror: indexes: %w", err)
	}
	if bulk {
		return nil
	}
	var have int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'hosts'
		AND sql IS NOT NULL`).Scan(&have); err != nil {
		return fmt.Errorf("mirror: indexes: %w", err)
	}
	if have >= len(sortIndexes) {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mirror: indexes: %w", err)
	}
	defer tx.Rollback()
	if err := createSortIndexes(ctx, tx); err != nil {
		return err
	}
	// Indexes made here (a migration rebuilt the table) get statistics too.
	if _, err := tx.ExecContext(ctx, `ANALYZE hosts`); err != nil {
		return fmt.Errorf("mirror: analyze: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mirror: indexes: %w", err)
	}
	return nil
}

// beginBulk starts a bulk load into an empty mirror, or reports that an
// interrupted one is to be resumed.
func (m *Mirror) beginBulk(ctx context.Context) (bool, error) {
	var bulk bool
	if err := m.w.QueryRowContext(ctx, `SELECT (`+bulkUnderWay+`) OR NOT EXISTS (SELECT 1 FROM hosts)`).Scan(&bulk); err != nil {
		return false, fmt.Errorf("mirror: bulk: %w", err)
	}
	if !bulk { // hosts and no bulk load under way: an incremental sync
		return false, nil
	}
	tx, err := m.w.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("mirror: bulk: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO sync_state(name, value) VALUES (?, 1)`, keyFTSBulk); err != nil {
		return false, fmt.Errorf("mirror: bulk: %w", err)
	}
	if err := dropSortIndexes(ctx, tx); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("mirror: bulk: %w", err)
	}
	return true, nil
}

// endBulk rebuilds the search index from the hosts table, creates the sort
// indexes and ends the bulk load, in one transaction.
func (m *Mirror) endBulk(ctx context.Context) error {
	tx, err := m.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mirror: rebuild search index: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO hosts_fts(hosts_fts) VALUES ('rebuild')`); err != nil {
		return fmt.Errorf("mirror: rebuild search index: %w", err)
	}
	if err := createSortIndexes(ctx, tx); err != nil {
		return err
	}
	// Statistics let the planner drive a narrow search from the search index
	// and a broad one from a sort index; analysis_limit (in the DSN) keeps
	// this to a sample.
	if _, err := tx.ExecContext(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("mirror: analyze: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sync_state WHERE name = ?`, keyFTSBulk); err != nil {
		return fmt.Errorf("mirror: rebuild search index: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mirror: rebuild search index: %w", err)
	}
	return nil
}
