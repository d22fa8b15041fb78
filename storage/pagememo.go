package storage

import (
	"context"
	"errors"
	"sync"
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
)

// pageLive is pageHosts for the unconditioned list of live hosts.
func (s *Store) pageLive(ctx context.Context, offset, count int) ([]*Host, int, error) {
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
	var hosts []*Host
	if count > 0 {
		rows, release, err := s.dynamicQuery(ctx, liveFrom, after, count)
		if err != nil {
			return nil, 0, err
		}
		var last int64
		for rows.Next() {
			n, h, err := scanHost(rows)
			if err != nil {
				rows.Close()
				release()
				return nil, 0, err
			}
			hosts, last = append(hosts, h), n
		}
		rows.Close()
		release()
		if err := rows.Err(); err != nil {
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
