package hostdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/visitly/hostsync"
)

func groupCond(c hostsync.Cond) (clause string, arg any, ok bool) {
	switch c.Field {
	case hostsync.FieldID:
		return "id = ?", c.Value, true
	case hostsync.FieldDisplayName:
		return "display_name_key = ?", groupNameKey(c.Value), true
	case hostsync.FieldExternalID:
		return "external_id = ?", c.Value, true
	}
	return "", nil, false // groups have no such attribute: nothing matches
}

// QueryGroups returns one page of the live groups that satisfy q, in creation
// order, and how many do in all. Everything is read in one snapshot.
func (s *Store) QueryGroups(ctx context.Context, q hostsync.GroupQuery) ([]*hostsync.GroupRecord, int, error) {
	where := []string{"deleted_at IS NULL"}
	var args []any
	for _, c := range q.Conds {
		clause, arg, ok := groupCond(c)
		if !ok {
			return nil, 0, nil
		}
		where = append(where, clause)
		args = append(args, arg)
	}
	w := strings.Join(where, " AND ")
	offset := max(q.StartIndex, 1) - 1
	var groups []*hostsync.GroupRecord
	total := 0
	err := s.read(ctx, func(tx *sql.Tx) error {
		if q.Match == nil {
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM groups WHERE "+w, args...).Scan(&total); err != nil {
				return err
			}
			if q.Count <= 0 {
				return nil
			}
			var err error
			groups, err = readGroups(ctx, tx, "SELECT "+groupColumns+" FROM groups WHERE "+w+
				" ORDER BY n LIMIT ? OFFSET ?", append(args, q.Count, offset), q.WithMembers, nil)
			return err
		}
		all, err := readGroups(ctx, tx, "SELECT "+groupColumns+" FROM groups WHERE "+w+" ORDER BY n",
			args, q.WithMembers, q.Match)
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
		return nil, 0, fmt.Errorf("hostdb: query groups: %w", err)
	}
	return groups, total, nil
}

// readGroups reads the groups of query, with members when asked, keeping
// those match accepts (all when match is nil). The group rows are read in
// full before any member query, so the two never share the connection.
func readGroups(ctx context.Context, tx *sql.Tx, query string, args []any, withMembers bool, match func(*hostsync.GroupRecord) bool) ([]*hostsync.GroupRecord, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	type row struct {
		n int64
		g *hostsync.GroupRecord
	}
	var rs []row
	for rows.Next() {
		n, g, err := scanGroup(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		rs = append(rs, row{n, g})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []*hostsync.GroupRecord
	for _, r := range rs {
		if withMembers {
			if r.g.Members, err = memberIDs(ctx, tx, r.n); err != nil {
				return nil, err
			}
		}
		if match == nil || match(r.g) {
			out = append(out, r.g)
		}
	}
	return out, nil
}
