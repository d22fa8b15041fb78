package hostdb

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/visitly/hostsync"
	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

const groupColumns = "n, id, seq, display_name, external_id, attrs, created, modified, deleted_at, deleted_by"

func scanGroup(sc sqlitedb.Scanner) (int64, *hostsync.GroupRecord, error) {
	g := &hostsync.GroupRecord{}
	var n, created, modified int64
	var deleted sql.NullInt64
	var attrs []byte
	if err := sc.Scan(&n, &g.ID, &g.Seq, &g.DisplayName, &g.ExternalID, &attrs, &created,
		&modified, &deleted, &g.DeletedBy); err != nil {
		return 0, nil, err
	}
	g.Attrs = attrs
	g.Created, g.Modified = sqlitedb.Time(created), sqlitedb.Time(modified)
	g.DeletedAt = sqlitedb.NullTime(deleted)
	return n, g, nil
}

func liveGroup(ctx context.Context, tx *sql.Tx, id string) (int64, *hostsync.GroupRecord, error) {
	n, g, err := scanGroup(tx.QueryRowContext(ctx,
		"SELECT "+groupColumns+" FROM groups WHERE id = ? AND deleted_at IS NULL", id))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, &hostsync.NotFoundError{Kind: "group", ID: id}
	}
	if err != nil {
		return 0, nil, fmt.Errorf("read group %q: %w", id, err)
	}
	return n, g, nil
}

func groupWriteErr(displayName string, err error) error {
	if isUnique(err) {
		return &hostsync.ConflictError{Field: "displayName", Value: displayName}
	}
	return fmt.Errorf("write group: %w", err)
}

// CreateGroup stores a new group with g's fields and optional Members (live
// host ids; any other id is ErrInvalidMember). A live group with the same
// displayName (case-insensitively) is ErrConflict.
func (s *Store) CreateGroup(ctx context.Context, a hostsync.Actor, g *hostsync.GroupRecord) (*hostsync.GroupRecord, error) {
	if g == nil {
		return nil, errors.New("hostdb: create group: nil group")
	}
	if err := hostsync.CheckGroup(g.DisplayName, g.Attrs); err != nil {
		return nil, fmt.Errorf("hostdb: create group: %w", err)
	}
	var ng *hostsync.GroupRecord
	t := now()
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		add, err := resolveLive(ctx, tx, g.Members)
		if err != nil {
			return err
		}
		var ev hostsync.Event
		if ng, ev, err = hostsync.NewGroup(g, memberIDList(add), newID(), t); err != nil {
			return err
		}
		if err := s.appendChange(ctx, tx, a, &ev, ng.DisplayName); err != nil {
			return err
		}
		ng.Seq = ev.Seq
		res, err := tx.ExecContext(ctx, `INSERT INTO groups (id, seq, display_name, display_name_key,
			external_id, attrs, created, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			ng.ID, ng.Seq, ng.DisplayName, groupNameKey(ng.DisplayName), ng.ExternalID,
			string(ng.Attrs), t.UnixMilli(), t.UnixMilli())
		if err != nil {
			return groupWriteErr(ng.DisplayName, err)
		}
		n, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if _, err := addMembers(ctx, tx, n, add); err != nil {
			return err
		}
		ng.Members = memberIDList(add)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hostdb: create group: %w", err)
	}
	if ng.Members == nil {
		ng.Members = []string{}
	}
	return ng, nil
}

// GetGroup returns a live group, with its live members when withMembers.
func (s *Store) GetGroup(ctx context.Context, id string, withMembers bool) (*hostsync.GroupRecord, error) {
	var g *hostsync.GroupRecord
	err := s.read(ctx, func(tx *sql.Tx) error {
		n, gr, err := liveGroup(ctx, tx, id)
		if err != nil {
			return err
		}
		if withMembers {
			if gr.Members, err = memberIDs(ctx, tx, n); err != nil {
				return err
			}
		}
		g = gr
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hostdb: %w", err)
	}
	return g, nil
}

// errNoChange rolls back a write transaction that turned out to change
// nothing visible.
var errNoChange = errors.New("no change")

// UpdateGroup changes a live group in one atomic write. fn gets the
// current group without members; its error rolls back and is returned
// unchanged; a nil change, or one that changes nothing, writes nothing and
// records no event. The result carries no Members (GetGroup for them), which
// keeps a one-member PATCH of a large group cheap. Like UpdateHost's, fn runs
// under the write lock and must not call the Store's write methods.
func (s *Store) UpdateGroup(ctx context.Context, a hostsync.Actor, id string, fn func(cur *hostsync.GroupRecord) (*hostsync.GroupChange, error)) (*hostsync.GroupRecord, error) {
	var out, cur *hostsync.GroupRecord
	var fnErr error
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n, g, err := liveGroup(ctx, tx, id)
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
		added, removed, err := applyMembers(ctx, tx, n, ch)
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
		if err := s.appendChange(ctx, tx, a, &ev, next.DisplayName); err != nil {
			return err
		}
		next.Seq, next.Modified = ev.Seq, ev.At
		// The key is rewritten only with the name: a group whose name
		// shares its key with an older group's keeps its own (rekey.go).
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET seq = ?, display_name = ?,
			display_name_key = CASE WHEN display_name = ? THEN display_name_key ELSE ? END,
			external_id = ?, attrs = ?, modified = ? WHERE n = ?`, next.Seq, next.DisplayName,
			next.DisplayName, groupNameKey(next.DisplayName), next.ExternalID, string(next.Attrs),
			next.Modified.UnixMilli(), n); err != nil {
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
		return nil, fmt.Errorf("hostdb: update group: %w", err)
	}
	return out, nil
}

// DeleteGroup soft-deletes a live group; its displayName is free afterwards.
func (s *Store) DeleteGroup(ctx context.Context, a hostsync.Actor, id string) error {
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n, g, err := liveGroup(ctx, tx, id)
		if err != nil {
			return err
		}
		ev := hostsync.DeleteGroup(g)
		if err := s.appendChange(ctx, tx, a, &ev, g.DisplayName); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE groups SET seq = ?, modified = ?, deleted_at = ?, deleted_by = ? WHERE n = ?",
			ev.Seq, ev.At.UnixMilli(), ev.At.UnixMilli(), a.String(), n)
		return err
	})
	if err != nil {
		return fmt.Errorf("hostdb: delete group: %w", err)
	}
	return nil
}
