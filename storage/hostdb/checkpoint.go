package hostdb

import (
	"context"
	"database/sql"
	"time"
)

// Checkpoints run beside the writer, not in it. SQLite's automatic
// checkpoint runs in the connection that committed, right after its COMMIT:
// for the single writer that meant every ~10,000 WAL pages all writes
// stopped for a copy of the touched pages into the database file and two
// fsyncs (the ~70 ms p99 of Azure AD's initial cycle). A PASSIVE checkpoint
// on a connection of its own copies the same pages while the writer goes on
// appending to the WAL; it never waits for the writer nor the writer for it.
//
// The WAL starts over from its beginning only when a write transaction
// begins after a checkpoint has copied everything. Under a write load with
// no pause that moment may not come, so once the WAL holds walRestartPages
// the committer checkpoints itself between two batches, as SQLite would
// have, and the next batch restarts the WAL: its size stays bounded.

// checkpointEvery: at Azure AD's initial cycle (~25,000 WAL pages a second
// here) about as often as SQLite's automatic checkpoint at 10,000 pages used
// to run; every 100 ms was slower (more copies of the same hot index pages,
// more fsyncs competing for the two cores).
const (
	checkpointEvery = 500 * time.Millisecond
	walRestartPages = 40_000 // ~160 MB of WAL at 4 KiB pages
)

// openCheckpointer opens the checkpoint connection and starts its loop.
func (s *Store) openCheckpointer(base string) error {
	ck, err := sql.Open("sqlite", base)
	if err != nil {
		return err
	}
	ck.SetMaxOpenConns(1)
	ck.SetMaxIdleConns(1)
	ck.SetConnMaxIdleTime(0)
	s.ck = ck
	s.walRestartPages.Store(walRestartPages)
	go s.tick(checkpointEvery, s.ckptDone, func() { s.checkpoint(context.Background()) })
	return nil
}

// checkpoint runs one PASSIVE checkpoint on the checkpoint connection and,
// when the WAL has grown past its bound, asks the committer for one of its
// own.
func (s *Store) checkpoint(ctx context.Context) {
	var busy, walPages, copied int64
	err := s.ck.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &walPages, &copied)
	if err != nil {
		return // tried again next tick
	}
	s.checkpoints.Add(1)
	if walPages >= s.walRestartPages.Load() {
		s.ckptAsk.Store(true)
	}
}

// checkpointIfAsked is the committer's own checkpoint between two batches
// (see above); it runs at most once per request of the checkpoint loop.
func (s *Store) checkpointIfAsked() {
	if !s.ckptAsk.CompareAndSwap(true, false) {
		return
	}
	s.w.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)") // a failure is retried when asked again
}
