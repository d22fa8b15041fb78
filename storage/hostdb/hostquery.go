package hostdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/visitly/hostsync"
)

// Field is an indexed field a query condition can test.
type Field int

// Indexed fields. userName, displayName and email compare case-insensitively,
// externalId and id exactly; FieldActive takes "true" or "false".
const (
	FieldID Field = iota
	FieldUserName
	FieldExternalID
	FieldDisplayName
	FieldEmail
	FieldActive
)

// Cond is an equality condition on an indexed field.
type Cond struct {
	Field Field
	Value string
}

// HostQuery selects live hosts in creation order.
type HostQuery struct {
	Conds      []Cond           // all must hold; served by indexes
	Match      func(*Host) bool // residual predicate after Conds; nil = all
	StartIndex int              // 1-based; < 1 means 1
	Count      int              // page size; 0 = count only
}

// hostCond translates c into SQL; ok is false for a condition nothing can
// satisfy (an unknown field or an active value other than true/false).
func hostCond(c Cond) (clause string, arg any, ok bool) {
	switch c.Field {
	case FieldID:
		return "id = ?", c.Value, true
	case FieldUserName:
		return "user_name_key = ?", userNameKey(c.Value), true
	case FieldExternalID:
		return "external_id = ?", c.Value, true
	case FieldDisplayName:
		return "display_name_key = ?", strings.ToLower(c.Value), true
	case FieldEmail:
		return "email_key = ?", strings.ToLower(c.Value), true
	case FieldActive:
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
func (s *Store) QueryHosts(ctx context.Context, q HostQuery) (hosts []*Host, total int, err error) {
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

func (s *Store) pageHosts(ctx context.Context, where string, args []any, offset, count int) ([]*Host, int, error) {
	var hosts []*Host
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

func (s *Store) matchHosts(ctx context.Context, where string, args []any, match func(*Host) bool, offset, count int) ([]*Host, int, error) {
	rows, closeStmt, err := s.dynamicQuery(ctx, "SELECT "+hostColumns+" FROM hosts WHERE "+where+" ORDER BY n", args...)
	if err != nil {
		return nil, 0, err
	}
	defer closeStmt()
	defer rows.Close()
	var hosts []*Host
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
func (s *Store) AdminHosts(ctx context.Context, state string, startIndex, count int) ([]*Host, int, error) {
	var where string
	var args []any
	// The terms repeat the partial indexes' conditions word for word, which
	// is how SQLite knows it may use them.
	switch state {
	case StateActive:
		where, args = "deleted_at IS NULL AND state = ?", []any{state}
	case StateDeactivated, StateDeleted:
		where, args = "state <> 'active' AND state = ?", []any{state}
	case string(hostsync.StateRemoved):
		where = "state <> 'active'"
	case string(hostsync.StateAll), "":
		where = "1"
	default:
		return nil, 0, fmt.Errorf("hostdb: unknown host state %q", state)
	}
	offset := max(startIndex, 1) - 1
	var hosts []*Host
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

func (s *Store) queryHostRows(ctx context.Context, query string, args ...any) ([]*Host, error) {
	rows, closeStmt, err := s.dynamicQuery(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer closeStmt()
	return collectHosts(rows)
}

func collectHosts(rows *sql.Rows) ([]*Host, error) {
	defer rows.Close()
	var hosts []*Host
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
