package hostdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/visitly/hostsync"
)

// member is a host as a membership row knows it.
type member struct {
	n  int64
	id string
}

// resolveLive maps host ids (deduplicated, order kept) to live hosts; any
// other id is ErrInvalidMember.
func resolveLive(ctx context.Context, tx *sql.Tx, ids []string) ([]member, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	stmt, err := tx.PrepareContext(ctx, "SELECT n FROM hosts WHERE id = ? AND deleted_at IS NULL")
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	seen := make(map[string]bool, len(ids))
	ms := make([]member, 0, len(ids))
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		var n int64
		err := stmt.QueryRowContext(ctx, id).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, &hostsync.InvalidMemberError{ID: id}
		}
		if err != nil {
			return nil, fmt.Errorf("resolve member %q: %w", id, err)
		}
		ms = append(ms, member{n, id})
	}
	return ms, nil
}

// addMembers appends ms to group g (existing members keep their place) and
// returns those that were not members yet.
func addMembers(ctx context.Context, tx *sql.Tx, g int64, ms []member) ([]member, error) {
	if len(ms) == 0 {
		return nil, nil
	}
	var pos int64
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(pos), 0) FROM memberships WHERE group_n = ?", g).Scan(&pos); err != nil {
		return nil, fmt.Errorf("add members: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, "INSERT OR IGNORE INTO memberships (group_n, pos, host_n) VALUES (?, ?, ?)")
	if err != nil {
		return nil, fmt.Errorf("add members: %w", err)
	}
	defer stmt.Close()
	var added []member
	for _, m := range ms {
		pos++
		res, err := stmt.ExecContext(ctx, g, pos, m.n)
		if err != nil {
			return nil, fmt.Errorf("add member %q: %w", m.id, err)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			added = append(added, m)
		}
	}
	return added, nil
}

// applyMembers applies the member part of ch to group g and returns the live
// host ids that became members and those that stopped being members.
func applyMembers(ctx context.Context, tx *sql.Tx, g int64, ch *hostsync.GroupChange) (added, removed []string, err error) {
	add, err := resolveLive(ctx, tx, ch.Add) // validate before changing anything
	if err != nil {
		return nil, nil, err
	}
	var gone []string
	if ch.RemoveAll {
		gone, err = removeAllBut(ctx, tx, g, add)
	} else {
		gone, err = removeMembers(ctx, tx, g, ch.Remove)
	}
	if err != nil {
		return nil, nil, err
	}
	came, err := addMembers(ctx, tx, g, add)
	if err != nil {
		return nil, nil, err
	}
	// An id both removed and added in one change is no net change.
	cameSet := map[string]bool{}
	for _, m := range came {
		cameSet[m.id] = true
	}
	goneSet := map[string]bool{}
	for _, id := range gone {
		goneSet[id] = true
		if !cameSet[id] {
			removed = append(removed, id)
		}
	}
	for _, m := range came {
		if !goneSet[m.id] {
			added = append(added, m.id)
		}
	}
	return added, removed, nil
}

// removeAllBut removes every member of g except keep (which then need not be
// re-added) and returns the removed live host ids.
func removeAllBut(ctx context.Context, tx *sql.Tx, g int64, keep []member) ([]string, error) {
	keepSet := make(map[int64]bool, len(keep))
	for _, m := range keep {
		keepSet[m.n] = true
	}
	rows, err := tx.QueryContext(ctx, `SELECT m.host_n, h.id, h.deleted_at IS NULL FROM memberships m
		JOIN hosts h ON h.n = m.host_n WHERE m.group_n = ? ORDER BY m.pos`, g)
	if err != nil {
		return nil, fmt.Errorf("read members: %w", err)
	}
	var drop []int64
	var removed []string
	for rows.Next() {
		var n int64
		var id string
		var live bool
		if err := rows.Scan(&n, &id, &live); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read members: %w", err)
		}
		if !keepSet[n] {
			drop = append(drop, n)
			if live {
				removed = append(removed, id)
			}
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read members: %w", err)
	}
	if len(drop) == 0 {
		return nil, nil
	}
	if len(keep) == 0 {
		_, err = tx.ExecContext(ctx, "DELETE FROM memberships WHERE group_n = ?", g)
	} else {
		stmt, perr := tx.PrepareContext(ctx, "DELETE FROM memberships WHERE group_n = ? AND host_n = ?")
		if perr != nil {
			return nil, perr
		}
		defer stmt.Close()
		for _, n := range drop {
			if _, err = stmt.ExecContext(ctx, g, n); err != nil {
				break
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("remove members: %w", err)
	}
	return removed, nil
}

// removeMembers removes the given host ids (in any state) from g and returns
// the live ones that were members. Unknown ids and non-members are no-ops.
func removeMembers(ctx context.Context, tx *sql.Tx, g int64, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	lookup, err := tx.PrepareContext(ctx, "SELECT n, deleted_at IS NULL FROM hosts WHERE id = ?")
	if err != nil {
		return nil, fmt.Errorf("remove members: %w", err)
	}
	defer lookup.Close()
	del, err := tx.PrepareContext(ctx, "DELETE FROM memberships WHERE group_n = ? AND host_n = ?")
	if err != nil {
		return nil, fmt.Errorf("remove members: %w", err)
	}
	defer del.Close()
	var removed []string
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		var n int64
		var live bool
		err := lookup.QueryRowContext(ctx, id).Scan(&n, &live)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("remove member %q: %w", id, err)
		}
		res, err := del.ExecContext(ctx, g, n)
		if err != nil {
			return nil, fmt.Errorf("remove member %q: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k > 0 && live {
			removed = append(removed, id)
		}
	}
	return removed, nil
}

// memberIDs returns the live members of group g in insertion order.
func memberIDs(ctx context.Context, tx *sql.Tx, g int64) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT h.id FROM memberships m JOIN hosts h ON h.n = m.host_n
		WHERE m.group_n = ? AND h.deleted_at IS NULL ORDER BY m.pos`, g)
	if err != nil {
		return nil, fmt.Errorf("read members: %w", err)
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read members: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read members: %w", err)
	}
	return ids, nil
}

func memberIDList(ms []member) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.id
	}
	return ids
}
