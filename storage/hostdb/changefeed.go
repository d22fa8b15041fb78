package hostdb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/internal/feedpage"
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
	var page []feedpage.Item
	err = s.read(ctx, func(tx *sql.Tx) error {
		items, bound, err := readChanges(ctx, tx, "seq > ? ORDER BY seq, n LIMIT ?", since, limit+1)
		if err != nil {
			return err
		}
		page, more = feedpage.Pick(items, bound, limit)
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
			if c.Group.Members, err = memberIDs(ctx, tx, c.GroupN); err != nil {
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

// readChanges reads hosts and groups matching cond (args: seq, limit), merged
// in (seq, host first, creation) order. bound is the lowest seq up to which a
// truncated list may be incomplete (0 when neither list was truncated).
func readChanges(ctx context.Context, tx *sql.Tx, cond string, seq int64, limit int) ([]feedpage.Item, int64, error) {
	var items []feedpage.Item
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
		items = append(items, feedpage.Item{ChangeRecord: hostsync.ChangeRecord{Seq: h.Seq, Host: h}})
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
		items = append(items, feedpage.Item{ChangeRecord: hostsync.ChangeRecord{Seq: g.Seq, Group: g}, GroupN: n})
		ng, lastGroup = ng+1, g.Seq
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	truncated(ng, lastGroup)
	feedpage.Sort(items)
	return items, bound, nil
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
