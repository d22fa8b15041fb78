package mirror

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/visitly/hostsync"
	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// Names of the rows of sync_state.
const (
	keyChangesCursor  = "changes_cursor"
	keyActivityCursor = "activity_cursor"
	keyLastSync       = "last_sync"
	keyFTSBulk        = "fts_bulk" // set while a first sync bulk-loads (see bulk.go)
)

// Batch is what one Apply commits at once: changed hosts and groups in their
// latest state, new events, and the cursors reached by reading them.
type Batch struct {
	Hosts  []hostsync.Host
	Groups []hostsync.Group
	Events []hostsync.Event
	// ChangesCursor and ActivityCursor are stored when greater than the stored
	// ones (cursors never go back); 0 leaves them as they are.
	ChangesCursor  int64
	ActivityCursor int64

	// derived says Hosts' Department and Title are already read from their
	// resources (Sync does it while the previous page is being written).
	derived bool
}

// Apply commits a batch in one transaction. It is idempotent: a host or group
// older (by seq) than the stored one is ignored and an event already held is
// skipped, so replaying a page after a crash changes nothing.
func (m *Mirror) Apply(ctx context.Context, b Batch) (err error) {
	defer func() {
		// A cancelled context rolls the transaction back under a running
		// statement, which then fails as "statement is closed": say why.
		if err != nil && ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("mirror: apply: %w", context.Cause(ctx))
		}
	}()
	tx, err := m.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mirror: apply: %w", err)
	}
	defer tx.Rollback()
	// The transaction still ends with ctx (database/sql rolls it back when
	// ctx is done), but its row-by-row statements do not watch ctx each: the
	// driver would start a goroutine per statement to do so.
	rowCtx := context.WithoutCancel(ctx)
	if err := applyHosts(rowCtx, tx, b.Hosts, b.derived); err != nil {
		return fmt.Errorf("mirror: apply hosts: %w", err)
	}
	if err := applyGroups(rowCtx, tx, b.Groups); err != nil {
		return fmt.Errorf("mirror: apply groups: %w", err)
	}
	if err := applyEvents(rowCtx, tx, b.Events); err != nil {
		return fmt.Errorf("mirror: apply events: %w", err)
	}
	for _, c := range []struct {
		key string
		v   int64
	}{{keyChangesCursor, b.ChangesCursor}, {keyActivityCursor, b.ActivityCursor}} {
		if c.v <= 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_state(name, value) VALUES (?, ?)
			ON CONFLICT(name) DO UPDATE SET value = excluded.value WHERE excluded.value > sync_state.value`,
			c.key, c.v); err != nil {
			return fmt.Errorf("mirror: apply cursor: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mirror: apply: %w", err)
	}
	return nil
}

func applyHosts(ctx context.Context, tx *sql.Tx, hosts []hostsync.Host, derived bool) error {
	if len(hosts) == 0 {
		return nil
	}
	w, err := newHostWriter(ctx, tx)
	if err != nil {
		return err
	}
	defer w.close()
	for i := range hosts {
		h := &hosts[i]
		if h.ID == "" {
			return fmt.Errorf("host without id at seq %d", h.Seq)
		}
		dept, title := h.Department, h.Title
		if !derived {
			dept, title = resourceFields(h.Resource)
		}
		if err := w.put(ctx, h, dept, title); err != nil {
			return fmt.Errorf("host %s: %w", h.ID, err)
		}
	}
	return nil
}

func applyGroups(ctx context.Context, tx *sql.Tx, groups []hostsync.Group) error {
	for i := range groups {
		g := &groups[i]
		r, err := tx.ExecContext(ctx, `INSERT INTO groups(id, seq, display_name, external_id, created, modified, deleted_at, deleted_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, display_name = excluded.display_name,
				external_id = excluded.external_id, created = excluded.created, modified = excluded.modified,
				deleted_at = excluded.deleted_at, deleted_by = excluded.deleted_by
			WHERE excluded.seq >= groups.seq`,
			g.ID, g.Seq, g.DisplayName, g.ExternalID, sqlitedb.Millis(g.Created), sqlitedb.Millis(g.Modified), sqlitedb.Millis(g.DeletedAt), g.DeletedBy)
		if err != nil {
			return fmt.Errorf("group %s: %w", g.ID, err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			continue // an older state than the one held: keep the held members too
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE group_id = ?`, g.ID); err != nil {
			return fmt.Errorf("group %s: %w", g.ID, err)
		}
		for pos, hostID := range g.Members {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO memberships(group_id, host_id, pos) VALUES (?, ?, ?)`,
				g.ID, hostID, pos); err != nil {
				return fmt.Errorf("group %s: %w", g.ID, err)
			}
		}
	}
	return nil
}

func applyEvents(ctx context.Context, tx *sql.Tx, events []hostsync.Event) error {
	if len(events) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO events(seq, at, actor, actor_name, action,
		resource_type, resource_id, user_name, changes, detail, idp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for i := range events {
		e := &events[i]
		changes := ""
		if len(e.Changes) > 0 {
			b, err := json.Marshal(e.Changes)
			if err != nil {
				return fmt.Errorf("event %d: %w", e.Seq, err)
			}
			changes = string(b)
		}
		if _, err := st.ExecContext(ctx, e.Seq, sqlitedb.Millis(e.At), e.Actor, e.ActorName, e.Action, e.ResourceType,
			e.ResourceID, e.UserName, changes, e.Detail, string(e.IdP)); err != nil {
			return fmt.Errorf("event %d: %w", e.Seq, err)
		}
	}
	return nil
}

// enterpriseURN is the SCIM enterprise extension, where department lives.
const enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// resourceFields reads the two table columns that only the SCIM resource
// carries. A resource that does not decode just leaves them empty: the
// mirror keeps what the service sent either way.
func resourceFields(res json.RawMessage) (department, title string) {
	if len(res) == 0 {
		return "", ""
	}
	var r struct {
		Title      string `json:"title"`
		Enterprise struct {
			Department string `json:"department"`
		} `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
	}
	if json.Unmarshal(res, &r) != nil {
		return "", ""
	}
	return r.Enterprise.Department, r.Title
}

// Cursors returns the stored change-feed and activity cursors (0 before the
// first sync).
func (m *Mirror) Cursors(ctx context.Context) (changes, activity int64, err error) {
	rows, err := m.r.QueryContext(ctx, `SELECT name, value FROM sync_state WHERE name IN (?, ?)`,
		keyChangesCursor, keyActivityCursor)
	if err != nil {
		return 0, 0, fmt.Errorf("mirror: cursors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var v int64
		if err := rows.Scan(&name, &v); err != nil {
			return 0, 0, fmt.Errorf("mirror: cursors: %w", err)
		}
		if name == keyChangesCursor {
			changes = v
		} else {
			activity = v
		}
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("mirror: cursors: %w", err)
	}
	return changes, activity, nil
}

// LastSync is when the last complete sync finished (zero before the first),
// for the "mirror is N minutes old" banner.
func (m *Mirror) LastSync(ctx context.Context) (time.Time, error) {
	var v int64
	err := m.r.QueryRowContext(ctx, `SELECT value FROM sync_state WHERE name = ?`, keyLastSync).Scan(&v)
	if err == sql.ErrNoRows {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("mirror: last sync: %w", err)
	}
	return sqlitedb.Time(v), nil
}

func (m *Mirror) setLastSync(ctx context.Context, t time.Time) error {
	_, err := m.w.ExecContext(ctx, `INSERT INTO sync_state(name, value) VALUES (?, ?)
		ON CONFLICT(name) DO UPDATE SET value = excluded.value`, keyLastSync, sqlitedb.Millis(t))
	if err != nil {
		return fmt.Errorf("mirror: last sync: %w", err)
	}
	return nil
}
