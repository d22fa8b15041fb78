// Package hostdb keeps the host-sync service's directory — hosts, groups,
// memberships, hashed API keys, the activity log and the change feed — in one
// SQLite file.
//
// It knows nothing about SCIM syntax: callers hand it canonical JSON attributes
// plus the indexed fields they extracted. Every public write method is atomic
// and runs on a single writer connection (concurrent calls share a commit,
// each in its own savepoint; see writer.go), so writes are serialised and the
// activity seq each of them takes is also its commit order; reads go to a
// separate pool of read-only connections and never wait for a writer (WAL).
package hostdb

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/visitly/hostsync/storage/internal/lastused"
	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
	"github.com/visitly/hostsync/storage/internal/uuid7"
)

// pragmas are this store's beyond those every database here sets
// (sqlitedb.DSN):
//   - mmap_size(0): no memory-mapped reads. Mapping helps a read-only
//     benchmark, but under Azure AD's mixed load every checkpoint rewrites
//     mapped pages and readers fault them back in: visitly-load's steady mix
//     ran at 1,381 req/s with a 256 MB map and 2,775 req/s without (same run);
//   - wal_autocheckpoint(0): no automatic checkpoint in the committing
//     connection; a connection of its own checkpoints beside the writer
//     (checkpoint.go);
//   - journal_size_limit: a WAL that a large transaction grew is cut back
//     to 64 MB once it restarts;
//   - temp_store(MEMORY): the savepoint journal of a group commit (see
//     writer.go) stays in memory. By default it spills to a temporary file
//     past 64 KiB, and its pwrite calls were a tenth of the server's CPU in
//     Azure AD's initial cycle. It holds only pages of the running batch.
var pragmas = []string{"mmap_size(0)", "wal_autocheckpoint(0)", "journal_size_limit(67108864)", "temp_store(MEMORY)"}

// durability: a write is answered only once it is on disk, power loss
// included. synchronous=FULL makes every COMMIT sync the WAL before it
// returns, and the committer answers a batch's callers only after its COMMIT
// (writer.go), so one sync covers a whole group commit; macOS gets
// F_FULLFSYNC. (NORMAL synced the WAL only at checkpoints: safe against a
// killed process, not against power loss.) cmd/visitly-scimd's
// TestAnsweredWritesAreSynced checks the order of syscalls.
const durability = sqlitedb.SurvivesPowerLoss

//go:embed migrations/*.sql
var migrationFiles embed.FS

// schema is the store's embedded migrations, run at open.
var schema = sqlitedb.Schema{FS: migrationFiles, Dir: "migrations",
	Steps: map[int]func(context.Context, *sql.Tx) error{3: rekeyNames}}

// Store is the directory store. It is safe for concurrent use.
type Store struct {
	w *sql.DB // the one writer connection
	r *sql.DB // read-only pool

	stmts *statements
	keys  keyCache         // hashes of the live keys (keycache.go)
	used  lastused.Pending // keys' last-used times not yet written (lastused.go)

	changes lastChanges // each IdP's last change (lastcalls.go)
	seedMu  sync.Mutex  // one reading of the last changes from the log at a time

	queueMu     sync.RWMutex // guards sending on queue against its closing
	queue       chan *writeReq
	queueClosed bool
	committed   chan struct{} // closed when the committer has ended
	commits     atomic.Int64  // transactions the committer ran (for tests)
	gen         atomic.Int64  // moves on after every write transaction
	memo        pageMemo      // where pages of the live host list end, per gen
	hosts       hostCache     // every live host, kept by the committer (hostcache.go)
	running     *writeReq     // the call the committer runs now (committer only)
	dataVersion atomic.Int64  // PRAGMA data_version last seen on the writer

	closeOnce sync.Once
	done      chan struct{} // closed by Close: stops the last-used flusher
	flushed   chan struct{} // closed when the flusher has ended
	watched   chan struct{} // closed when the look for other writers has ended

	ck              *sql.DB       // the checkpoint connection (checkpoint.go)
	ckptDone        chan struct{} // closed when the checkpoint loop has ended
	ckptAsk         atomic.Bool   // the WAL is past walRestartPages: the committer checkpoints
	checkpoints     atomic.Int64  // checkpoints the loop ran (for tests)
	walRestartPages atomic.Int64  // the WAL size that asks the committer for a checkpoint
	wal             walWatch      // the committer's own look at the WAL's size
}

// Open opens the store at path, creating the file and schema or migrating an
// existing one.
func Open(ctx context.Context, path string) (*Store, error) {
	return open(ctx, path, lastUsedFlushInterval)
}

func open(ctx context.Context, path string, flushEvery time.Duration) (*Store, error) {
	base, err := sqlitedb.DSN(path, durability, pragmas...)
	if err != nil {
		return nil, fmt.Errorf("hostdb: %w", err)
	}
	// A new file 0600, which its -wal and -shm inherit: it holds key hashes.
	if err := sqlitedb.CreateFile(path); err != nil {
		return nil, fmt.Errorf("hostdb: open %s: %w", path, err)
	}
	w, err := sqlitedb.OpenWriter(ctx, base, schema)
	if err != nil {
		return nil, fmt.Errorf("hostdb: open %s: %w", path, err)
	}
	r, err := sqlitedb.OpenReaders(base, min(max(2*runtime.GOMAXPROCS(0), 4), 8))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("hostdb: open %s: %w", path, err)
	}
	s := &Store{w: w, r: r, done: make(chan struct{}), flushed: make(chan struct{}), watched: make(chan struct{}), ckptDone: make(chan struct{}),
		queue: make(chan *writeReq, 4*maxBatch), committed: make(chan struct{})}
	if s.stmts, err = prepare(ctx, w, r); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("hostdb: open %s: %w", path, err)
	}
	s.hosts.limit.Store(DefaultHostCacheLimit)
	if err := s.openCheckpointer(base); err != nil {
		s.stmts.close()
		w.Close()
		r.Close()
		return nil, fmt.Errorf("hostdb: open %s: %w", path, err)
	}
	go s.commitLoop()
	// Pending last-used times are written every flushEvery (a failure is
	// retried next time).
	go s.tick(flushEvery, s.flushed, func() {
		s.flushLastUsed(context.Background())
		s.flushLastChanges(context.Background())
	})
	// Other processes' commits are looked for four times a second while the
	// host cache is on, so that the service does not serve a host another
	// process changed for longer than that. (Only reads can be stale: a
	// write reads what it checks from SQLite. Looking before every batch
	// instead cost 4% of the writer's time in Azure AD's initial cycle.)
	go s.tick(250*time.Millisecond, s.watched, func() {
		if s.hosts.state.Load() == cacheOn {
			s.noteOtherWriters(context.Background())
		}
	})
	return s, nil
}

// Close stops the background flusher, writes pending last-used times, lets
// the writes already queued finish and closes the database. Writes after
// Close fail.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.done)
		<-s.flushed
		<-s.watched
		<-s.ckptDone
		err = errors.Join(s.flushLastUsed(context.Background()), s.flushLastChanges(context.Background()))
		s.queueMu.Lock()
		s.queueClosed = true
		close(s.queue)
		s.queueMu.Unlock()
		<-s.committed
		s.stmts.close()
		// The writer last: closing the last connection checkpoints the
		// whole WAL and removes it.
		err = errors.Join(err, s.r.Close(), s.ck.Close(), s.w.Close())
	})
	return err
}

// tick runs fn every period until Close, then closes ended.
func (s *Store) tick(every time.Duration, ended chan struct{}, fn func()) {
	defer close(ended)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			fn()
		}
	}
}

// read runs fn in one read transaction so that several statements see the
// same snapshot.
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("hostdb: begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

// isUnique reports whether err is a UNIQUE constraint violation.
func isUnique(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// now is the store's clock: UTC, millisecond precision, which is what the
// integer columns keep.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// newID returns a time-ordered id (uuid7.New): new ids land at the end of
// the id index and of the activity's per-resource index.
func newID() string { return uuid7.New() }
