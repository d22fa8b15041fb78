package hostdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/visitly/hostsync"
)

// RestoreHost brings a removed host back: a deactivated host becomes active, a
// deleted one live and active (also "active":true inside Attrs), back in its
// groups. A deleted host whose userName a live host now has is ErrConflict and
// nothing changes; restoring an active host is a no-op without event.
func (s *Store) RestoreHost(ctx context.Context, a hostsync.Actor, id string) (*hostsync.HostRecord, error) {
	var out *hostsync.HostRecord
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n, cur, err := hostBy(ctx, tx.StmtContext(ctx, s.stmts.anyHostW), id)
		if err != nil {
			return err
		}
		state := cur.State()
		var holder string
		if state == StateDeleted {
			if holder, err = userNameHolder(ctx, tx, cur.UserName); err != nil {
				return err
			}
		}
		t := now()
		h, ev, err := hostsync.RestoreHost(a, cur, holder, t)
		if err != nil || h == nil {
			out = cur
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
		if state == StateDeleted {
			if err := touchGroupsOf(ctx, tx, n, ev.Seq, t); err != nil {
				return err
			}
		}
		out = h
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hostdb: restore host: %w", err)
	}
	return out, nil
}

// userNameHolder returns the id of the live host that has userName, or "".
func userNameHolder(ctx context.Context, tx *sql.Tx, userName string) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, "SELECT id FROM hosts WHERE user_name_key = ? AND deleted_at IS NULL",
		userNameKey(userName)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("check userName: %w", err)
	}
	return id, nil
}
