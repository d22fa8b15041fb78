package pgstore

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/visitly/hostsync"
)

// hostCond translates c into SQL on b; ok is false for a condition nothing
// can satisfy (an unknown field or an active value other than true/false).
func hostCond(b *argList, c hostsync.Cond) (clause string, ok bool) {
	switch c.Field {
	case hostsync.FieldID:
		return "id = " + b.add(c.Value), true
	case hostsync.FieldUserName:
		return "user_name_key = " + b.add(nameKey(c.Value)), true
	case hostsync.FieldExternalID:
		return "external_id = " + b.add(c.Value), true
	case hostsync.FieldDisplayName:
		return "display_name_key = " + b.add(nameKey(c.Value)), true
	case hostsync.FieldEmail:
		return "email_key = " + b.add(nameKey(c.Value)), true
	case hostsync.FieldActive:
		// Live hosts only, so active maps onto the state.
		switch strings.ToLower(c.Value) {
		case "true":
			return "state = " + b.add(string(hostsync.StateActive)), true
		case "false":
			return "state = " + b.add(string(hostsync.StateDeactivated)), true
		}
	}
	return "", false
}

// QueryHosts returns one page of the live hosts that satisfy q, in creation
// order, and how many do in all. The unfiltered list (an IdP paging through
// every host) is served by the page memo; a filtered one reads its page
// from an index and counts only when the page does not tell the total; with
// Match every host satisfying Conds is read once.
func (s *Store) QueryHosts(ctx context.Context, q hostsync.LiveHostQuery) (hosts []*hostsync.HostRecord, total int, err error) {
	offset := max(q.StartIndex, 1) - 1
	var b argList
	where := []string{"tenant = " + b.add(s.tenant), "deleted_at IS NULL"}
	for _, c := range q.Conds {
		clause, ok := hostCond(&b, c)
		if !ok {
			return nil, 0, nil
		}
		where = append(where, clause)
	}
	w := strings.Join(where, " AND ")
	switch {
	case q.Match != nil:
		hosts, total, err = s.matchHosts(ctx, w, b.vals, q.Match, offset, q.Count)
	case len(q.Conds) == 0:
		hosts, total, err = s.pageLive(ctx, offset, q.Count)
	default:
		hosts, total, err = s.pageHosts(ctx, w, b.vals, offset, q.Count)
	}
	if err != nil {
		return nil, 0, fail("query hosts", err)
	}
	return hosts, total, nil
}

func (s *Store) pageHosts(ctx context.Context, where string, args []any, offset, count int) ([]*hostsync.HostRecord, int, error) {
	var hosts []*hostsync.HostRecord
	n := len(args)
	if count > 0 {
		var err error
		// The matches are selected first, then ordered: a prepared
		// statement's generic plan, made while the table was small,
		// otherwise walks every live host in creation order looking for
		// the one userName (2,700 rows read per lookup a third of the way
		// through Azure AD's initial cycle of 10,000 users, over HTTP).
		hosts, err = queryHosts(ctx, s.pool, "WITH m AS MATERIALIZED (SELECT "+hostColumns+" FROM hosts WHERE "+where+
			") SELECT * FROM m"+fmt.Sprintf(" ORDER BY n LIMIT $%d OFFSET $%d", n+1, n+2), append(args, count, offset)...)
		if err != nil {
			return nil, 0, err
		}
		if len(hosts) > 0 && len(hosts) < count || offset == 0 && len(hosts) < count {
			return hosts, offset + len(hosts), nil // a short page tells the total
		}
	}
	var total int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM hosts WHERE "+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	// A write between the two statements could make the count stale; never
	// report fewer than this page shows.
	if len(hosts) > 0 {
		total = max(total, offset+len(hosts))
	}
	return hosts, total, nil
}

func (s *Store) matchHosts(ctx context.Context, where string, args []any, match func(*hostsync.HostRecord) bool, offset, count int) ([]*hostsync.HostRecord, int, error) {
	all, err := queryHosts(ctx, s.pool, "SELECT "+hostColumns+" FROM hosts WHERE "+where+" ORDER BY n", args...)
	if err != nil {
		return nil, 0, err
	}
	var hosts []*hostsync.HostRecord
	total := 0
	for _, h := range all {
		if !match(h) {
			continue
		}
		total++
		if total > offset && len(hosts) < count {
			hosts = append(hosts, h)
		}
	}
	return hosts, total, nil
}

// pageMemo remembers, for the unfiltered live host list, how many hosts
// there are and after which row each page already served starts, so that
// the next page is a keyset read (n > last) instead of an OFFSET that walks
// every earlier host: paging 100,000 hosts by 100 is then linear, not
// quadratic. It holds while no host's state changed since the snapshot it
// was taken from, in any process: every such change stamps state_xid with
// its transaction, and any transaction the snapshot did not see has an xid
// at or above the snapshot's xmin (frontier). So each page checks
// max(state_xid) < frontier in the statement that reads it (an index's last
// entry), and a failed check drops the memo.
type pageMemo struct {
	mu       sync.Mutex
	frontier int64         // 0: no memo
	total    int           // live hosts
	after    map[int]int64 // offset → n of the host just before it
}

// lookup returns the row a page at offset starts after, and the memo's
// frontier and total.
func (m *pageMemo) lookup(offset int) (after, frontier int64, total int, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.frontier == 0 {
		return 0, 0, 0, false
	}
	if offset == 0 {
		return 0, m.frontier, m.total, true
	}
	after, ok = m.after[offset]
	return after, m.frontier, m.total, ok
}

// note records that the host at offset-1 is row n, for the memo of frontier.
func (m *pageMemo) note(frontier int64, offset int, n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.frontier == frontier && len(m.after) < 100_000 {
		m.after[offset] = n
	}
}

func (m *pageMemo) reset(frontier int64, total int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.frontier, m.total, m.after = frontier, total, map[int]int64{}
}

// pageLive is a page of the unfiltered live host list and its total.
func (s *Store) pageLive(ctx context.Context, offset, count int) ([]*hostsync.HostRecord, int, error) {
	after, frontier, total, ok := s.memo.lookup(offset)
	if ok && count <= 0 {
		// Only the total: the memo's, if no host's state changed since.
		var stateXID int64
		err := s.pool.QueryRow(ctx, "SELECT coalesce(max(state_xid), 0) FROM hosts WHERE tenant = $1", s.tenant).Scan(&stateXID)
		if err != nil {
			return nil, 0, err
		}
		if stateXID < frontier {
			return nil, total, nil
		}
	}
	if ok && count > 0 {
		rows, err := s.pool.Query(ctx, `SELECT (SELECT coalesce(max(state_xid), 0) FROM hosts WHERE tenant = $1), `+
			hostColumns+` FROM hosts WHERE tenant = $1 AND deleted_at IS NULL AND n > $2 ORDER BY n LIMIT $3`,
			s.tenant, after, count)
		if err != nil {
			return nil, 0, err
		}
		var hosts []*hostsync.HostRecord
		var ns []int64
		var stateXID int64
		for rows.Next() {
			n, h, err := scanHost(prefixed{rows, &stateXID})
			if err != nil {
				rows.Close()
				return nil, 0, err
			}
			hosts, ns = append(hosts, h), append(ns, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, 0, err
		}
		if len(hosts) > 0 && stateXID < frontier {
			s.memo.note(frontier, offset+len(hosts), ns[len(ns)-1])
			return hosts, max(total, offset+len(hosts)), nil
		}
		// Stale, or past the end (where the check needs a statement of
		// its own): read it the long way, which renews the memo.
	}
	return s.pageLiveOffset(ctx, offset, count)
}

// prefixed scans one leading column into first, then the rest into the
// Scan's destinations.
type prefixed struct {
	row   pgx.Row
	first *int64
}

func (p prefixed) Scan(dest ...any) error { return p.row.Scan(append([]any{p.first}, dest...)...) }

// pageLiveOffset reads a page with OFFSET and the total in one snapshot,
// and starts a new memo from them when no host's state changed in a
// transaction the snapshot could not see.
func (s *Store) pageLiveOffset(ctx context.Context, offset, count int) ([]*hostsync.HostRecord, int, error) {
	var hosts []*hostsync.HostRecord
	var total int
	err := s.read(ctx, func(tx pgx.Tx) error {
		var frontier, stateXID int64
		err := tx.QueryRow(ctx, `SELECT `+frontierSQL+`,
			(SELECT coalesce(max(state_xid), 0) FROM hosts WHERE tenant = $1),
			(SELECT count(*) FROM hosts WHERE tenant = $1 AND deleted_at IS NULL)`, s.tenant).
			Scan(&frontier, &stateXID, &total)
		if err != nil {
			return err
		}
		var ns []int64
		if count > 0 && offset < total {
			rows, err := tx.Query(ctx, "SELECT "+hostColumns+` FROM hosts WHERE tenant = $1 AND deleted_at IS NULL
				ORDER BY n LIMIT $2 OFFSET $3`, s.tenant, count, offset)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				n, h, err := scanHost(rows)
				if err != nil {
					return err
				}
				hosts, ns = append(hosts, h), append(ns, n)
			}
			if err := rows.Err(); err != nil {
				return err
			}
		}
		if stateXID < frontier {
			s.memo.reset(frontier, total)
			if len(ns) > 0 {
				s.memo.note(frontier, offset+len(ns), ns[len(ns)-1])
			}
		}
		return nil
	})
	return hosts, total, err
}

// AdminHosts pages through hosts in every state, in creation order. state is
// active, deactivated, deleted, removed (deactivated and deleted) or all.
// count 0 returns only the total.
func (s *Store) AdminHosts(ctx context.Context, state hostsync.State, startIndex, count int) ([]*hostsync.HostRecord, int, error) {
	var where string
	args := []any{s.tenant}
	switch state {
	case hostsync.StateActive:
		where, args = "deleted_at IS NULL AND state = $2", append(args, string(state))
	case hostsync.StateDeactivated, hostsync.StateDeleted:
		where, args = "state <> 'active' AND state = $2", append(args, string(state))
	case hostsync.StateRemoved:
		where = "state <> 'active'"
	case hostsync.StateAll, "":
		where = "true"
	default:
		return nil, 0, fmt.Errorf("pgstore: unknown host state %q", state)
	}
	where = "tenant = $1 AND " + where
	offset := max(startIndex, 1) - 1
	var hosts []*hostsync.HostRecord
	var total int
	err := s.read(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM hosts WHERE "+where, args...).Scan(&total); err != nil {
			return err
		}
		if count <= 0 || offset >= total {
			return nil
		}
		n := len(args)
		var err error
		hosts, err = queryHosts(ctx, tx, "SELECT "+hostColumns+" FROM hosts WHERE "+where+
			fmt.Sprintf(" ORDER BY n LIMIT $%d OFFSET $%d", n+1, n+2), append(args, count, offset)...)
		return err
	})
	if err != nil {
		return nil, 0, fail("admin hosts", err)
	}
	return hosts, total, nil
}

func queryHosts(ctx context.Context, q querier, sql string, args ...any) ([]*hostsync.HostRecord, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hosts []*hostsync.HostRecord
	for rows.Next() {
		_, h, err := scanHost(rows)
		if err != nil {
			return nil, err
		}
		hosts = append(hosts, h)
	}
	return hosts, rows.Err()
}
