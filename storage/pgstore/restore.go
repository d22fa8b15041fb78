package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/visitly/hostsync"
)

// RestoreHost brings a removed host back: a deactivated host becomes active, a
// deleted one live and active (also "active":true inside Attrs), back in its
// groups. A deleted host whose userName a live host now has is ErrConflict
// (naming that host) and nothing changes; restoring an active host is a
// no-op without event.
func (s *Store) RestoreHost(ctx context.Context, a hostsync.Actor, id string) (*hostsync.HostRecord, error) {
	var out *hostsync.HostRecord
	err := s.write(ctx, func(tx pgx.Tx) error {
		_, cur, err := s.hostBy(ctx, tx, id, true)
		if err != nil {
			return err
		}
		state := cur.State()
		var holder string
		if state == hostsync.StateDeleted {
			if holder, err = s.userNameHolder(ctx, tx, cur.UserName); err != nil {
				return err
			}
		}
		h, ev, err := hostsync.RestoreHost(a, cur, holder, now())
		if err != nil || h == nil {
			out = cur
			return err
		}
		if err := s.saveHost(ctx, tx, a, cur, h, &ev); err != nil {
			if errors.Is(err, errStale) {
				err = fmt.Errorf("host %q changed concurrently; try again", id)
			}
			return err
		}
		if state == hostsync.StateDeleted {
			if err := s.touchGroupsOf(ctx, tx, h); err != nil {
				return err
			}
		}
		out = h
		return nil
	})
	if err != nil {
		return nil, fail("restore host", err)
	}
	return out, nil
}

// userNameHolder returns the id of the live host that has userName, or "".
func (s *Store) userNameHolder(ctx context.Context, tx pgx.Tx, userName string) (string, error) {
	var id string
	err := tx.QueryRow(ctx, "SELECT id FROM hosts WHERE tenant = $1 AND user_name_key = $2 AND deleted_at IS NULL",
		s.tenant, nameKey(userName)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("check userName: %w", err)
	}
	return id, nil
}
