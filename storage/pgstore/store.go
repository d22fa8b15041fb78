// Package pgstore keeps the host-sync service's directory — hosts, groups,
// memberships, hashed API keys, the activity log and the change feed — in
// PostgreSQL, so that several service replicas (behind a load balancer) or
// a managed database can serve one directory. It is storage/hostdb's Store
// on another engine, method for method, and keeps across processes what one
// SQLite writer gave for free: one winner for a userName (unique indexes), a
// change feed that never skips a transaction committed out of order (xid
// and snapshot frontier, changefeed.go), a revoked key refused by every
// replica at once (LISTEN/NOTIFY, keycache.go).
//
// It uses pgx directly (not database/sql): its pool caches prepared
// statements per connection, it speaks LISTEN/NOTIFY, and it reports
// PostgreSQL's SQLSTATE codes as typed errors.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/internal/lastused"
	"github.com/visitly/hostsync/storage/internal/namekey"
	"github.com/visitly/hostsync/storage/internal/uuid7"
)

// DefaultTenant is the one tenant used now. Every row carries its tenant,
// so that hosting many companies later is data, not a redesign.
const DefaultTenant = "default"

// ErrSchemaTooNew: the database was migrated by a newer program.
var ErrSchemaTooNew = errors.New("pgstore: database schema is newer than this program")

// defaultMaxConns is the pool's size unless the URL sets pool_max_conns.
// pgxpool's default (the number of CPUs, at least 4) keeps few commits in
// flight: with synchronous_commit each waits for its WAL flush, and
// PostgreSQL flushes the commits waiting together at once, so more
// connections give more throughput even on 2 cores: on 2 cores with the
// server beside it, BenchmarkAzureInitialCycle ran ~2,100 users/s with 4,
// ~2,900 with 8 and ~3,300 with 16; BenchmarkSteadyMix ~3,800, ~4,100 and
// ~5,000 calls/s (p99 14, 17 and 24 ms).
const defaultMaxConns = 16

// Store is the directory on PostgreSQL. It is safe for concurrent use, and
// any number of Stores (processes) may share one database.
type Store struct {
	pool   *pgxpool.Pool
	tenant string

	keys   keyCache         // live key hashes, invalidated by NOTIFY (keycache.go)
	used   lastused.Pending // keys' last calls not yet written (lastused.go)
	memo   pageMemo         // where pages of the live host list start (hostquery.go)
	counts countsMemo       // the last counts and when they hold (changefeed.go)

	listening atomic.Bool // the key listener is LISTENing (tests wait for it)
	closing   context.CancelFunc
	wg        sync.WaitGroup
	closeMu   sync.Once
}

// Open connects to the database at url (a postgres:// URL or key=value
// string), migrates its schema and starts the store's background work:
// listening for key changes and flushing keys' last calls.
func Open(ctx context.Context, url string) (*Store, error) {
	return open(ctx, url, lastUsedFlushInterval)
}

func open(ctx context.Context, url string, flushEvery time.Duration) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err) // pgx's parse errors never include the password
	}
	// "Acknowledged means on disk" must not depend on the server's or the
	// role's default, which may have been set to off for speed.
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	// A transaction of this store never waits for anything but its own
	// statements; one left open (a replica frozen mid-write) would hold its
	// row locks and, through the snapshot's xmin, every feed on the server.
	if cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"] == "" {
		cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"] = "30s"
	}
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "visitly-scimd"
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		if errors.Is(err, ErrSchemaTooNew) {
			return nil, err
		}
		return nil, fmt.Errorf("pgstore: migrate: %w", err)
	}
	bg, cancel := context.WithCancel(context.Background())
	s := &Store{pool: pool, tenant: DefaultTenant, closing: cancel}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		s.listenKeys(bg, cfg.ConnConfig)
	}()
	go func() {
		defer s.wg.Done()
		s.flushLoop(bg, flushEvery)
	}()
	return s, nil
}

// Close stops the background work, writes the keys' pending last calls and
// closes the pool.
func (s *Store) Close() error {
	var err error
	s.closeMu.Do(func() {
		s.closing()
		s.wg.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = s.flushLastUsed(ctx)
		s.pool.Close()
	})
	return err
}

// flushLoop writes the keys' last calls, and analyzes tables whose
// statistics are stale (analyze.go), every interval until ctx ends.
func (s *Store) flushLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.flushLastUsed(ctx) // a failure keeps them for the next tick
			s.analyzeStale(ctx)  // best effort: autovacuum analyzes too, later
		}
	}
}

// write runs fn in one transaction, redone (a few times) when PostgreSQL
// aborted it for a serialization failure or a deadlock, which concurrent
// writers of overlapping rows can cause and which leave nothing behind.
func (s *Store) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := pgx.BeginFunc(ctx, s.pool, fn)
		if retryable(err) && attempt < 5 {
			continue
		}
		return err
	}
}

// read runs fn in one read-only REPEATABLE READ transaction, so that its
// statements see one snapshot.
func (s *Store) read(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// SQLSTATE codes the store acts on.
const (
	codeUnique        = "23505"
	codeDiskFull      = "53100"
	codeSerialization = "40001"
	codeDeadlock      = "40P01"
)

func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func retryable(err error) bool {
	c := pgCode(err)
	return c == codeSerialization || c == codeDeadlock
}

// isUnique reports whether err is a unique violation of the named index.
func isUnique(err error, index string) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == codeUnique && (index == "" || e.ConstraintName == index)
}

// fail wraps err as the failure of op ("create host"), adding
// hostsync.ErrNoSpace when the server had no room for the write.
func fail(op string, err error) error {
	if pgCode(err) == codeDiskFull {
		return fmt.Errorf("pgstore: %s: %w: %w", op, hostsync.ErrNoSpace, err)
	}
	return fmt.Errorf("pgstore: %s: %w", op, err)
}

// nameKey is the key under which names that must be unique (a host's
// userName, a group's displayName) and the names queries match on are
// compared: Unicode's compatibility caseless match, as storage/hostdb's, so
// that names people cannot tell apart ("ann", "ＡＮＮ", "é" typed two ways)
// are one name.
func nameKey(s string) string { return namekey.Key(s) }

// now is the store's clock: UTC, millisecond precision, as hostdb's.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// newID returns a time-ordered UUID, as hostdb's ids.
func newID() string { return uuid7.New() }

// nullTime is t for a nullable timestamptz column: NULL when zero.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// timeOf is a nullable column's time in UTC; zero for NULL.
func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
