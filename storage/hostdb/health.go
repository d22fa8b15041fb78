package hostdb

import (
	"context"
	"fmt"
)

// Ready reports whether the store can take writes now: the schema is the
// one this program migrates to and the writer can begin a write
// transaction (which takes SQLite's write lock, so a read-only file or a
// stuck writer fails it). The probe goes through the writer's queue like any
// write but changes nothing: no event, no change-feed entry, no WAL frame.
// It returns when ctx ends even if the writer does not answer.
func (s *Store) Ready(ctx context.Context) error {
	known, err := schema.Version()
	if err != nil {
		return err
	}
	var v int
	if err := s.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("hostdb: ready: %w", err)
	}
	if v != known {
		return fmt.Errorf("hostdb: ready: schema version %d, this program's is %d", v, known)
	}
	done := make(chan error, 1)
	go func() {
		done <- s.probe(ctx)
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("hostdb: ready: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("hostdb: ready: the writer did not answer: %w", ctx.Err())
	}
}
