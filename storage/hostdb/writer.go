package hostdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The writer: every public write method hands its work to write, and one
// committer goroutine runs that work on the single writer connection.
//
// Work that arrives while a commit is in progress is committed together
// (group commit): each call runs inside a SAVEPOINT of one shared
// transaction, so it is still atomic on its own — its error rolls back
// exactly its changes — and its caller returns only after the COMMIT that
// made it durable (synchronous=FULL: that COMMIT synced the WAL, one sync
// for the whole batch). A commit costs about a dozen WAL page writes (the rows'
// pages and one leaf per index) whoever asked for it; sharing it is what
// lets 16 concurrent clients create ~2.5× more hosts per CPU second than
// one transaction each (measured, see bench_test.go). A lone call pays
// nothing extra: a batch of one runs without savepoints.
//
// Seq order stays commit order: seqs are taken inside the one writer, and a
// batch becomes visible to readers all at once.

// maxBatch bounds how much work one commit carries.
const maxBatch = 64

var errClosed = errors.New("hostdb: store is closed")

// writeFunc is the work of one write method. ctx is the caller's context
// without its cancellation: interrupting a statement would roll back the
// whole shared transaction, so a call that has started runs to the end.
type writeFunc func(ctx context.Context, tx *sql.Tx) error

type writeReq struct {
	ctx   context.Context
	fn    writeFunc
	done  chan error
	after []func() // run once the call's changes are committed (afterCommit)
	probe bool     // writes nothing: Ready's round trip through the writer
}

// afterCommit schedules f to run on the committer goroutine once the write
// that is running now has committed, in commit order and before its caller
// hears back; if the write's changes are rolled back, f never runs. Only a
// writeFunc may call it.
func (s *Store) afterCommit(f func()) {
	s.running.after = append(s.running.after, f)
}

// panicked carries a panic from a caller's callback back to the caller.
type panicked struct{ v any }

func (p *panicked) Error() string { return fmt.Sprintf("hostdb: write callback panicked: %v", p.v) }

// write runs fn atomically and durably: nil means committed, an error means
// none of fn's changes were. fn's own error comes back unchanged.
func (s *Store) write(ctx context.Context, fn writeFunc) error {
	return s.enqueue(&writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)})
}

// probe goes through the writer like a write that changes nothing.
func (s *Store) probe(ctx context.Context) error {
	noop := func(context.Context, *sql.Tx) error { return nil }
	return s.enqueue(&writeReq{ctx: ctx, fn: noop, done: make(chan error, 1), probe: true})
}

func (s *Store) enqueue(req *writeReq) error {
	ctx := req.ctx
	s.queueMu.RLock()
	if s.queueClosed {
		s.queueMu.RUnlock()
		return errClosed
	}
	select {
	case s.queue <- req:
	case <-ctx.Done():
		s.queueMu.RUnlock()
		return ctx.Err()
	}
	s.queueMu.RUnlock()
	err := <-req.done
	if p, ok := err.(*panicked); ok {
		panic(p.v)
	}
	return err
}

// commitLoop is the committer goroutine; it ends when the queue is closed.
func (s *Store) commitLoop() {
	defer close(s.committed)
	batch := make([]*writeReq, 0, maxBatch)
	for req := range s.queue {
		batch = append(batch[:0], req)
	drain:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-s.queue:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		s.runBatch(batch)
		s.checkpointIfAsked()
	}
}

func (s *Store) runBatch(batch []*writeReq) {
	results := make([]error, len(batch))
	committed := false
	defer func() {
		s.running = nil
		if committed {
			for i, r := range batch {
				if results[i] == nil {
					for _, f := range r.after {
						f()
					}
				}
			}
		} else {
			// A failed commit or a broken transaction: the cache may not
			// know what the database holds; let it refill.
			s.hosts.invalidate()
		}
		// Before any caller hears back, so that a read after an
		// acknowledged write never gets a page memo or a cached host from
		// before it. A batch of probes alone changed nothing: a readiness
		// check every few seconds must not reset a paging client's memo.
		if !committed || slices.ContainsFunc(batch, func(r *writeReq) bool { return !r.probe }) {
			s.gen.Add(1)
		}
		for i, r := range batch {
			r.done <- results[i]
		}
	}()
	fail := func(err error) {
		for i := range results {
			if results[i] == nil {
				results[i] = err
			}
		}
	}
	s.commits.Add(1)
	tx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		fail(fmt.Errorf("hostdb: begin: %w", err))
		return
	}
	shared := len(batch) > 1
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err // gave up while queued; nothing ran
			continue
		}
		s.running = r
		results[i] = s.runOne(tx, r, shared)
		if results[i] != nil && broken(results[i]) {
			// SQLite may have rolled the whole transaction back: report
			// every call of the batch as failed rather than guess.
			tx.Rollback()
			fail(fmt.Errorf("hostdb: write abandoned, another write in its transaction failed: %w", results[i]))
			return
		}
	}
	if !shared && results[0] != nil {
		tx.Rollback()
		committed = true // nothing was: the database is as the cache knows it
		return
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("hostdb: commit: %w", err))
		return
	}
	committed = true
}

// runOne runs one call; in a shared transaction it is wrapped in a savepoint
// that its error rolls back.
func (s *Store) runOne(tx *sql.Tx, r *writeReq, shared bool) (err error) {
	bg := context.Background()
	if shared {
		if _, err := tx.StmtContext(bg, s.stmts.savepoint).ExecContext(bg); err != nil {
			return fmt.Errorf("hostdb: savepoint: %w", err)
		}
	}
	err = callFn(tx, r)
	if !shared {
		return err
	}
	if err != nil && !broken(err) {
		if _, rbErr := tx.StmtContext(bg, s.stmts.rollbackTo).ExecContext(bg); rbErr != nil {
			return fmt.Errorf("hostdb: rollback to savepoint: %w", rbErr)
		}
	}
	if err == nil || !broken(err) {
		if _, relErr := tx.StmtContext(bg, s.stmts.release).ExecContext(bg); relErr != nil {
			return fmt.Errorf("hostdb: release savepoint: %w", relErr)
		}
	}
	return err
}

func callFn(tx *sql.Tx, r *writeReq) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &panicked{p}
		}
	}()
	return r.fn(context.WithoutCancel(r.ctx), tx)
}

// broken reports whether err may have ended the transaction: any SQLite
// error except a constraint violation (which aborts only its statement), or
// database/sql saying the transaction or connection is gone. Errors made in
// Go (not found, conflict, a callback's own error, a panic) leave it intact.
func broken(err error) bool {
	if errors.Is(err, sql.ErrTxDone) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff != sqlite3.SQLITE_CONSTRAINT
}
