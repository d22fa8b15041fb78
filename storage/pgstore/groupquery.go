package pgstore

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/visitly/hostsync"
)

// groupCond translates c into SQL on b; ok is false for a condition nothing
// can satisfy (groups have no such attribute).
func groupCond(b *argList, c hostsync.Cond) (clause string, ok bool) {
	switch c.Field {
	case hostsync.FieldID:
		return "id = " + b.add(c.Value), true
	case hostsync.FieldDisplayName:
		return "display_name_key = " + b.add(nameKey(c.Value)), true
	case hostsync.FieldExternalID:
		return "external_id = " + b.add(c.Value), true
	}
	return "", false
}

// QueryGroups returns one page of the live groups that satisfy q, in creation
// order, and how many do in all, read in one snapshot.
func (s *Store) QueryGroups(ctx context.Context, q hostsync.GroupQuery) ([]*hostsync.GroupRecord, int, error) {
	var b argList
	where := []string{"tenant = " + b.add(s.tenant), "deleted_at IS NULL"}
	for _, c := range q.Conds {
		clause, ok := groupCond(&b, c)
		if !ok {
			return nil, 0, nil
		}
		where = append(where, clause)
	}
	w := strings.Join(where, " AND ")
	offset := max(q.StartIndex, 1) - 1
	var groups []*hostsync.GroupRecord
	total := 0
	err := s.read(ctx, func(tx pgx.Tx) error {
		if q.Match == nil {
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM groups WHERE "+w, b.vals...).Scan(&total); err != nil {
				return err
			}
			if q.Count <= 0 || offset >= total {
				return nil
			}
			var err error
			args := append(b.vals, q.Count, offset)
			n := len(b.vals)
			groups, err = s.readGroups(ctx, tx, "SELECT "+groupColumns+" FROM groups WHERE "+w+
				" ORDER BY n LIMIT $"+strconv.Itoa(n+1)+" OFFSET $"+strconv.Itoa(n+2), args, q.WithMembers, nil)
			return err
		}
		all, err := s.readGroups(ctx, tx, "SELECT "+groupColumns+" FROM groups WHERE "+w+" ORDER BY n",
			b.vals, q.WithMembers, q.Match)
		if err != nil {
			return err
		}
		total = len(all)
		if offset < len(all) && q.Count > 0 {
			groups = all[offset:min(len(all), offset+q.Count)]
		}
		return nil
	})
	if err != nil {
		return nil, 0, fail("query groups", err)
	}
	return groups, total, nil
}

// readGroups reads the groups of query, with members when asked, keeping
// those match accepts (all when match is nil).
func (s *Store) readGroups(ctx context.Context, tx pgx.Tx, query string, args []any, withMembers bool, match func(*hostsync.GroupRecord) bool) ([]*hostsync.GroupRecord, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var ns []int64
	var gs []*hostsync.GroupRecord
	for rows.Next() {
		n, g, err := scanGroup(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		ns, gs = append(ns, n), append(gs, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if withMembers {
		ms, err := s.membersOf(ctx, tx, ns)
		if err != nil {
			return nil, err
		}
		for i, g := range gs {
			g.Members = ms[ns[i]]
		}
	}
	var out []*hostsync.GroupRecord
	for _, g := range gs {
		if match == nil || match(g) {
			out = append(out, g)
		}
	}
	return out, nil
}
