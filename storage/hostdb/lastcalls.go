package hostdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/visitly/hostsync"
	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// What the console's header reports about the calls the service saw: each
// identity provider's last change, and the last calls refused for their
// credential. Both survive a restart and cost the status endpoint, polled
// every few seconds, next to nothing:
//   - a last change is kept in memory per IdP, updated after each commit of
//     a key's change. Memory is written to the idp_last_changes table every
//     10 s and at close; a new process reads that table, then the activity
//     log after the latest change it holds (lazily: at the first ask, or
//     the first flush). Reading the whole log instead, for an IdP whose keys
//     changed nothing, took 0.6 s over 500,000 entries.
//   - a refusal is kept in the rejected_calls table (one row per door),
//     written with its activity event.

// changeActions are the actions that change a host or group.
var changeActions = []string{
	hostsync.ActionHostCreated, hostsync.ActionHostUpdated, hostsync.ActionHostDeactivated,
	hostsync.ActionHostReactivated, hostsync.ActionHostDeleted, hostsync.ActionHostRestored,
	hostsync.ActionGroupCreated, hostsync.ActionGroupUpdated, hostsync.ActionGroupDeleted,
}

func isChange(action string) bool { return slices.Contains(changeActions, action) }

// lastChanges is each IdP's last change, by IdP. Once seeded, it holds
// every committed change: changes are noted in commit order, which is seq
// order, so each change up to the latest one held is accounted for.
type lastChanges struct {
	mu     sync.Mutex
	seeded bool // the changes from before this process are in
	dirty  bool // changed since written to idp_last_changes
	by     map[hostsync.IdP]hostsync.LastChange
}

// put keeps c as p's last change unless a later one is known.
func (l *lastChanges) put(p hostsync.IdP, c hostsync.LastChange) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.by == nil {
		l.by = map[hostsync.IdP]hostsync.LastChange{}
	}
	if c.Seq > l.by[p].Seq {
		l.by[p] = c
		l.dirty = true
	}
}

// appendChange is appendEvent for an event that changes a host or group
// named target (its display name; empty for a host's userName): once the
// write commits, an API key's change becomes its IdP's last change. Only
// API keys' changes count: they are the IdPs' calls.
func (s *Store) appendChange(ctx context.Context, tx *sql.Tx, a hostsync.Actor, ev *hostsync.Event, target string) error {
	if err := s.appendEvent(ctx, tx, a, ev); err != nil {
		return err
	}
	if a.Kind != hostsync.ActorAPIKey || !isChange(ev.Action) {
		return nil
	}
	if target == "" {
		target = ev.UserName
	}
	c := hostsync.LastChange{Seq: ev.Seq, At: ev.At, Actor: ev.Actor, Action: ev.Action, Target: target,
		Method: a.Method, Path: a.Path}
	p := a.IdP.Or()
	s.afterCommit(func() { s.changes.put(p, c) })
	return nil
}

// LastChanges returns each IdP's last change to a host or group, by IdP; an
// IdP whose keys changed nothing is absent. The first call reads the
// activity log for the changes made before this process started (one
// backward scan per IdP, which stops at its last change); later calls read
// memory only.
func (s *Store) LastChanges(ctx context.Context) (map[hostsync.IdP]hostsync.LastChange, error) {
	if err := s.seedChanges(ctx); err != nil {
		return nil, fmt.Errorf("hostdb: last changes: %w", err)
	}
	s.changes.mu.Lock()
	defer s.changes.mu.Unlock()
	out := make(map[hostsync.IdP]hostsync.LastChange, len(s.changes.by))
	for p, c := range s.changes.by {
		out[p] = c
	}
	return out, nil
}

// seedChanges reads, once, each IdP's last change from before this process:
// those idp_last_changes holds, then those in the activity log after the
// latest of them. Changes committed meanwhile are kept: put keeps the later
// one.
func (s *Store) seedChanges(ctx context.Context) error {
	s.changes.mu.Lock()
	seeded := s.changes.seeded
	s.changes.mu.Unlock()
	if seeded {
		return nil
	}
	s.seedMu.Lock()
	defer s.seedMu.Unlock()
	s.changes.mu.Lock()
	seeded = s.changes.seeded
	s.changes.mu.Unlock()
	if seeded {
		return nil
	}
	keys, err := s.ListAPIKeys(ctx)
	if err != nil {
		return err
	}
	actors := map[hostsync.IdP][]any{}
	for _, k := range keys {
		p := k.IdP.Or()
		actors[p] = append(actors[p], hostsync.Actor{Kind: hostsync.ActorAPIKey, ID: k.ID}.String())
	}
	actions := make([]any, len(changeActions))
	for i, a := range changeActions {
		actions[i] = a
	}
	err = s.read(ctx, func(tx *sql.Tx) error {
		// Every change up to the latest one stored was accounted for when
		// it was stored.
		rows, err := tx.QueryContext(ctx, "SELECT idp, seq, at, actor, action, target, method, path FROM idp_last_changes")
		if err != nil {
			return err
		}
		defer rows.Close()
		var after int64
		for rows.Next() {
			var p string
			var c hostsync.LastChange
			var at int64
			if err := rows.Scan(&p, &c.Seq, &at, &c.Actor, &c.Action, &c.Target, &c.Method, &c.Path); err != nil {
				return err
			}
			c.At = sqlitedb.Time(at)
			s.changes.put(hostsync.IdP(p), c)
			after = max(after, c.Seq)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for p, as := range actors {
			q := `SELECT a.seq, a.at, a.actor, a.action, a.user_name, coalesce(h.display_name, g.display_name, '')
				FROM activity a
				LEFT JOIN hosts h ON a.resource_type = 'User' AND h.id = a.resource_id
				LEFT JOIN groups g ON a.resource_type = 'Group' AND g.id = a.resource_id
				WHERE a.seq > ? AND a.actor IN (` + placeholders(len(as)) + `) AND a.action IN (` + placeholders(len(actions)) + `)
				ORDER BY a.seq DESC LIMIT 1`
			var c hostsync.LastChange
			var at int64
			var userName, name string
			args := append(append([]any{after}, as...), actions...)
			err := tx.QueryRowContext(ctx, q, args...).Scan(&c.Seq, &at, &c.Actor, &c.Action, &userName, &name)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			c.At, c.Target = sqlitedb.Time(at), name
			if c.Target == "" {
				c.Target = userName
			}
			s.changes.put(p, c)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.changes.mu.Lock()
	s.changes.seeded = true
	s.changes.mu.Unlock()
	return nil
}

// flushLastChanges writes the IdPs' last changes to idp_last_changes when
// they changed. Only a seeded memory is written: one that lacks the changes
// from before this process would make a later seed skip them. The periodic
// flush seeds first, so that a service reads the log in the background
// rather than in a status request; Close does not (a short command line
// run never reads it).
func (s *Store) flushLastChanges(ctx context.Context) error {
	select {
	case <-s.done:
	default:
		if err := s.seedChanges(ctx); err != nil {
			return fmt.Errorf("hostdb: last changes: %w", err)
		}
	}
	s.changes.mu.Lock()
	if !s.changes.seeded || !s.changes.dirty {
		s.changes.mu.Unlock()
		return nil
	}
	s.changes.dirty = false
	snap := make(map[hostsync.IdP]hostsync.LastChange, len(s.changes.by))
	for p, c := range s.changes.by {
		snap[p] = c
	}
	s.changes.mu.Unlock()
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for p, c := range snap {
			if _, err := tx.ExecContext(ctx, `INSERT INTO idp_last_changes (idp, seq, at, actor, action, target, method, path)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idp) DO UPDATE SET seq = excluded.seq, at = excluded.at,
				actor = excluded.actor, action = excluded.action, target = excluded.target,
				method = excluded.method, path = excluded.path WHERE excluded.seq > seq`,
				string(p), c.Seq, sqlitedb.Millis(c.At), c.Actor, c.Action, c.Target, c.Method, c.Path); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.changes.mu.Lock()
		s.changes.dirty = true
		s.changes.mu.Unlock()
		return fmt.Errorf("hostdb: write last changes: %w", err)
	}
	return nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// rejectedKind names a refused call's door: "admin" or "scim".
func rejectedKind(c hostsync.RejectedCall) string {
	if c.Admin {
		return "admin"
	}
	return "scim"
}

// RecordRejected logs a refused call (or a minute's refusals of one source,
// as the server aggregates them) as an auth.rejected event worded by its
// Detail, and keeps it as its door's last refusal (LastRejected). It is best
// effort and never fails the caller; it never sees the presented token.
func (s *Store) RecordRejected(ctx context.Context, c hostsync.RejectedCall) {
	if c.At.IsZero() {
		c.At = now()
	}
	c = c.Kept()
	ev := hostsync.Event{Action: hostsync.ActionAuthRejected, ResourceType: TypeAuth, ResourceID: c.Remote, Detail: c.Detail()}
	s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.appendEvent(ctx, tx, hostsync.Actor{Kind: hostsync.ActorSystem}, &ev); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO rejected_calls (kind, at, method, path, remote, reason)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind) DO UPDATE SET at = excluded.at, method = excluded.method,
			path = excluded.path, remote = excluded.remote, reason = excluded.reason`,
			rejectedKind(c), sqlitedb.Millis(c.At), c.Method, c.Path, c.Remote, c.Reason)
		return err
	})
}

// LastRejected returns the last logged refusal of the SCIM API (a wrong API
// key) and of the admin API (a wrong admin credential); nil when none.
func (s *Store) LastRejected(ctx context.Context) (scim, admin *hostsync.RejectedCall, err error) {
	rows, err := s.r.QueryContext(ctx, "SELECT kind, at, method, path, remote, reason FROM rejected_calls")
	if err != nil {
		return nil, nil, fmt.Errorf("hostdb: last rejected calls: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c hostsync.RejectedCall
		var kind string
		var at int64
		if err := rows.Scan(&kind, &at, &c.Method, &c.Path, &c.Remote, &c.Reason); err != nil {
			return nil, nil, fmt.Errorf("hostdb: last rejected calls: %w", err)
		}
		c.At, c.Admin = sqlitedb.Time(at), kind == "admin"
		if c.Admin {
			admin = &c
		} else {
			scim = &c
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("hostdb: last rejected calls: %w", err)
	}
	return scim, admin, nil
}
