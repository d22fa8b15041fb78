package pgstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/visitly/hostsync"
)

const groupColumns = "n, id, xid, display_name, external_id, attrs, created, modified, deleted_at, deleted_by"

func scanGroup(row pgx.Row) (int64, *hostsync.GroupRecord, error) {
	g := &hostsync.GroupRecord{}
	var n int64
	var deleted *time.Time
	var attrs string
	if err := row.Scan(&n, &g.ID, &g.Seq, &g.DisplayName, &g.ExternalID, &attrs, &g.Created,
		&g.Modified, &deleted, &g.DeletedBy); err != nil {
		return 0, nil, err
	}
	g.Attrs = []byte(attrs)
	g.Created, g.Modified, g.DeletedAt = g.Created.UTC(), g.Modified.UTC(), timeOf(deleted)
	return n, g, nil
}

// liveGroup reads a live group; lock takes its row lock for the rest of tx,
// which serializes the changes of one group's members.
func (s *Store) liveGroup(ctx context.Context, q querier, id string, lock bool) (int64, *hostsync.GroupRecord, error) {
	sql := "SELECT " + groupColumns + " FROM groups WHERE tenant = $1 AND id = $2 AND deleted_at IS NULL"
	if lock {
		sql += " FOR UPDATE"
	}
	n, g, err := scanGroup(q.QueryRow(ctx, sql, s.tenant, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, &hostsync.NotFoundError{Kind: "group", ID: id}
	}
	if err != nil {
		return 0, nil, fmt.Errorf("read group %q: %w", id, err)
	}
	return n, g, nil
}

func groupWriteErr(displayName string, err error) error {
	if isUnique(err, "groups_display_name_live") {
		return &hostsync.ConflictError{Field: "displayName", Value: displayName}
	}
	return fmt.Errorf("write group: %w", err)
}

// CreateGroup stores a new group with g's fields and optional Members (live
// host ids; any other id is ErrInvalidMember). A live group with the same
// displayName (case-insensitively) is ErrConflict.
func (s *Store) CreateGroup(ctx context.Context, a hostsync.Actor, g *hostsync.GroupRecord) (*hostsync.GroupRecord, error) {
	if g == nil {
		return nil, errors.New("pgstore: create group: nil group")
	}
	if err := hostsync.CheckGroup(g.DisplayName, g.Attrs); err != nil {
		return nil, fmt.Errorf("pgstore: create group: %w", err)
	}
	var ng *hostsync.GroupRecord
	err := s.write(ctx, func(tx pgx.Tx) error {
		add, err := s.resolveLive(ctx, tx, g.Members)
		if err != nil {
			return err
		}
		var ev hostsync.Event
		if ng, ev, err = hostsync.NewGroup(g, memberIDList(add), newID(), now()); err != nil {
			return err
		}
		var n int64
		err = tx.QueryRow(ctx, `INSERT INTO groups (tenant, id, display_name, display_name_key,
			external_id, attrs, created, modified) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING n, xid`,
			s.tenant, ng.ID, ng.DisplayName, nameKey(ng.DisplayName), ng.ExternalID, string(ng.Attrs), ng.Created).
			Scan(&n, &ng.Seq)
		if err != nil {
			return groupWriteErr(ng.DisplayName, err)
		}
		if _, err := s.addMembers(ctx, tx, n, add); err != nil {
			return err
		}
		ng.Members = memberIDList(add)
		return s.appendEvent(ctx, tx, a, &ev, ng.DisplayName)
	})
	if err != nil {
		return nil, fail("create group", err)
	}
	return ng, nil
}

// GetGroup returns a live group, with its live members when withMembers.
func (s *Store) GetGroup(ctx context.Context, id string, withMembers bool) (*hostsync.GroupRecord, error) {
	if !withMembers {
		_, g, err := s.liveGroup(ctx, s.pool, id, false)
		if err != nil {
			return nil, fmt.Errorf("pgstore: %w", err)
		}
		return g, nil
	}
	var g *hostsync.GroupRecord
	err := s.read(ctx, func(tx pgx.Tx) error {
		n, gr, err := s.liveGroup(ctx, tx, id, false)
		if err != nil {
			return err
		}
		ms, err := s.membersOf(ctx, tx, []int64{n})
		gr.Members, g = ms[n], gr
		return err
	})
	if err != nil {
		return nil, fail("get group", err)
	}
	return g, nil
}

// errNoChange rolls back a write transaction that turned out to change
// nothing visible.
var errNoChange = errors.New("no change")

// UpdateGroup changes a live group in one transaction, holding the group's
// row lock. fn gets the current group without members; its error rolls
// back and is returned unchanged; a nil change, or one that changes
// nothing, writes nothing and records no event. The result carries no
// Members (GetGroup for them), which keeps a one-member PATCH of a large
// group cheap.
func (s *Store) UpdateGroup(ctx context.Context, a hostsync.Actor, id string, fn func(cur *hostsync.GroupRecord) (*hostsync.GroupChange, error)) (*hostsync.GroupRecord, error) {
	var out, cur *hostsync.GroupRecord
	var fnErr error
	err := s.write(ctx, func(tx pgx.Tx) error {
		fnErr = nil
		n, g, err := s.liveGroup(ctx, tx, id, true)
		if err != nil {
			return err
		}
		cur = g
		c := *g
		c.Attrs = bytes.Clone(g.Attrs)
		ch, err := fn(&c)
		if err != nil {
			fnErr = err
			return err
		}
		if ch == nil {
			return errNoChange
		}
		next, err := hostsync.GroupAttrs(g, ch)
		if err != nil {
			return err
		}
		added, removed, err := s.applyMembers(ctx, tx, n, ch)
		if err != nil {
			return err
		}
		ev, changed, err := hostsync.UpdateGroup(g, next, added, removed)
		if err != nil {
			return err
		}
		if !changed {
			return errNoChange
		}
		if err := s.appendEvent(ctx, tx, a, &ev, next.DisplayName); err != nil {
			return err
		}
		next.Modified = ev.At
		err = tx.QueryRow(ctx, `UPDATE groups SET xid = pg_current_xact_id()::text::bigint, display_name = $3,
			display_name_key = $4, external_id = $5, attrs = $6, modified = $7
			WHERE tenant = $1 AND n = $2 RETURNING xid`, s.tenant, n, next.DisplayName,
			nameKey(next.DisplayName), next.ExternalID, string(next.Attrs), next.Modified).Scan(&next.Seq)
		if err != nil {
			return groupWriteErr(next.DisplayName, err)
		}
		out = next
		return nil
	})
	switch {
	case fnErr != nil:
		return nil, fnErr
	case errors.Is(err, errNoChange):
		return cur, nil
	case err != nil:
		return nil, fail("update group", err)
	}
	return out, nil
}

// DeleteGroup soft-deletes a live group; its displayName is free afterwards.
func (s *Store) DeleteGroup(ctx context.Context, a hostsync.Actor, id string) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		n, g, err := s.liveGroup(ctx, tx, id, true)
		if err != nil {
			return err
		}
		ev := hostsync.DeleteGroup(g)
		if err := s.appendEvent(ctx, tx, a, &ev, g.DisplayName); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE groups SET xid = pg_current_xact_id()::text::bigint, modified = $3,
			deleted_at = $3, deleted_by = $4 WHERE tenant = $1 AND n = $2`, s.tenant, n, ev.At, a.String())
		return err
	})
	if err != nil {
		return fail("delete group", err)
	}
	return nil
}
