package hostdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/visitly/hostsync"
	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// Resource types of events.
const (
	TypeUser    = hostsync.ResourceUser
	TypeGroup   = hostsync.ResourceGroup
	TypeKey     = hostsync.ResourceKey
	TypeAuth    = hostsync.ResourceAuth
	TypeConsole = hostsync.ResourceConsole
)

const (
	defaultActivityLimit = 500
	maxActivityLimit     = 5000
)

// Activity returns the events after q.Since in seq order.
func (s *Store) Activity(ctx context.Context, q hostsync.ActivityQuery) ([]hostsync.Event, error) {
	p, err := s.ActivityPage(ctx, q)
	return p.Events, err
}

// ActivityPage is Activity as a page of the feed the console's mirror
// follows: its cursor is the last event's seq (q.Since when none), and More
// tells whether more events follow (one row past the limit is read for that).
// Here seq order is commit order: one writer takes the seqs.
func (s *Store) ActivityPage(ctx context.Context, q hostsync.ActivityQuery) (hostsync.ActivityPage, error) {
	evs, more, err := s.activityPage(ctx, q)
	p := hostsync.ActivityPage{Events: evs, Cursor: q.Since, More: more}
	if len(evs) > 0 {
		p.Cursor = evs[len(evs)-1].Seq
	}
	return p, err
}

func (s *Store) activityPage(ctx context.Context, q hostsync.ActivityQuery) (evs []hostsync.Event, more bool, err error) {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultActivityLimit
	}
	limit = min(limit, maxActivityLimit)
	where := []string{"seq > ?"}
	args := []any{q.Since}
	if q.ResourceID != "" {
		where = append(where, "resource_id = ?")
		args = append(args, q.ResourceID)
	}
	if q.Action != "" {
		where = append(where, "action = ?")
		args = append(args, q.Action)
	}
	args = append(args, limit+1)
	rows, err := s.r.QueryContext(ctx, "SELECT "+eventColumns+" FROM activity WHERE "+
		strings.Join(where, " AND ")+" ORDER BY seq LIMIT ?", args...)
	if err != nil {
		return nil, false, fmt.Errorf("hostdb: activity: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if len(evs) == limit {
			more = true
			break
		}
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, false, fmt.Errorf("hostdb: activity: %w", err)
		}
		evs = append(evs, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("hostdb: activity: %w", err)
	}
	return evs, more, nil
}

// RecordEvent appends an event that changes nothing else, e.g. the console's
// own actions (apikey.copied, export.created).
func (s *Store) RecordEvent(ctx context.Context, a hostsync.Actor, action, resourceType, resourceID, detail string) (hostsync.Event, error) {
	ev := hostsync.Event{Action: action, ResourceType: resourceType, ResourceID: resourceID, Detail: detail}
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return s.appendEvent(ctx, tx, a, &ev)
	})
	if err != nil {
		return hostsync.Event{}, fmt.Errorf("hostdb: record event: %w", err)
	}
	return ev, nil
}

// appendEvent inserts ev in tx and fills in its Seq, At, Actor and ActorName.
// Its seq is what the caller stamps on the hosts and groups it touches.
func (s *Store) appendEvent(ctx context.Context, tx *sql.Tx, a hostsync.Actor, ev *hostsync.Event) error {
	ev.At = now()
	ev.Actor = a.String()
	ev.ActorName = a.Name()
	var changes any
	if len(ev.Changes) > 0 {
		b, err := hostsync.EncodeJSON(ev.Changes)
		if err != nil {
			return fmt.Errorf("encode changes: %w", err)
		}
		changes = string(b)
	}
	res, err := tx.StmtContext(ctx, s.stmts.insertEvent).ExecContext(ctx,
		ev.At.UnixMilli(), ev.Actor, ev.ActorName, ev.Action, ev.ResourceType,
		ev.ResourceID, ev.UserName, changes, ev.Detail)
	if err != nil {
		return fmt.Errorf("append event: %w", err)
	}
	if ev.Seq, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("append event: %w", err)
	}
	return nil
}

const eventColumns = "seq, at, actor, actor_name, action, resource_type, resource_id, user_name, changes, detail"

const insertEventSQL = `INSERT INTO activity (at, actor, actor_name, action, resource_type,
	resource_id, user_name, changes, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

func scanEvent(rows *sql.Rows) (hostsync.Event, error) {
	var ev hostsync.Event
	var at int64
	var changes sql.NullString
	if err := rows.Scan(&ev.Seq, &at, &ev.Actor, &ev.ActorName, &ev.Action, &ev.ResourceType,
		&ev.ResourceID, &ev.UserName, &changes, &ev.Detail); err != nil {
		return hostsync.Event{}, err
	}
	ev.At = sqlitedb.Time(at)
	if changes.Valid {
		dec := json.NewDecoder(strings.NewReader(changes.String))
		dec.UseNumber() // keep numbers exactly as they were sent
		if err := dec.Decode(&ev.Changes); err != nil {
			return hostsync.Event{}, fmt.Errorf("decode changes of event %d: %w", ev.Seq, err)
		}
	}
	return ev, nil
}
