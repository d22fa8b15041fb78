package hostdb

import (
	"context"
	"errors"
	"sync"

	"github.com/visitly/hostsync"
)

// Paging through every live host (GET /Users?startIndex=k&count=1000, page
// after page) is the one list a client walks to its end. Done naively each
// page skips startIndex-1 index entries, then seeks the table once per row,
// and counts all live hosts again. The memo remembers, for the store's
// current write generation, where each page handed out ended and how many
// live hosts there are, so the next page is a rowid range scan from there.
// Any committed write moves the generation on and empties the memo, so it
// can never serve a position or total that a write has changed.

// maxPageMemo bounds the remembered page ends: 100,000 hosts at count=1 is
// far past any real client; beyond it, pages fall back to the index walk.
const maxPageMemo = 4096

type pageMemo struct {
	mu    sync.Mutex
	gen   int64
	total int           // live hosts at gen; -1 unknown
	after map[int]int64 // offset → n of the live host just before it
}

func (m *pageMemo) reset(gen int64) {
	if m.gen != gen || m.after == nil {
		m.gen, m.total, m.after = gen, -1, map[int]int64{}
	}
}

func (m *pageMemo) lookup(gen int64, offset int) (after int64, total int, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reset(gen)
	after, ok = m.after[offset]
	return after, m.total, ok
}

func (m *pageMemo) store(gen int64, offset int, after int64, total int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gen != gen {
		return // a write came in meanwhile: what was read may be stale
	}
	if len(m.after) < maxPageMemo {
		m.after[offset] = after
	}
	if total >= 0 {
		m.total = total
	}
}

const (
	// liveFrom reads a page as a rowid range scan; NOT INDEXED keeps SQLite
	// from choosing hosts_live, which would seek the table once per row.
	liveFrom = "SELECT " + hostColumns + " FROM hosts NOT INDEXED WHERE n > ? AND deleted_at IS NULL ORDER BY n LIMIT ?"
	// liveStart finds the n before a page's first host by walking only the
	// covering index.
	liveStart = "SELECT n FROM hosts WHERE deleted_at IS NULL ORDER BY n LIMIT 1 OFFSET ?"
	liveCount = "SELECT count(*) FROM hosts WHERE deleted_at IS NULL"
	// liveNsFrom is liveFrom's row numbers alone, from the covering index.
	liveNsFrom = "SELECT n FROM hosts INDEXED BY hosts_live WHERE n > ? AND deleted_at IS NULL ORDER BY n LIMIT ?"
)

// pageLive is pageHosts for the unconditioned list of live hosts.
func (s *Store) pageLive(ctx context.Context, offset, count int) ([]*hostsync.HostRecord, int, error) {
	gen := s.gen.Load()
	after, total, ok := s.memo.lookup(gen, offset)
	if !ok && offset > 0 {
		rows, release, err := s.dynamicQuery(ctx, liveStart, offset-1)
		if err != nil {
			return nil, 0, err
		}
		var n int64
		found := rows.Next()
		if found {
			err = rows.Scan(&n)
		}
		rows.Close()
		release()
		if err = errors.Join(err, rows.Err()); err != nil {
			return nil, 0, err
		}
		if !found {
			// Past the end: the page is empty and only the total is asked.
			count = 0
		}
		after = n
	}
	var hosts []*hostsync.HostRecord
	if count > 0 {
		var last int64
		var err error
		hosts, last, err = s.livePage(ctx, after, count)
		if err != nil {
			return nil, 0, err
		}
		if len(hosts) > 0 {
			s.memo.store(gen, offset+len(hosts), last, -1)
		}
		if len(hosts) > 0 && len(hosts) < count || offset == 0 && len(hosts) == 0 {
			return hosts, offset + len(hosts), nil // a short page tells the total
		}
	}
	if total < 0 {
		var err error
		if total, err = s.countRows(ctx, liveCount); err != nil {
			return nil, 0, err
		}
		s.memo.store(gen, offset, after, total)
	}
	if len(hosts) > 0 {
		total = max(total, offset+len(hosts))
	}
	return hosts, total, nil
}

// livePage reads up to count live hosts after row n after, in row order, and
// returns the last one's n. With the host cache on, only the row numbers
// come from SQLite (an index-only scan) and the hosts from the cache:
// decoding 1,000 full rows was two thirds of a page's time. Should the cache
// lack one of them (a commit not yet applied to it), the page is read from
// the table.
func (s *Store) livePage(ctx context.Context, after int64, count int) (hosts []*hostsync.HostRecord, last int64, err error) {
	if s.cacheReady() {
		ns, err := s.liveNs(ctx, after, count)
		if err != nil {
			return nil, 0, err
		}
		if hosts, ok := s.cachedRows(ns); ok {
			if len(ns) > 0 {
				last = ns[len(ns)-1]
			}
			return hosts, last, nil
		}
	}
	rows, release, err := s.dynamicQuery(ctx, liveFrom, after, count)
	if err != nil {
		return nil, 0, err
	}
	defer release()
	defer rows.Close()
	for rows.Next() {
		n, h, err := scanHost(rows)
		if err != nil {
			return nil, 0, err
		}
		hosts, last = append(hosts, h), n
	}
	return hosts, last, rows.Err()
}

func (s *Store) liveNs(ctx context.Context, after int64, count int) ([]int64, error) {
	rows, release, err := s.dynamicQuery(ctx, liveNsFrom, after, count)
	if err != nil {
		return nil, err
	}
	defer release()
	defer rows.Close()
	ns := make([]int64, 0, count)
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		ns = append(ns, n)
	}
	return ns, rows.Err()
}
