package mirror

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/visitly/hostsync"
	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// hostWriter writes hosts in one Apply transaction: the host row, its SCIM
// resource (a table of its own, see migrations/005_host_resources.sql) and,
// outside a bulk load, the search index. It keeps the search index itself
// rather than through triggers, and writes with plain INSERTs and UPDATEs
// rather than an upsert with RETURNING: a trigger (RETURNING is one inside
// SQLite) makes each statement one that SQLite may have to undo, so it kept
// a statement journal, and the search index wrote its pending terms to disk
// after every row instead of once per transaction.
type hostWriter struct {
	bulk                                         bool
	held, insert, update, resource, index, unset *sql.Stmt
	stmts                                        []*sql.Stmt
}

const hostValues = `seq, state, user_name, external_id, display_name, email, department, title, active, created,
	modified, deactivated_at, deactivated_by, deleted_at, deleted_by, removed_how, removed_at, restored_at, restored_by, idp,
	deactivated_by_name, deleted_by_name`

func newHostWriter(ctx context.Context, tx *sql.Tx) (*hostWriter, error) {
	w := &hostWriter{}
	if err := tx.QueryRowContext(ctx, bulkUnderWay).Scan(&w.bulk); err != nil {
		return nil, err
	}
	var err error
	prepare := func(q string) (st *sql.Stmt) {
		if err == nil {
			if st, err = tx.PrepareContext(ctx, q); err == nil {
				w.stmts = append(w.stmts, st)
			}
		}
		return st
	}
	w.held = prepare(`SELECT rid, seq, display_name, user_name, email, department, external_id, state FROM hosts WHERE id = ?`)
	w.insert = prepare(`INSERT INTO hosts(id, ` + hostValues + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`)
	w.update = prepare(`UPDATE hosts SET (` + hostValues + `) =
		(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) WHERE rid = ?`)
	w.resource = prepare(`INSERT INTO host_resources(rid, resource) VALUES (?, ?)
		ON CONFLICT(rid) DO UPDATE SET resource = excluded.resource`)
	if !w.bulk {
		w.index = prepare(`INSERT INTO hosts_fts(rowid, display_name, user_name, email, department, external_id, state)
			VALUES (?, ?, ?, ?, ?, ?, ?)`)
		w.unset = prepare(`INSERT INTO hosts_fts(hosts_fts, rowid, display_name, user_name, email, department, external_id, state)
			VALUES ('delete', ?, ?, ?, ?, ?, ?, ?)`)
	}
	if err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *hostWriter) close() {
	for _, st := range w.stmts {
		st.Close()
	}
}

// searchRow is what the search index holds of a host.
type searchRow struct {
	displayName, userName, email, department, externalID, state string
}

func (r *searchRow) args(rid int64) []any {
	return []any{rid, r.displayName, r.userName, r.email, r.department, r.externalID, r.state}
}

// heldRow reads the row held for id, if any.
func (w *hostWriter) heldRow(ctx context.Context, id string) (rid, seq int64, row searchRow, found bool, err error) {
	err = w.held.QueryRowContext(ctx, id).Scan(&rid, &seq, &row.displayName, &row.userName, &row.email,
		&row.department, &row.externalID, &row.state)
	if err == sql.ErrNoRows {
		return 0, 0, row, false, nil
	}
	return rid, seq, row, err == nil, err
}

// put writes h unless the mirror holds a newer state of it. department and
// title are read from its resource.
func (w *hostWriter) put(ctx context.Context, h *hostsync.Host, department, title string) error {
	values := []any{h.Seq, string(h.State), h.UserName, h.ExternalID, h.DisplayName, h.Email, department, title, h.Active,
		sqlitedb.Millis(h.Created), sqlitedb.Millis(h.Modified), sqlitedb.Millis(h.DeactivatedAt), h.DeactivatedBy, sqlitedb.Millis(h.DeletedAt), h.DeletedBy,
		h.RemovedHow, sqlitedb.Millis(h.RemovedAt()), sqlitedb.Millis(h.RestoredAt), h.RestoredBy, string(h.IdP),
		h.DeactivatedByName, h.DeletedByName}
	row := searchRow{h.DisplayName, h.UserName, h.Email, department, h.ExternalID, string(h.State)}
	var rid, seq int64
	var old searchRow
	found := false
	var err error
	if !w.bulk { // a bulk load into an empty table looks only when an insert collides
		if rid, seq, old, found, err = w.heldRow(ctx, h.ID); err != nil {
			return err
		}
	}
	if !found {
		r, err := w.insert.ExecContext(ctx, append([]any{h.ID}, values...)...)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n == 1 {
			rid, err = r.LastInsertId()
			if err != nil {
				return err
			}
		} else if rid, seq, old, found, err = w.heldRow(ctx, h.ID); err != nil {
			return err
		} else if !found {
			return errors.New("the insert collided, yet no row holds the id")
		}
	}
	if found {
		if seq > h.Seq {
			return nil // the mirror holds a newer state
		}
		if _, err := w.update.ExecContext(ctx, append(values, rid)...); err != nil {
			return err
		}
	}
	res := string(h.Resource)
	if res == "" {
		res = "{}"
	}
	if _, err := w.resource.ExecContext(ctx, rid, res); err != nil {
		return err
	}
	switch {
	case w.bulk || (found && old == row):
		return nil
	case found:
		if _, err := w.unset.ExecContext(ctx, old.args(rid)...); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
	}
	if _, err := w.index.ExecContext(ctx, row.args(rid)...); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	return nil
}
