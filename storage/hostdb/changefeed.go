package hostdb

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"github.com/visitly/hostsync"
)

const defaultChangesLimit = 1000

// Changes returns the hosts and groups whose seq is greater than since, in
// seq order (a host before the groups stamped by the same write), at most
// limit items (default 1000) unless one write touched more. cursor is the seq
// of the last item returned, or since when none; more says there is more to
// read. Items of one seq are never split across pages, so resuming from
// cursor misses nothing.
func (s *Store) Changes(ctx context.Context, since int64, limit int) (changes []hostsync.ChangeRecord, cursor int64, more bool, err error) {
	if limit <= 0 {
		limit = defaultChangesLimit
	}
	var page []feedItem
	err = s.read(ctx, func(tx *sql.Tx) error {
		items, bound, err := readChanges(ctx, tx, "seq > ? ORDER BY seq, n LIMIT ?", since, limit+1)
		if err != nil {
			return err
		}
		page, more = pickChanges(items, bound, limit)
		if len(page) == 0 && len(items) > 0 {
			// One write touched more than limit items: return that seq whole.
			if page, _, err = readChanges(ctx, tx, "seq = ? ORDER BY n LIMIT ?", bound, -1); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM hosts WHERE seq > ?)
				OR EXISTS (SELECT 1 FROM groups WHERE seq > ?)`, bound, bound).Scan(&more); err != nil {
				return err
			}
		}
		for _, c := range page {
			if c.Group == nil {
				continue
			}
			if c.Group.Members, err = memberIDs(ctx, tx, c.groupN); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, false, fmt.Errorf("hostdb: changes: %w", err)
	}
	cursor = since
	changes = make([]hostsync.ChangeRecord, len(page))
	for i, c := range page {
		changes[i] = c.ChangeRecord
		cursor = c.Seq
	}
	return changes, cursor, more, nil
}

type feedItem struct {
	hostsync.ChangeRecord
	groupN int64
}

// readChanges reads hosts and groups matching cond (args: seq, limit), merged
// in (seq, host first, creation) order. bound is the lowest seq up to which a
// truncated list may be incomplete (0 when neither list was truncated).
func readChanges(ctx context.Context, tx *sql.Tx, cond string, seq int64, limit int) ([]feedItem, int64, error) {
	var items []feedItem
	var bound int64
	truncated := func(n int, last int64) {
		if limit > 0 && n == limit && (bound == 0 || last < bound) {
			bound = last
		}
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+hostColumns+" FROM hosts WHERE "+cond, seq, limit)
	if err != nil {
		return nil, 0, err
	}
	hosts, err := collectHosts(rows)
	if err != nil {
		return nil, 0, err
	}
	for _, h := range hosts {
		items = append(items, feedItem{ChangeRecord: hostsync.ChangeRecord{Seq: h.Seq, Host: h}})
	}
	if len(hosts) > 0 {
		truncated(len(hosts), hosts[len(hosts)-1].Seq)
	}
	rows, err = tx.QueryContext(ctx, "SELECT "+groupColumns+" FROM groups WHERE "+cond, seq, limit)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	ng := 0
	var lastGroup int64
	for rows.Next() {
		n, g, err := scanGroup(rows)
		if err != nil {
			return nil, 0, err
		}
		items = append(items, feedItem{ChangeRecord: hostsync.ChangeRecord{Seq: g.Seq, Group: g}, groupN: n})
		ng, lastGroup = ng+1, g.Seq
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	truncated(ng, lastGroup)
	sort.SliceStable(items, func(i, j int) bool {
		if items[i].Seq != items[j].Seq {
			return items[i].Seq < items[j].Seq
		}
		return items[i].Host != nil && items[j].Host == nil
	})
	return items, bound, nil
}

// pickChanges takes up to limit items that are known complete (seq below
// bound) without splitting one seq across pages.
func pickChanges(items []feedItem, bound int64, limit int) (page []feedItem, more bool) {
	eligible := items
	if bound > 0 {
		k := sort.Search(len(items), func(i int) bool { return items[i].Seq >= bound })
		eligible = items[:k]
	}
	if len(eligible) > limit {
		k := limit
		for k > 0 && eligible[k-1].Seq == eligible[k].Seq {
			k--
		}
		if k == 0 { // the first seq alone exceeds limit; it is complete, take it whole
			for k < len(eligible) && eligible[k].Seq == eligible[0].Seq {
				k++
			}
		}
		eligible = eligible[:k]
	}
	return eligible, len(eligible) < len(items)
}

// Counts returns host counts by state, the number of live groups and the
// change-feed cursor, from one snapshot.
func (s *Store) Counts(ctx context.Context) (hostsync.CountsAt, error) {
	var c hostsync.CountsAt
	err := s.read(ctx, func(tx *sql.Tx) error {
		var live int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM hosts WHERE deleted_at IS NULL").Scan(&live); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE state = 'deactivated'),
			count(*) FILTER (WHERE state = 'deleted') FROM hosts WHERE state <> 'active'`).Scan(&c.Deactivated, &c.Deleted)
		if err != nil {
			return err
		}
		c.Active = live - c.Deactivated
		return tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM groups WHERE deleted_at IS NULL),
			max(coalesce((SELECT max(seq) FROM hosts), 0), coalesce((SELECT max(seq) FROM groups), 0))`).
			Scan(&c.Groups, &c.Cursor)
	})
	if err != nil {
		return hostsync.CountsAt{}, fmt.Errorf("hostdb: counts: %w", err)
	}
	return c, nil
}
