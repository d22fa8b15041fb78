package hostdb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// lastUsedFlushInterval bounds how stale API keys' last-used times are in the
// file; authentication itself never writes.
const lastUsedFlushInterval = 10 * time.Second

// flushLastUsed writes the pending last-used times in one write. It is
// bookkeeping, not a directory change, so it records no event.
func (s *Store) flushLastUsed(ctx context.Context) error {
	used := s.used.Take()
	if used == nil {
		return nil
	}
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for id, u := range used {
			if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET last_used = ?1, last_method = ?2, last_path = ?3
				WHERE id = ?4 AND coalesce(last_used, 0) <= ?1`,
				sqlitedb.Millis(u.At), u.Method, u.Path, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for id, u := range used {
			s.used.Mark(id, u.At, u.Method, u.Path) // keep them for the next attempt
		}
		return fmt.Errorf("hostdb: flush last-used times: %w", err)
	}
	return nil
}
