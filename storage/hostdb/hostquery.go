package hostdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/visitly/hostsync"
)

// hostCond translates c into SQL; ok is false for a condition nothing can
// satisfy (an unknown field or an active value other than true/false).
func hostCond(c hostsync.Cond) (clause string, arg any, ok bool) {
	switch c.Field {
	case hostsync.FieldID:
		return "id = ?", c.Value, true
	case hostsync.FieldUserName:
		return "user_name_key = ?", userNameKey(c.Value), true
	case hostsync.FieldExternalID:
		return "external_id = ?", c.Value, true
	case hostsync.FieldDisplayName:
		return "display_name_key = ?", strings.ToLower(c.Value), true
	case hostsync.FieldEmail:
		return "email_key = ?", strings.ToLower(c.Value), true
	case hostsync.FieldActive:
		// Live hosts only, so active maps onto the state index.
		switch strings.ToLower(c.Value) {
		case "true":
			return "state = ?", StateActive, true
		case "false":
			return "state = ?", StateDeactivated, true
		}
	}
	return "", nil, false
}

// QueryHosts returns one page of the live hosts that satisfy q, and how many
// do in all. Without Match the page and the total come from indexes (the
// total is counted only when the page does not tell it); with Match every
// host satisfying Conds is read once.
func (s *Store) QueryHosts(ctx context.Context, q hostsync.LiveHostQuery) (hosts []*hostsync.HostRecord, total int, err error) {
	offset := max(q.StartIndex, 1) - 1
	if hosts, total, ok := s.queryCached(q, offset); ok {
		return hosts, total, nil
	}
	where := []string{"deleted_at IS NULL"}
	var args []any
	for _, c := range q.Conds {
		clause, arg, ok := hostCond(c)
		if !ok {
			return nil, 0, nil
		}
		where = append(where, clause)
		args = append(args, arg)
	}
	w := strings.Join(where, " AND ")
	switch {
	case q.Match != nil:
		hosts, total, err = s.matchHosts(ctx, w, args, q.Match, offset, q.Count)
	case len(q.Conds) == 0:
		hosts, total, err = s.pageLive(ctx, offset, q.Count)
	default:
		hosts, total, err = s.pageHosts(ctx, w, args, offset, q.Count)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("hostdb: query hosts: %w", err)
	}
	return hosts, total, nil
}

func (s *Store) pageHosts(ctx context.Context, where string, args []any, offset, count int) ([]*hostsync.HostRecord, int, error) {
	var hosts []*hostsync.HostRecord
	if count > 0 {
		query := "SELECT " + hostColumns + " FROM hosts WHERE " + where + " ORDER BY n LIMIT ? OFFSET ?"
		if offset > 0 {
			// The inner select walks only a covering index, so a large
			// OFFSET skips index entries, not table rows.
			query = "SELECT " + hostColumns + " FROM hosts WHERE n IN (SELECT n FROM hosts WHERE " +
				where + " ORDER BY n LIMIT ? OFFSET ?) ORDER BY n"
		}
		var err error
		if hosts, err = s.queryHostRows(ctx, query, append(args, count, offset)...); err != nil {
			return nil, 0, err
		}
		if len(hosts) > 0 && len(hosts) < count || offset == 0 && len(hosts) == 0 {
			return hosts, offset + len(hosts), nil // a short page tells the total
		}
	}
	total, err := s.countRows(ctx, "SELECT count(*) FROM hosts WHERE "+where, args...)
	if err != nil {
		return nil, 0, err
	}
	// A write between the two statements could make the count stale; never
	// report fewer than this page shows.
	if len(hosts) > 0 {
		total = max(total, offset+len(hosts))
	}
	return hosts, total, nil
}

func (s *Store) matchHosts(ctx context.Context, where string, args []any, match func(*hostsync.HostRecord) bool, offset, count int) ([]*hostsync.HostRecord, int, error) {
	rows, closeStmt, err := s.dynamicQuery(ctx, "SELECT "+hostColumns+" FROM hosts WHERE "+where+" ORDER BY n", args...)
	if err != nil {
		return nil, 0, err
	}
	defer closeStmt()
	defer rows.Close()
	var hosts []*hostsync.HostRecord
	total := 0
	for rows.Next() {
		_, h, err := scanHost(rows)
		if err != nil {
			return nil, 0, err
		}
		if !match(h) {
			continue
		}
		total++
		if total > offset && len(hosts) < count {
			hosts = append(hosts, h)
		}
	}
	return hosts, total, rows.Err()
}

// AdminHosts pages through hosts in every state, in creation order. state is
// active, deactivated, deleted, removed (deactivated and deleted) or all.
// count 0 returns only the total.
func (s *Store) AdminHosts(ctx context.Context, state hostsync.State, startIndex, count int) ([]*hostsync.HostRecord, int, error) {
	var where string
	var args []any
	// The terms repeat the partial indexes' conditions word for word, which
	// is how SQLite knows it may use them.
	switch state {
	case StateActive:
		where, args = "deleted_at IS NULL AND state = ?", []any{string(state)}
	case StateDeactivated, StateDeleted:
		where, args = "state <> 'active' AND state = ?", []any{string(state)}
	case hostsync.StateRemoved:
		where = "state <> 'active'"
	case hostsync.StateAll, "":
		where = "1"
	default:
		return nil, 0, fmt.Errorf("hostdb: unknown host state %q", state)
	}
	offset := max(startIndex, 1) - 1
	var hosts []*hostsync.HostRecord
	var total int
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM hosts WHERE "+where, args...).Scan(&total); err != nil {
			return err
		}
		if count <= 0 {
			return nil
		}
		rows, err := tx.QueryContext(ctx, "SELECT "+hostColumns+" FROM hosts WHERE n IN (SELECT n FROM hosts WHERE "+
			where+" ORDER BY n LIMIT ? OFFSET ?) ORDER BY n", append(args, count, offset)...)
		if err != nil {
			return err
		}
		hosts, err = collectHosts(rows)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("hostdb: admin hosts: %w", err)
	}
	return hosts, total, nil
}

func (s *Store) queryHostRows(ctx context.Context, query string, args ...any) ([]*hostsync.HostRecord, error) {
	rows, closeStmt, err := s.dynamicQuery(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer closeStmt()
	return collectHosts(rows)
}

func collectHosts(rows *sql.Rows) ([]*hostsync.HostRecord, error) {
	defer rows.Close()
	var hosts []*hostsync.HostRecord
	for rows.Next() {
		_, h, err := scanHost(rows)
		if err != nil {
			return nil, err
		}
		hosts = append(hosts, h)
	}
	return hosts, rows.Err()
}

func (s *Store) countRows(ctx context.Context, query string, args ...any) (int, error) {
	rows, closeStmt, err := s.dynamicQuery(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	defer closeStmt()
	defer rows.Close()
	n := 0
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, err
		}
	}
	return n, rows.Err()
}

// dynamicQuery runs a generated query through the statement cache; the
// returned func releases an uncached statement after the rows are closed.
func (s *Store) dynamicQuery(ctx context.Context, query string, args ...any) (*sql.Rows, func(), error) {
	stmt, cached, err := s.stmts.query(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	release := func() {
		if !cached {
			stmt.Close()
		}
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		release()
		return nil, nil, err
	}
	return rows, release, nil
}
