package mirror

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/visitly/hostsync"
	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// eventWhere is q as a WHERE clause and its arguments.
func eventWhere(q hostsync.EventFilter) (string, []any) {
	var conds []string
	var args []any
	add := func(c string, a any) { conds, args = append(conds, c), append(args, a) }
	if q.Action != "" {
		add("action = ?", q.Action)
	}
	if q.ResourceID != "" {
		add("resource_id = ?", q.ResourceID)
	}
	if q.UserName != "" {
		// user_name is NOCASE, so this range is served by its index; the
		// upper bound is the prefix followed by the highest code point.
		conds = append(conds, "user_name >= ? AND user_name < ?")
		args = append(args, q.UserName, q.UserName+"\U0010FFFF")
	}
	if w := wordsExpr(q.Host); w != "" {
		// The host's words are searched as the Hosts screen searches them, in the search index.
		add("resource_id IN (SELECT hosts.id FROM hosts WHERE hosts.rid IN (SELECT rowid FROM hosts_fts WHERE hosts_fts MATCH ?))", w)
	}
	if !q.From.IsZero() {
		add("at >= ?", sqlitedb.Millis(q.From))
	}
	if !q.To.IsZero() {
		add("at < ?", sqlitedb.Millis(q.To))
	}
	if q.SinceSeq > 0 {
		add("seq > ?", q.SinceSeq)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// eventIdP is an entry's IdP: as the service sent it, or, for an API key's
// entry mirrored before entries carried one (migrations/007_actor_idps.sql),
// the IdP of the host it is about: the key that created a host is most often
// the one that changes it. A single lookup by the hosts' unique id, made only
// for such rows among those read.
const eventIdP = `CASE WHEN events.idp = '' AND events.actor LIKE 'apikey:%' AND events.resource_type = 'User'
	THEN coalesce((SELECT h.idp FROM hosts h WHERE h.id = events.resource_id), '') ELSE events.idp END`

// Activity returns entries matching q, newest first.
func (m *Mirror) Activity(ctx context.Context, q hostsync.EventFilter) ([]hostsync.Event, error) {
	var out []hostsync.Event
	err := m.eachEvent(ctx, q, func(e *hostsync.Event) error {
		out = append(out, *e)
		return nil
	})
	return out, err
}

func (m *Mirror) eachEvent(ctx context.Context, q hostsync.EventFilter, fn func(*hostsync.Event) error) error {
	where, args := eventWhere(q)
	query := `SELECT seq, at, actor, actor_name, action, resource_type, resource_id, user_name, changes, detail, ` +
		eventIdP + ` FROM events` + where + " ORDER BY seq DESC"
	if q.Limit > 0 || q.Offset > 0 {
		limit := q.Limit
		if limit <= 0 {
			limit = -1
		}
		query += " LIMIT ? OFFSET ?"
		args = append(args, limit, max(q.Offset, 0))
	}
	rows, err := m.r.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("mirror: activity: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e hostsync.Event
		var at int64
		var changes string
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.ActorName, &e.Action, &e.ResourceType, &e.ResourceID,
			&e.UserName, &changes, &e.Detail, &e.IdP); err != nil {
			return fmt.Errorf("mirror: activity: %w", err)
		}
		e.At = sqlitedb.Time(at)
		if changes != "" {
			if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
				return fmt.Errorf("mirror: activity %d changes: %w", e.Seq, err)
			}
		}
		if err := fn(&e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("mirror: activity: %w", err)
	}
	return nil
}

// CountActivity returns how many entries match q (ignoring Offset and Limit).
func (m *Mirror) CountActivity(ctx context.Context, q hostsync.EventFilter) (int, error) {
	where, args := eventWhere(q)
	var n int
	if err := m.r.QueryRowContext(ctx, "SELECT count(*) FROM events"+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("mirror: count activity: %w", err)
	}
	return n, nil
}

// Actions lists the distinct actions present in the log, for a filter menu.
func (m *Mirror) Actions(ctx context.Context) ([]string, error) {
	rows, err := m.r.QueryContext(ctx, `SELECT DISTINCT action FROM events ORDER BY action`)
	if err != nil {
		return nil, fmt.Errorf("mirror: actions: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("mirror: actions: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mirror: actions: %w", err)
	}
	return out, nil
}
