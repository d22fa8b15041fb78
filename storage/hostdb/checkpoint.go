package hostdb

import (
	"context"
	"database/sql"
	"os"
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
//
// The loop only learns the WAL's size every checkpointEvery, and writers
// that never pause append ~50,000 pages (200 MB) in that time on this
// machine kind: the WAL reached 280 MB with a bound of 2 MB. So the
// committer also looks at the -wal file's size itself, at most every
// walStatEvery, and checkpoints when it is past the bound. The file's size
// is its high-water mark (journal_size_limit cuts it back to 64 MB at a
// restart), so with the default bound (160 MB) a file past it is a WAL past
// it. The WAL thus stays within walRestartPages plus what a few
// walStatEvery of writes append (26 MB at most flat out here, 2 MB bound;
// walbound_test.go).

// checkpointEvery: at Azure AD's initial cycle (~25,000 WAL pages a second
// here) about as often as SQLite's automatic checkpoint at 10,000 pages used
// to run; every 100 ms was slower (more copies of the same hot index pages,
// more fsyncs competing for the two cores).
const (
	checkpointEvery = 500 * time.Millisecond
	walRestartPages = 40_000 // ~160 MB of WAL at 4 KiB pages
	walStatEvery    = 50 * time.Millisecond
)

// walWatch is what the committer needs to see the WAL's size between two
// rounds of the checkpoint loop. Only the committer uses it after open.
type walWatch struct {
	file     string // the -wal file; "" when unknown
	pageSize int64
	next     time.Time // the committer's next look
}

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
	var seq int64
	var name, file string
	if err := ck.QueryRow("PRAGMA database_list").Scan(&seq, &name, &file); err == nil && file != "" {
		s.wal.file = file + "-wal"
	}
	if err := ck.QueryRow("PRAGMA page_size").Scan(&s.wal.pageSize); err != nil {
		s.wal.file = "" // the loop's own asks still bound the WAL
	}
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
// (see above); it runs when the checkpoint loop asked for it or the WAL file
// is past the bound.
func (s *Store) checkpointIfAsked() {
	if !s.ckptAsk.CompareAndSwap(true, false) && !s.walPastBound() {
		return
	}
	var busy, walPages, copied int64
	err := s.w.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &walPages, &copied)
	if err != nil || busy != 0 || copied < walPages {
		s.wal.next = time.Time{} // the loop's checkpoint or a reader was in the way: look again after the next batch
	}
}

// walPastBound reports whether the -wal file is larger than walRestartPages
// frames; it looks at most every walStatEvery.
func (s *Store) walPastBound() bool {
	now := time.Now()
	if s.wal.file == "" || now.Before(s.wal.next) {
		return false
	}
	s.wal.next = now.Add(walStatEvery)
	fi, err := os.Stat(s.wal.file)
	const walHeader, frameHeader = 32, 24
	return err == nil && fi.Size() > walHeader+s.walRestartPages.Load()*(frameHeader+s.wal.pageSize)
}
