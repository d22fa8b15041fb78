package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/visitly/hostsync"
)

// Memberships are rows (group, pos, host); pos keeps insertion order. A
// deleted host's rows stay, so that a restore puts it back in its groups;
// every read joins live hosts. Each step below is one statement over an
// array of ids, not one per member: a replace of a large group is a few
// round trips.

// member is a host as a membership row knows it.
type member struct {
	n  int64
	id string
}

// resolveLive maps host ids (deduplicated, order kept) to live hosts; any
// other id is ErrInvalidMember.
func (s *Store) resolveLive(ctx context.Context, tx pgx.Tx, ids []string) ([]member, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, "SELECT id, n FROM hosts WHERE tenant = $1 AND id = ANY($2) AND deleted_at IS NULL", s.tenant, ids)
	if err != nil {
		return nil, fmt.Errorf("resolve members: %w", err)
	}
	live := map[string]int64{}
	var id string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&id, &n}, func() error {
		live[id] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("resolve members: %w", err)
	}
	seen := make(map[string]bool, len(ids))
	ms := make([]member, 0, len(ids))
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		n, ok := live[id]
		if !ok {
			return nil, &hostsync.InvalidMemberError{ID: id}
		}
		ms = append(ms, member{n, id})
	}
	return ms, nil
}

// addMembers appends ms to group g (existing members keep their place) and
// returns those that were not members yet. The caller holds g's row lock,
// so positions do not race.
func (s *Store) addMembers(ctx context.Context, tx pgx.Tx, g int64, ms []member) ([]member, error) {
	if len(ms) == 0 {
		return nil, nil
	}
	ns := make([]int64, len(ms))
	for i, m := range ms {
		ns[i] = m.n
	}
	rows, err := tx.Query(ctx, `INSERT INTO memberships (tenant, group_n, pos, host_n)
		SELECT $1, $2, (SELECT coalesce(max(pos), 0) FROM memberships WHERE tenant = $1 AND group_n = $2) + u.ord, u.n
		FROM unnest($3::bigint[]) WITH ORDINALITY AS u(n, ord)
		ON CONFLICT DO NOTHING RETURNING host_n`, s.tenant, g, ns)
	if err != nil {
		return nil, fmt.Errorf("add members: %w", err)
	}
	ins, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("add members: %w", err)
	}
	got := make(map[int64]bool, len(ins))
	for _, n := range ins {
		got[n] = true
	}
	var added []member
	for _, m := range ms {
		if got[m.n] {
			added = append(added, m)
		}
	}
	return added, nil
}

// applyMembers applies the member part of ch to group g and returns the live
// host ids that became members and those that stopped being members.
func (s *Store) applyMembers(ctx context.Context, tx pgx.Tx, g int64, ch *hostsync.GroupChange) (added, removed []string, err error) {
	add, err := s.resolveLive(ctx, tx, ch.Add) // validate before changing anything
	if err != nil {
		return nil, nil, err
	}
	var gone []string
	if ch.RemoveAll {
		keep := make([]int64, len(add))
		for i, m := range add {
			keep[i] = m.n
		}
		gone, err = s.removeWhere(ctx, tx, g, "NOT (m.host_n = ANY($3::bigint[]))", keep)
	} else if len(ch.Remove) > 0 {
		gone, err = s.removeWhere(ctx, tx, g, "h.id = ANY($3::text[])", ch.Remove)
	}
	if err != nil {
		return nil, nil, err
	}
	came, err := s.addMembers(ctx, tx, g, add)
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

// removeWhere deletes g's memberships matching cond (on m, the membership,
// and h, its host; $3 is arg) and returns the live hosts' ids among them, in
// member order. Removing a non-member is a no-op.
func (s *Store) removeWhere(ctx context.Context, tx pgx.Tx, g int64, cond string, arg any) ([]string, error) {
	rows, err := tx.Query(ctx, `WITH d AS (DELETE FROM memberships m USING hosts h
			WHERE m.tenant = $1 AND m.group_n = $2 AND h.tenant = m.tenant AND h.n = m.host_n AND `+cond+`
			RETURNING h.id, h.deleted_at IS NULL AS live, m.pos)
		SELECT id FROM d WHERE live ORDER BY pos`, s.tenant, g, arg)
	if err != nil {
		return nil, fmt.Errorf("remove members: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("remove members: %w", err)
	}
	return ids, nil
}

// membersOf returns the live members of groups gs in insertion order, by
// group; a group without live members has an empty list.
func (s *Store) membersOf(ctx context.Context, q querier, gs []int64) (map[int64][]string, error) {
	out := make(map[int64][]string, len(gs))
	for _, g := range gs {
		out[g] = []string{}
	}
	if len(gs) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `SELECT m.group_n, h.id FROM memberships m
		JOIN hosts h ON h.tenant = m.tenant AND h.n = m.host_n
		WHERE m.tenant = $1 AND m.group_n = ANY($2) AND h.deleted_at IS NULL ORDER BY m.group_n, m.pos`, s.tenant, gs)
	if err != nil {
		return nil, fmt.Errorf("read members: %w", err)
	}
	var g int64
	var id string
	_, err = pgx.ForEachRow(rows, []any{&g, &id}, func() error {
		out[g] = append(out[g], id)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read members: %w", err)
	}
	return out, nil
}

func memberIDList(ms []member) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.id
	}
	return ids
}
