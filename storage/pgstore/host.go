package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/visitly/hostsync"
)

// A host's Seq (and a group's) is the xid of the transaction that last
// changed it: the change feed's cursor domain (changefeed.go). Every write
// is its own transaction, so the xid is also the row's version, which
// UpdateHost checks instead of locking the row while fn runs.

const hostColumns = `n, id, xid, user_name, external_id, display_name, email, active, attrs,
	created, modified, deactivated_at, deactivated_by, deleted_at, deleted_by, removed_how,
	restored_at, restored_by, idp`

// hostValues appends h's stored columns (hostMutable's order) to b and
// returns their placeholders.
func hostValues(b *argList, h *hostsync.HostRecord) []string {
	return []string{b.add(string(h.State())), b.add(h.UserName), b.add(nameKey(h.UserName)),
		b.add(h.ExternalID), b.add(h.DisplayName), b.add(nameKey(h.DisplayName)), b.add(h.Email),
		b.add(nameKey(h.Email)), b.add(h.Active), b.add(string(h.Attrs)), b.add(h.Modified),
		b.add(nullTime(h.DeactivatedAt)), b.add(h.DeactivatedBy), b.add(nullTime(h.DeletedAt)),
		b.add(h.DeletedBy), b.add(h.RemovedHow), b.add(nullTime(h.RestoredAt)), b.add(h.RestoredBy)}
}

// hostMutable lists the columns hostValues fills, in order.
var hostMutable = []string{"state", "user_name", "user_name_key", "external_id", "display_name",
	"display_name_key", "email", "email_key", "active", "attrs", "modified", "deactivated_at",
	"deactivated_by", "deleted_at", "deleted_by", "removed_how", "restored_at", "restored_by"}

// scanHost reads hostColumns; n is the internal row number.
func scanHost(row pgx.Row) (n int64, h *hostsync.HostRecord, err error) {
	h = &hostsync.HostRecord{}
	var attrs string
	var deactivated, deleted, restored *time.Time
	err = row.Scan(&n, &h.ID, &h.Seq, &h.UserName, &h.ExternalID, &h.DisplayName, &h.Email,
		&h.Active, &attrs, &h.Created, &h.Modified, &deactivated, &h.DeactivatedBy, &deleted,
		&h.DeletedBy, &h.RemovedHow, &restored, &h.RestoredBy, &h.IdP)
	if err != nil {
		return 0, nil, err
	}
	h.Attrs = []byte(attrs)
	h.Created, h.Modified = h.Created.UTC(), h.Modified.UTC()
	h.DeactivatedAt, h.DeletedAt, h.RestoredAt = timeOf(deactivated), timeOf(deleted), timeOf(restored)
	return n, h, nil
}

// hostBy reads one host: live only unless any; no row is a *NotFoundError.
func (s *Store) hostBy(ctx context.Context, q querier, id string, any bool) (int64, *hostsync.HostRecord, error) {
	sql := "SELECT " + hostColumns + " FROM hosts WHERE tenant = $1 AND id = $2 AND deleted_at IS NULL"
	if any {
		sql = "SELECT " + hostColumns + " FROM hosts WHERE tenant = $1 AND id = $2"
	}
	n, h, err := scanHost(q.QueryRow(ctx, sql, s.tenant, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, &hostsync.NotFoundError{Kind: "host", ID: id}
	}
	if err != nil {
		return 0, nil, fmt.Errorf("read host %q: %w", id, err)
	}
	return n, h, nil
}

// querier is what reads need of a pool or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// CreateHost stores a new live host from h's indexed fields and Attrs and
// returns it with its ID (a UUIDv7), times and Seq. A live host with the
// same userName (case-insensitively) is ErrConflict, naming the IdP that
// provisioned the one in the way. The event and the host are written by
// one statement: one round trip, atomic without BEGIN and COMMIT.
func (s *Store) CreateHost(ctx context.Context, a hostsync.Actor, h *hostsync.HostRecord) (*hostsync.HostRecord, error) {
	nh, ev, err := hostsync.NewHost(a, h, newID(), now())
	if err != nil {
		return nil, fmt.Errorf("pgstore: create host: %w", err)
	}
	var b argList
	tenant := b.add(s.tenant)
	evSQL, err := s.eventInsert(&b, tenant, a, &ev, nh.DisplayName, "")
	if err != nil {
		return nil, fail("create host", err)
	}
	vals := append([]string{tenant, b.add(nh.ID), b.add(nh.Created), b.add(string(nh.IdP))}, hostValues(&b, nh)...)
	sql := "WITH ev AS (" + evSQL + " RETURNING seq, at) INSERT INTO hosts (tenant, id, created, idp, " +
		join(hostMutable) + ") VALUES (" + join(vals) + ") RETURNING xid, (SELECT seq FROM ev)"
	err = s.pool.QueryRow(ctx, sql, b.vals...).Scan(&nh.Seq, &ev.Seq)
	if isUnique(err, "hosts_user_name_live") {
		err = s.userNameTaken(ctx, nh.UserName)
	}
	if err != nil {
		return nil, fail("create host", err)
	}
	return nh, nil
}

// userNameTaken is the ConflictError of a new host whose userName a live
// host has, with the IdP that provisioned that host: with two IdPs at once
// (a migration), the other IdP's host is the one in the way.
func (s *Store) userNameTaken(ctx context.Context, userName string) error {
	c := &hostsync.ConflictError{Field: "userName", Value: userName}
	var idp string
	err := s.pool.QueryRow(ctx, "SELECT idp FROM hosts WHERE tenant = $1 AND user_name_key = $2 AND deleted_at IS NULL",
		s.tenant, nameKey(userName)).Scan(&idp)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("write host: %w", err)
	}
	c.HolderIdP = hostsync.IdP(idp)
	return c
}

// GetHost returns a live host; a deleted or unknown id is ErrNotFound.
func (s *Store) GetHost(ctx context.Context, id string) (*hostsync.HostRecord, error) {
	_, h, err := s.hostBy(ctx, s.pool, id, false)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	return h, nil
}

// AdminHost returns a host in any state.
func (s *Store) AdminHost(ctx context.Context, id string) (*hostsync.HostRecord, error) {
	_, h, err := s.hostBy(ctx, s.pool, id, true)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	return h, nil
}

// maxUpdateAttempts bounds the redo of an update that keeps losing races.
const maxUpdateAttempts = 16

// errStale: the host changed between the read an update was computed on
// and its write.
var errStale = errors.New("host changed concurrently")

// UpdateHost changes a live host. fn gets a copy of the current host and
// returns the new state (hostsync.UpdateHost's rules); an error from fn is
// returned unchanged and writes nothing; a nil host or an unchanged state
// writes nothing and records no event. fn runs outside any transaction, on
// the host as read; the write (one statement) then stores the result only
// if the host's xid is still the one read, and otherwise the update is
// redone on the new state, so fn may run more than once.
func (s *Store) UpdateHost(ctx context.Context, a hostsync.Actor, id string, fn func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error)) (*hostsync.HostRecord, error) {
	for attempt := 1; ; attempt++ {
		_, cur, err := s.hostBy(ctx, s.pool, id, false)
		if err != nil {
			return nil, fail("update host", err)
		}
		next, err := fn(cur.Clone())
		if err != nil {
			return nil, err
		}
		h, ev, err := hostsync.UpdateHost(a, cur, next, now())
		if err != nil {
			return nil, fmt.Errorf("pgstore: update host: %w", err)
		}
		if h == nil {
			return cur, nil
		}
		err = s.saveHost(ctx, s.pool, a, cur, h, &ev)
		if errors.Is(err, errStale) && attempt < maxUpdateAttempts {
			continue
		}
		if err != nil {
			return nil, fail("update host", err)
		}
		return h, nil
	}
}

// saveHost writes h over cur, with its event, in one statement, provided
// the stored host is still cur (its xid) and live; errStale otherwise.
// A change of state also moves state_xid (hostquery.go).
func (s *Store) saveHost(ctx context.Context, q querier, a hostsync.Actor, cur, h *hostsync.HostRecord, ev *hostsync.Event) error {
	var b argList
	tenant := b.add(s.tenant)
	vals := hostValues(&b, h)
	set := make([]string, len(hostMutable))
	for i, c := range hostMutable {
		set[i] = c + " = " + vals[i]
	}
	evSQL, err := s.eventInsert(&b, tenant, a, ev, h.DisplayName, "u")
	if err != nil {
		return err
	}
	live := " AND deleted_at IS NULL"
	if cur.State() == hostsync.StateDeleted {
		live = " AND deleted_at IS NOT NULL" // a restore
	}
	sql := "WITH u AS (UPDATE hosts SET xid = pg_current_xact_id()::text::bigint, " +
		"state_xid = CASE WHEN state = " + vals[0] + " THEN state_xid ELSE pg_current_xact_id()::text::bigint END, " +
		join(set) + " WHERE tenant = " + tenant + " AND id = " + b.add(cur.ID) + " AND xid = " + b.add(cur.Seq) + live +
		" RETURNING xid), ev AS (" + evSQL + " RETURNING seq) SELECT u.xid, ev.seq FROM u, ev"
	err = q.QueryRow(ctx, sql, b.vals...).Scan(&h.Seq, &ev.Seq)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return errStale
	case isUnique(err, "hosts_user_name_live"):
		return &hostsync.ConflictError{Field: "userName", Value: h.UserName}
	}
	return err
}

// DeleteHost soft-deletes a live host: SCIM clients no longer see it and its
// userName is free, but the row, its memberships and its history stay. Its
// live groups are stamped with the change (their member lists changed).
func (s *Store) DeleteHost(ctx context.Context, a hostsync.Actor, id string) error {
	for attempt := 1; ; attempt++ {
		_, cur, err := s.hostBy(ctx, s.pool, id, false)
		if err != nil {
			return fail("delete host", err)
		}
		h, ev := hostsync.DeleteHost(a, cur, now())
		err = s.saveHostTouchingGroups(ctx, a, cur, h, &ev)
		if errors.Is(err, errStale) && attempt < maxUpdateAttempts {
			continue
		}
		if err != nil {
			return fail("delete host", err)
		}
		return nil
	}
}

// saveHostTouchingGroups is saveHost for a change of a host's liveness
// (delete, restore), which also stamps the host's live groups with the
// transaction: their member lists, live hosts only, changed, and the
// change feed must resend them.
func (s *Store) saveHostTouchingGroups(ctx context.Context, a hostsync.Actor, cur, h *hostsync.HostRecord, ev *hostsync.Event) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		if err := s.saveHost(ctx, tx, a, cur, h, ev); err != nil {
			return err
		}
		return s.touchGroupsOf(ctx, tx, h)
	})
}

// touchGroupsOf stamps the live groups h belongs to with tx's xid.
func (s *Store) touchGroupsOf(ctx context.Context, tx pgx.Tx, h *hostsync.HostRecord) error {
	_, err := tx.Exec(ctx, `UPDATE groups SET xid = pg_current_xact_id()::text::bigint, modified = $2
		WHERE tenant = $1 AND deleted_at IS NULL AND n IN (
			SELECT m.group_n FROM memberships m JOIN hosts h ON h.tenant = m.tenant AND h.n = m.host_n
			WHERE m.tenant = $1 AND h.id = $3)`, s.tenant, h.Modified, h.ID)
	if err != nil {
		return fmt.Errorf("touch groups: %w", err)
	}
	return nil
}
