package hostdb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/visitly/hostsync"
)

// RestoreHost brings a removed host back: a deactivated host becomes active, a
// deleted one live and active (also "active":true inside Attrs), back in its
// groups. A deleted host whose userName a live host now has is ErrConflict and
// nothing changes; restoring an active host is a no-op without event.
func (s *Store) RestoreHost(ctx context.Context, a Actor, id string) (*Host, error) {
	var out *Host
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n, cur, err := hostBy(ctx, tx.StmtContext(ctx, s.stmts.anyHostW), id)
		if err != nil {
			return err
		}
		state := cur.State()
		if state == StateActive {
			out = cur
			return nil
		}
		if state == StateDeleted {
			if err := checkUserNameFree(ctx, tx, cur); err != nil {
				return err
			}
		}
		h := cur.clone()
		if !h.Active {
			if h.Attrs, err = setActive(h.Attrs); err != nil {
				return err
			}
		}
		t := now()
		h.Active, h.Modified = true, t
		h.DeactivatedAt, h.DeactivatedBy = time.Time{}, ""
		h.DeletedAt, h.DeletedBy, h.RemovedHow = time.Time{}, "", ""
		h.RestoredAt, h.RestoredBy = t, a.String()
		ev := Event{Action: hostsync.ActionHostRestored, ResourceType: TypeUser, ResourceID: h.ID, UserName: h.UserName,
			Changes: []FieldChange{{Field: "state", Old: state, New: StateActive}}}
		attrChanges, err := diffAttrs(cur.Attrs, h.Attrs)
		if err != nil {
			return err
		}
		ev.Changes = append(ev.Changes, attrChanges...)
		if err := s.appendChange(ctx, tx, a, &ev, h.DisplayName); err != nil {
			return err
		}
		h.Seq = ev.Seq
		if err := s.saveHost(ctx, tx, n, cur, h); err != nil {
			return err
		}
		s.cacheHost(n, h.clone())
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

// checkUserNameFree fails with ErrConflict when a live host has h's userName.
func checkUserNameFree(ctx context.Context, tx *sql.Tx, h *Host) error {
	var other string
	err := tx.QueryRowContext(ctx, "SELECT id FROM hosts WHERE user_name_key = ? AND deleted_at IS NULL",
		userNameKey(h.UserName)).Scan(&other)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("check userName: %w", err)
	}
	return &ConflictError{Field: "userName", Value: h.UserName, Holder: other}
}

// setActive returns attrs with "active": true. Keys come back in sorted order,
// which is still the same SCIM resource.
func setActive(attrs json.RawMessage) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(attrs))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode attributes: %w", err)
	}
	m["active"] = true
	return marshalJSON(m)
}
