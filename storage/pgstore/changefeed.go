package pgstore

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/internal/feedpage"
)

// The change feed. Each host and group row carries the xid of the
// transaction that last wrote it. A sequence would not do as a cursor:
// transactions take numbers in one order and commit in another, so a
// reader that saw 11 committed could move its cursor past 10, which commits
// a moment later and is never read (with 16 writers a bigserial cursor
// missed 3-4% of rows). A read here serves only rows whose xid is below its
// snapshot's frontier (frontierSQL: the lowest xid still running in this
// database): every transaction of this database below it has ended, so no
// row with an xid at or below the cursor can appear later. Rows of
// transactions still running wait for the next read. The cost: a
// long-running transaction in this database holds the feed back until it
// ends (idle_in_transaction_session_timeout ends the store's own should a
// replica freeze). The same frontier makes the page and counts memos safe.

const defaultChangesLimit = 1000

// settleMax bounds how long a feed read waits for the transactions running
// when it was called (settle). They are a few milliseconds each; the bound
// is for a machine starved of CPU, where one took over 100 ms and a read
// right after a write did not serve it, and for a long transaction, whose
// rows the read could not serve anyway.
const settleMax = 2 * time.Second

// settle waits until every transaction that had an xid when it was called
// has ended, for at most settleMax, so that a feed read right after a
// write serves it: otherwise any transaction that started earlier and is
// still running (another replica's, another database's on the same
// server) holds the frontier below it for a moment, and a caller that
// reads back what it just wrote would not see it. Past settleMax the read
// serves what is final; nothing is skipped either way, only later.
func (s *Store) settle(ctx context.Context) {
	const q = "SELECT " + frontierSQL + ", pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
	var frontier, target, xmax int64
	if err := s.pool.QueryRow(ctx, q).Scan(&frontier, &target); err != nil {
		return // the read reports it
	}
	for deadline := time.Now().Add(settleMax); frontier < target && time.Now().Before(deadline); {
		t := time.NewTimer(2 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if err := s.pool.QueryRow(ctx, q).Scan(&frontier, &xmax); err != nil {
			return
		}
	}
}

// frontierSQL is the feed's frontier in the statement's snapshot: rows of
// lower xids are final. It is the snapshot's xmin (the lowest xid still
// running, or xmax when none is), except that transactions running in
// another database of the server are passed over: they cannot write here,
// and a long one (another application's, or in tests another test's bulk
// load) would otherwise hold this database's feeds back until it ends. A
// transaction that ended since the snapshot, or whose database cannot be
// told (another role's session, hidden), still counts: the frontier only
// errs low. Autovacuum's workers and the store's own maintenance sessions are
// passed over too: they write no row of these tables. pg_stat_activity's backend_xid is a 32-bit xid, the snapshot's
// are 64-bit; the low 32 bits name the same running transaction.
const frontierSQL = `(SELECT coalesce(min(x::text::bigint), pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
	FROM pg_snapshot_xip(pg_current_snapshot()) AS x
	WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.backend_xid IS NOT NULL
		AND (a.datname <> current_database() OR a.backend_type = 'autovacuum worker' OR a.application_name = '` + maintenanceApp + `')
		AND a.backend_xid::text = (x::text::bigint % 4294967296)::text))`

// maintenanceApp names the sessions in which the store analyzes its tables
// (analyze.go). Like autovacuum's workers, they write no row of the store's
// tables, so the frontier passes over them: an ANALYZE of a table that just
// grew would otherwise hold every feed back for as long as it runs.
const maintenanceApp = "visitly maintenance"

// Changes returns the hosts (any state) and groups (deleted ones included,
// with members) written by transactions after the cursor since, in (xid,
// host before group, creation) order, at most limit items (default 1000)
// unless one transaction touched more. cursor is the xid of the last item
// returned, or since when none; more says there is more to read now. One
// transaction's items are never split across pages.
func (s *Store) Changes(ctx context.Context, since int64, limit int) (changes []hostsync.ChangeRecord, cursor int64, more bool, err error) {
	if limit <= 0 {
		limit = defaultChangesLimit
	}
	s.settle(ctx)
	var page []feedpage.Item
	err = s.read(ctx, func(tx pgx.Tx) error {
		items, bound, err := s.readChanges(ctx, tx, "xid > $2 AND xid < "+frontierSQL+" ORDER BY xid, n LIMIT $3", since, limit+1)
		if err != nil {
			return err
		}
		page, more = feedpage.Pick(items, bound, limit)
		if len(page) == 0 && len(items) > 0 {
			// One transaction touched more than limit items: return it whole.
			if page, _, err = s.readChanges(ctx, tx, "xid = $2 ORDER BY n LIMIT $3", bound, 1<<31-1); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM hosts WHERE tenant = $1 AND xid > $2 AND xid < `+frontierSQL+`)
				OR EXISTS (SELECT 1 FROM groups WHERE tenant = $1 AND xid > $2 AND xid < `+frontierSQL+`)`,
				s.tenant, bound).Scan(&more); err != nil {
				return err
			}
		}
		var gs []int64
		for _, c := range page {
			if c.Group != nil {
				gs = append(gs, c.GroupN)
			}
		}
		ms, err := s.membersOf(ctx, tx, gs)
		for _, c := range page {
			if c.Group != nil {
				c.Group.Members = ms[c.GroupN]
			}
		}
		return err
	})
	if err != nil {
		return nil, 0, false, fail("changes", err)
	}
	cursor = since
	changes = make([]hostsync.ChangeRecord, len(page))
	for i, c := range page {
		changes[i] = c.ChangeRecord
		cursor = c.Seq
	}
	return changes, cursor, more, nil
}

// readChanges reads hosts and groups matching cond (args: xid, limit),
// merged in (xid, host first, creation) order. bound is the lowest xid up
// to which a truncated list may be incomplete (0 when neither list was
// truncated).
func (s *Store) readChanges(ctx context.Context, tx pgx.Tx, cond string, xid int64, limit int) ([]feedpage.Item, int64, error) {
	var items []feedpage.Item
	var bound int64
	truncated := func(n int, last int64) {
		if n == limit && (bound == 0 || last < bound) {
			bound = last
		}
	}
	hosts, err := queryHosts(ctx, tx, "SELECT "+hostColumns+" FROM hosts WHERE tenant = $1 AND "+cond, s.tenant, xid, limit)
	if err != nil {
		return nil, 0, err
	}
	for _, h := range hosts {
		items = append(items, feedpage.Item{ChangeRecord: hostsync.ChangeRecord{Seq: h.Seq, Host: h}})
	}
	if len(hosts) > 0 {
		truncated(len(hosts), hosts[len(hosts)-1].Seq)
	}
	rows, err := tx.Query(ctx, "SELECT "+groupColumns+" FROM groups WHERE tenant = $1 AND "+cond, s.tenant, xid, limit)
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

// countsMemo keeps the last counts while they hold: no host's state and no
// group changed in a transaction their snapshot could not see (see
// pageMemo), so that the console header's poll does not count every host.
type countsMemo struct {
	mu       sync.Mutex
	frontier int64
	counts   hostsync.Counts
}

// Counts returns host counts by state, the number of live groups and the
// feeds' head, from one snapshot. The head is the latest activity xid below
// the frontier: every host or group write logs its event in its own
// transaction, and the log is append-only, so the head never falls behind a
// cursor the feed has served. (The latest host or group xid would: a row the
// feed served, rewritten by a transaction past the frontier, is no longer
// below it, and a mirror that sees the service behind itself starts over.)
func (s *Store) Counts(ctx context.Context) (hostsync.CountsAt, error) {
	s.settle(ctx)
	var c hostsync.CountsAt
	err := s.read(ctx, func(tx pgx.Tx) error {
		var frontier, stateXID, groupXID int64
		err := tx.QueryRow(ctx, `SELECT x,
			(SELECT coalesce(max(state_xid), 0) FROM hosts WHERE tenant = $1),
			(SELECT coalesce(max(xid), 0) FROM groups WHERE tenant = $1),
			(SELECT coalesce(max(xid), 0) FROM activity WHERE tenant = $1 AND xid < x)
			FROM (SELECT `+frontierSQL+` AS x) f`, s.tenant).Scan(&frontier, &stateXID, &groupXID, &c.Cursor)
		if err != nil {
			return err
		}
		s.counts.mu.Lock()
		if s.counts.frontier != 0 && stateXID < s.counts.frontier && groupXID < s.counts.frontier {
			c.Counts = s.counts.counts
			s.counts.mu.Unlock()
			return nil
		}
		s.counts.mu.Unlock()
		err = tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state = 'active'),
			count(*) FILTER (WHERE state = 'deactivated'), count(*) FILTER (WHERE state = 'deleted'),
			(SELECT count(*) FROM groups WHERE tenant = $1 AND deleted_at IS NULL)
			FROM hosts WHERE tenant = $1`, s.tenant).Scan(&c.Active, &c.Deactivated, &c.Deleted, &c.Groups)
		if err != nil {
			return err
		}
		if stateXID < frontier && groupXID < frontier {
			s.counts.mu.Lock()
			s.counts.frontier, s.counts.counts = frontier, c.Counts
			s.counts.mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return hostsync.CountsAt{}, fail("counts", err)
	}
	return c, nil
}
