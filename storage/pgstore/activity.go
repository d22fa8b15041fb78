package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/visitly/hostsync"
)

const (
	defaultActivityLimit = 500
	maxActivityLimit     = 5000
)

// argList collects a statement's arguments as it is written, so that
// statements put together from parts (an event insert inside a host write)
// number their placeholders right.
type argList struct{ vals []any }

// add appends v and returns its placeholder.
func (b *argList) add(v any) string {
	b.vals = append(b.vals, v)
	return "$" + strconv.Itoa(len(b.vals))
}

func join(parts []string) string { return strings.Join(parts, ", ") }

const eventInsertColumns = `INSERT INTO activity (tenant, at, actor, actor_name, idp, action, resource_type,
	resource_id, user_name, changes, detail, target, method, path)`

// eventValues fills in ev's At, Actor and ActorName and returns the
// placeholders of its columns (eventInsertColumns' order after tenant).
// target is what a change was made to (the host's or group's display name,
// else the userName), kept with the method and path of an API key's
// request for LastChanges.
func eventValues(b *argList, a hostsync.Actor, ev *hostsync.Event, target string) ([]string, error) {
	ev.At, ev.Actor, ev.ActorName = now(), a.String(), a.Name()
	var changes *string
	if len(ev.Changes) > 0 {
		j, err := hostsync.EncodeJSON(ev.Changes)
		if err != nil {
			return nil, fmt.Errorf("encode changes: %w", err)
		}
		c := string(j)
		changes = &c
	}
	var idp hostsync.IdP
	method, path := "", ""
	if a.Kind == hostsync.ActorAPIKey {
		idp, method, path = a.IdP.Or(), a.Method, a.Path
		ev.IdP = idp
	}
	if target == "" {
		target = ev.UserName
	}
	return []string{b.add(ev.At), b.add(ev.Actor), b.add(ev.ActorName), b.add(string(idp)), b.add(ev.Action),
		b.add(ev.ResourceType), b.add(ev.ResourceID), b.add(ev.UserName), b.add(changes), b.add(ev.Detail),
		b.add(target), b.add(method), b.add(path)}, nil
}

// eventInsert is the INSERT of ev (see eventValues), without RETURNING.
// With from, the name of a CTE, it writes the event only when that CTE
// returned a row: the write the event records happened.
func (s *Store) eventInsert(b *argList, tenant string, a hostsync.Actor, ev *hostsync.Event, target, from string) (string, error) {
	vals, err := eventValues(b, a, ev, target)
	if err != nil {
		return "", err
	}
	if from != "" {
		return eventInsertColumns + " SELECT " + tenant + ", " + join(vals) + " FROM " + from, nil
	}
	return eventInsertColumns + " VALUES (" + tenant + ", " + join(vals) + ")", nil
}

// appendEvent inserts ev in tx and fills in its Seq, At, Actor and ActorName.
func (s *Store) appendEvent(ctx context.Context, tx pgx.Tx, a hostsync.Actor, ev *hostsync.Event, target string) error {
	var b argList
	sql, err := s.eventInsert(&b, b.add(s.tenant), a, ev, target, "")
	if err == nil {
		err = tx.QueryRow(ctx, sql+" RETURNING seq", b.vals...).Scan(&ev.Seq)
	}
	if err != nil {
		return fmt.Errorf("append event: %w", err)
	}
	return nil
}

// RecordEvent appends an event that changes nothing else, e.g. the console's
// own actions (apikey.copied, export.created).
func (s *Store) RecordEvent(ctx context.Context, a hostsync.Actor, action, resourceType, resourceID, detail string) (hostsync.Event, error) {
	ev := hostsync.Event{Action: action, ResourceType: resourceType, ResourceID: resourceID, Detail: detail}
	var b argList
	sql, err := s.eventInsert(&b, b.add(s.tenant), a, &ev, "", "")
	if err == nil {
		err = s.pool.QueryRow(ctx, sql+" RETURNING seq", b.vals...).Scan(&ev.Seq)
	}
	if err != nil {
		return hostsync.Event{}, fail("record event", err)
	}
	return ev, nil
}

// Activity returns the events after the cursor q.Since, in feed order.
func (s *Store) Activity(ctx context.Context, q hostsync.ActivityQuery) ([]hostsync.Event, error) {
	p, err := s.ActivityPage(ctx, q)
	return p.Events, err
}

// ActivityPage is a page of the activity log as the console's mirror
// follows it: events in commit-safe order (xid, then seq) after the cursor
// q.Since, only of transactions below the snapshot's xmin, none of which
// can still commit (changefeed.go). The cursor is the last served event's
// xid (q.Since when none), and one transaction's events are never split
// across pages, so resuming from it misses nothing.
func (s *Store) ActivityPage(ctx context.Context, q hostsync.ActivityQuery) (hostsync.ActivityPage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultActivityLimit
	}
	limit = min(limit, maxActivityLimit)
	// query selects the events of transactions after since (or of the
	// one transaction since when whole), at most lim (none when 0).
	query := func(since int64, whole bool, lim int) (string, []any) {
		var b argList
		op := " > "
		if whole {
			op = " = "
		}
		where := []string{"tenant = " + b.add(s.tenant), "xid" + op + b.add(since),
			"xid < " + frontierSQL}
		if q.ResourceID != "" {
			where = append(where, "resource_id = "+b.add(q.ResourceID))
		}
		if q.Action != "" {
			where = append(where, "action = "+b.add(q.Action))
		}
		sql := "SELECT xid, " + eventColumns + " FROM activity WHERE " + strings.Join(where, " AND ") + " ORDER BY xid, seq"
		if lim > 0 {
			sql += " LIMIT " + b.add(lim)
		}
		return sql, b.vals
	}
	s.settle(ctx)
	p := hostsync.ActivityPage{Cursor: q.Since}
	var xids []int64
	err := s.read(ctx, func(tx pgx.Tx) error {
		sql, args := query(q.Since, false, limit+1)
		var err error
		p.Events, xids, err = readEvents(ctx, tx, sql, args)
		if err != nil || len(p.Events) <= limit {
			return err
		}
		p.More = true
		// Never split a transaction: drop the last one's events if the
		// page cut through it, unless it is the only one (then read it whole).
		k := limit
		for k > 0 && xids[k-1] == xids[k] {
			k--
		}
		if k > 0 {
			p.Events, xids = p.Events[:k], xids[:k]
			return nil
		}
		sql, args = query(xids[0], true, 0)
		if p.Events, xids, err = readEvents(ctx, tx, sql, args); err != nil || len(xids) == 0 {
			return err
		}
		sql, args = query(xids[0], false, 1)
		more, _, err := readEvents(ctx, tx, sql, args)
		p.More = len(more) > 0
		return err
	})
	if err != nil {
		return hostsync.ActivityPage{}, fail("activity", err)
	}
	if len(xids) > 0 {
		p.Cursor = xids[len(xids)-1]
	}
	return p, nil
}

const eventColumns = "seq, at, actor, actor_name, idp, action, resource_type, resource_id, user_name, changes, detail"

func readEvents(ctx context.Context, tx pgx.Tx, sql string, args []any) ([]hostsync.Event, []int64, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var evs []hostsync.Event
	var xids []int64
	for rows.Next() {
		var ev hostsync.Event
		var xid int64
		var changes *string
		if err := rows.Scan(&xid, &ev.Seq, &ev.At, &ev.Actor, &ev.ActorName, &ev.IdP, &ev.Action,
			&ev.ResourceType, &ev.ResourceID, &ev.UserName, &changes, &ev.Detail); err != nil {
			return nil, nil, err
		}
		ev.At = ev.At.UTC()
		if changes != nil {
			dec := json.NewDecoder(strings.NewReader(*changes))
			dec.UseNumber() // keep numbers exactly as they were sent
			if err := dec.Decode(&ev.Changes); err != nil {
				return nil, nil, fmt.Errorf("decode changes of event %d: %w", ev.Seq, err)
			}
		}
		evs = append(evs, ev)
		xids = append(xids, xid)
	}
	return evs, xids, rows.Err()
}
