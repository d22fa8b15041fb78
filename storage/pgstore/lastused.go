package pgstore

import (
	"context"
	"time"
)

// lastUsedFlushInterval bounds how stale API keys' last-used times (and
// last calls) are in the database, where every process reads them;
// authentication itself never writes.
const lastUsedFlushInterval = 5 * time.Second

// flushLastUsed writes the pending last calls in one statement; a later
// call written by another process is kept. It is bookkeeping, not a
// directory change: no event.
func (s *Store) flushLastUsed(ctx context.Context) error {
	used := s.used.Take()
	if len(used) == 0 {
		return nil
	}
	var ids []int64
	var ats []time.Time
	var methods, paths []string
	for id, u := range used {
		ids, ats, methods, paths = append(ids, id), append(ats, u.At), append(methods, u.Method), append(paths, u.Path)
	}
	_, err := s.pool.Exec(ctx, `UPDATE api_keys k SET last_used = u.At, last_method = u.Method, last_path = u.Path
		FROM unnest($2::bigint[], $3::timestamptz[], $4::text[], $5::text[]) AS u(id, at, method, path)
		WHERE k.tenant = $1 AND k.id = u.id AND (k.last_used IS NULL OR k.last_used <= u.At)`,
		s.tenant, ids, ats, methods, paths)
	if err != nil {
		for id, u := range used {
			s.used.Mark(id, u.At, u.Method, u.Path) // keep them for the next attempt
		}
		return fail("flush last-used times", err)
	}
	return nil
}
