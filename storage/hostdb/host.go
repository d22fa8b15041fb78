package hostdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/visitly/hostsync"
	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// Host states, as strings (the stored form); hostsync names them.
const (
	StateActive      = hostsync.StateActive
	StateDeactivated = hostsync.StateDeactivated
	StateDeleted     = hostsync.StateDeleted
)

// Values of Host.RemovedHow.
const (
	RemovedByDelete = hostsync.RemovedByDelete
	RemovedByActive = hostsync.RemovedByDeactivate
)

const hostColumns = `n, id, seq, user_name, external_id, display_name, email, active, attrs,
	created, modified, deactivated_at, deactivated_by, deleted_at, deleted_by, removed_how,
	restored_at, restored_by, idp`

// hostMutable lists the columns hostArgs fills, in order.
const hostMutable = `seq, state, user_name, user_name_key, external_id, display_name,
	display_name_key, email, email_key, active, attrs, modified, deactivated_at, deactivated_by,
	deleted_at, deleted_by, removed_how, restored_at, restored_by`

// insertHostSQL's parameters are id, created, idp, then hostArgs. The IdP is
// set once, at creation.
const insertHostSQL = `INSERT INTO hosts (id, created, idp, ` + hostMutable + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func hostArgs(h *hostsync.HostRecord) []any {
	return []any{h.Seq, string(h.State()), h.UserName, userNameKey(h.UserName), h.ExternalID,
		h.DisplayName, strings.ToLower(h.DisplayName), h.Email, strings.ToLower(h.Email),
		h.Active, string(h.Attrs), h.Modified.UnixMilli(), sqlitedb.NullMillis(h.DeactivatedAt), h.DeactivatedBy,
		sqlitedb.NullMillis(h.DeletedAt), h.DeletedBy, h.RemovedHow, sqlitedb.NullMillis(h.RestoredAt), h.RestoredBy}
}

// scanHost reads hostColumns; n is the internal row number.
func scanHost(sc sqlitedb.Scanner) (n int64, h *hostsync.HostRecord, err error) {
	h = &hostsync.HostRecord{}
	var attrs []byte
	var created, modified int64
	var deactivated, deleted, restored sql.NullInt64
	err = sc.Scan(&n, &h.ID, &h.Seq, &h.UserName, &h.ExternalID, &h.DisplayName, &h.Email,
		&h.Active, &attrs, &created, &modified, &deactivated, &h.DeactivatedBy, &deleted,
		&h.DeletedBy, &h.RemovedHow, &restored, &h.RestoredBy, &h.IdP)
	if err != nil {
		return 0, nil, err
	}
	h.Attrs = attrs
	h.Created = sqlitedb.Time(created)
	h.Modified = sqlitedb.Time(modified)
	h.DeactivatedAt, h.DeletedAt, h.RestoredAt = sqlitedb.NullTime(deactivated), sqlitedb.NullTime(deleted), sqlitedb.NullTime(restored)
	return n, h, nil
}

// hostBy runs a one-row host statement; no row is ErrNotFound.
func hostBy(ctx context.Context, stmt *sql.Stmt, id string) (int64, *hostsync.HostRecord, error) {
	n, h, err := scanHost(stmt.QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, &hostsync.NotFoundError{Kind: "host", ID: id}
	}
	if err != nil {
		return 0, nil, fmt.Errorf("hostdb: read host %q: %w", id, err)
	}
	return n, h, nil
}

// CreateHost stores a new live host from h's indexed fields and Attrs and
// returns it with its ID (a UUIDv7), times and Seq. A live host with the
// same userName (case-insensitively) is ErrConflict.
func (s *Store) CreateHost(ctx context.Context, a hostsync.Actor, h *hostsync.HostRecord) (*hostsync.HostRecord, error) {
	nh, ev, err := hostsync.NewHost(a, h, newID(), now())
	if err != nil {
		return nil, fmt.Errorf("hostdb: create host: %w", err)
	}
	t := nh.Created
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.appendChange(ctx, tx, a, &ev, nh.DisplayName); err != nil {
			return err
		}
		nh.Seq = ev.Seq
		args := append([]any{nh.ID, t.UnixMilli(), string(nh.IdP)}, hostArgs(nh)...)
		res, err := tx.StmtContext(ctx, s.stmts.insertHost).ExecContext(ctx, args...)
		if isUnique(err) {
			return userNameTaken(ctx, tx, nh.UserName)
		}
		if err != nil {
			return hostWriteErr(nh, err)
		}
		n, err := res.LastInsertId()
		if err != nil {
			return err
		}
		s.cacheHost(n, nh.Clone())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hostdb: create host: %w", err)
	}
	return nh, nil
}

// userNameTaken is the ConflictError of a new host whose userName a live
// host has, with the IdP that provisioned that host: with two IdPs at once
// (a migration), the other IdP's host is the one in the way.
func userNameTaken(ctx context.Context, tx *sql.Tx, userName string) error {
	c := &hostsync.ConflictError{Field: "userName", Value: userName}
	var idp string
	err := tx.QueryRowContext(ctx, "SELECT idp FROM hosts WHERE user_name_key = ? AND deleted_at IS NULL",
		userNameKey(userName)).Scan(&idp)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("write host: %w", err)
	}
	c.HolderIdP = hostsync.IdP(idp)
	return c
}

func hostWriteErr(h *hostsync.HostRecord, err error) error {
	if isUnique(err) {
		return &hostsync.ConflictError{Field: "userName", Value: h.UserName}
	}
	return fmt.Errorf("write host: %w", err)
}

// GetHost returns a live host; a deleted or unknown id is ErrNotFound.
func (s *Store) GetHost(ctx context.Context, id string) (*hostsync.HostRecord, error) {
	if _, h, on := s.cachedLive(id); on {
		if h == nil {
			return nil, fmt.Errorf("hostdb: %w", &hostsync.NotFoundError{Kind: "host", ID: id})
		}
		return h.Clone(), nil
	}
	_, h, err := hostBy(ctx, s.stmts.liveHost, id)
	if err != nil {
		return nil, fmt.Errorf("hostdb: %w", err)
	}
	return h, nil
}

// AdminHost returns a host in any state.
func (s *Store) AdminHost(ctx context.Context, id string) (*hostsync.HostRecord, error) {
	_, h, err := hostBy(ctx, s.stmts.anyHost, id)
	if err != nil {
		return nil, fmt.Errorf("hostdb: %w", err)
	}
	return h, nil
}

// UpdateHost changes a live host in one atomic write. fn gets a copy of
// the current host and returns the new state; only its indexed fields, Active
// and Attrs are used (id never changes). An error from fn is returned
// unchanged and writes nothing; a nil host or an unchanged state writes
// nothing and records no event.
//
// fn and the diff run outside the single writer, on a snapshot read from the
// reader pool; the write then only checks that the host's seq is still the
// one fn saw. If another write changed the host meanwhile, the whole update
// is redone on the new state, so fn may run more than once and must be pure.
// This keeps the writer, which every write in the service queues for, busy
// with SQL alone: PATCH throughput under Azure AD's load is bounded by it.
func (s *Store) UpdateHost(ctx context.Context, a hostsync.Actor, id string, fn func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error)) (*hostsync.HostRecord, error) {
	for attempt := 0; ; attempt++ {
		out, err := s.updateHostOnce(ctx, a, id, fn, attempt == 0)
		if errors.Is(err, errStale) && attempt < maxUpdateAttempts {
			continue
		}
		if errors.Is(err, errStale) {
			err = fmt.Errorf("hostdb: update host %q: changed by %d concurrent writes in a row", id, attempt+1)
		}
		return out, err
	}
}

// errStale: the host changed between the snapshot an update was computed on
// and its write.
var errStale = errors.New("hostdb: host changed concurrently")

// maxUpdateAttempts bounds the redo of an update that keeps losing races;
// Azure AD sends one change per host at a time, so a second attempt is rare.
// Of N updates racing on one host, a group commit lets one through and the
// others redo together in the next batch, so the last needs N attempts: a
// batch's worth of racers always gets through. (Since each COMMIT syncs the
// WAL, racers no longer spread over many short batches.)
const maxUpdateAttempts = maxBatch

// The snapshot comes from the host cache on a first attempt (a stale one is
// caught by the seq check), from SQLite when redoing.
func (s *Store) updateHostOnce(ctx context.Context, a hostsync.Actor, id string, fn func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error), cached bool) (*hostsync.HostRecord, error) {
	n, cur, on := int64(0), (*hostsync.HostRecord)(nil), false
	if cached {
		n, cur, on = s.cachedLive(id)
		if on && cur == nil {
			return nil, fmt.Errorf("hostdb: update host: %w", &hostsync.NotFoundError{Kind: "host", ID: id})
		}
	}
	if !on {
		var err error
		if n, cur, err = hostBy(ctx, s.stmts.liveHost, id); err != nil {
			return nil, fmt.Errorf("hostdb: update host: %w", err)
		}
	}
	next, err := fn(cur.Clone())
	if err != nil {
		return nil, err
	}
	h, ev, err := hostsync.UpdateHost(a, cur, next, now())
	if err != nil {
		return nil, fmt.Errorf("hostdb: update host: %w", err)
	}
	if h == nil {
		return cur.Clone(), nil // cur may be the cache's
	}
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var seq int64
		err := tx.StmtContext(ctx, s.stmts.hostSeqW).QueryRowContext(ctx, n).Scan(&seq)
		if errors.Is(err, sql.ErrNoRows) || err == nil && seq != cur.Seq {
			return errStale // deleted or changed since the snapshot: redo
		}
		if err != nil {
			return err
		}
		if err := s.appendChange(ctx, tx, a, &ev, h.DisplayName); err != nil {
			return err
		}
		h.Seq = ev.Seq
		if err := s.saveHost(ctx, tx, n, cur, h); err != nil {
			return err
		}
		s.cacheHost(n, h.Clone())
		return nil
	})
	if errors.Is(err, errStale) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("hostdb: update host: %w", err)
	}
	return h, nil
}

// saveHost writes h over the stored row n, which holds old. Indexed columns
// are named in the UPDATE only when their group changed (see
// hostUpdateGroups): a PATCH of a title that named every column rewrote
// seven index entries, each a page written to the WAL, instead of one.
func (s *Store) saveHost(ctx context.Context, tx *sql.Tx, n int64, old, h *hostsync.HostRecord) error {
	was, args := hostArgs(old), hostArgs(h)
	mask := 0
	for g, cols := range hostUpdateGroups {
		for _, c := range cols {
			i := hostMutableIndex[c]
			if args[i] != was[i] {
				mask |= 1 << g
			}
		}
	}
	if _, err := tx.StmtContext(ctx, s.stmts.updateHost[mask]).ExecContext(ctx, append(args, n)...); err != nil {
		return hostWriteErr(h, err)
	}
	return nil
}

// hostMutableIndex maps a hostMutable column to its position in hostArgs.
var hostMutableIndex = func() map[string]int {
	m := map[string]int{}
	for i, col := range strings.Split(hostMutable, ",") {
		m[strings.TrimSpace(col)] = i
	}
	return m
}()

// DeleteHost soft-deletes a live host: SCIM clients no longer see it and its
// userName is free, but the row, its memberships and its history stay.
func (s *Store) DeleteHost(ctx context.Context, a hostsync.Actor, id string) error {
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n, cur, err := hostBy(ctx, tx.StmtContext(ctx, s.stmts.liveHostW), id)
		if err != nil {
			return err
		}
		t := now()
		h, ev := hostsync.DeleteHost(a, cur, t)
		if err := s.appendChange(ctx, tx, a, &ev, h.DisplayName); err != nil {
			return err
		}
		h.Seq = ev.Seq
		if err := s.saveHost(ctx, tx, n, cur, h); err != nil {
			return err
		}
		s.cacheHost(n, h)
		return touchGroupsOf(ctx, tx, n, ev.Seq, t)
	})
	if err != nil {
		return fmt.Errorf("hostdb: delete host: %w", err)
	}
	return nil
}

// touchGroupsOf stamps seq on the live groups host n belongs to: their member
// lists (live hosts only) just changed, and the change feed must resend them.
func touchGroupsOf(ctx context.Context, tx *sql.Tx, n, seq int64, t time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE groups SET seq = ?, modified = ?
		WHERE deleted_at IS NULL AND n IN (SELECT group_n FROM memberships WHERE host_n = ?)`,
		seq, t.UnixMilli(), n)
	if err != nil {
		return fmt.Errorf("touch groups: %w", err)
	}
	return nil
}
