// Package service puts the host-sync service together, once for both
// programs that run it — visitly-scimd and the console's embedded service:
// it opens the store a database setting names (a SQLite file, the embedded
// default, or a PostgreSQL URL), builds the SCIM handler on it, and closes
// the store when the service stops.
package service

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimserver"
	"github.com/visitly/hostsync/storage/hostdb"
)

// EnvDB is the environment variable that names the database when no --db
// flag does.
const EnvDB = "VISITLY_DB"

// ErrNotSQLite: an operation on the database file (backup, restore) asked of
// a PostgreSQL database, which has its own tools for it.
var ErrNotSQLite = errors.New("service: this is a PostgreSQL database: back it up with pg_dump or your provider's point-in-time restore, not visitly-scimd")

// Store is what the service and its command-line operations need of a
// store: the SCIM service's Store plus the admin credential and Close.
type Store interface {
	scimserver.Store
	RotateAdminToken(ctx context.Context, a hostsync.Actor) (string, error)
	HasAdminToken(ctx context.Context) (bool, error)
	Close() error
}

// DefaultHostCacheLimit is SQLite's host cache size for a server (hosts).
const DefaultHostCacheLimit = hostdb.DefaultHostCacheLimit

// Options tune the store.
type Options struct {
	// HostCacheLimit caps SQLite's in-memory host cache (hosts, about 2 KB
	// each); 0 turns it off. Ignored on PostgreSQL, whose replicas must
	// not serve a host another replica changed.
	HostCacheLimit int
}

// Service is a store opened for the SCIM service.
type Service struct {
	db       string
	store    Store
	sqlite   *hostdb.Store // the same store when db is a file: backups and cache warm-up
	handlers []*scimserver.Server
}

// IsPostgres reports whether db names a PostgreSQL database (a postgres://
// or postgresql:// URL) rather than a SQLite file.
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// Redacted is db as it may be logged or shown: a URL's password replaced.
func Redacted(db string) string {
	if !IsPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://(unreadable URL)"
	}
	return u.Redacted()
}

// Open opens the store db names: a PostgreSQL URL, else a SQLite file
// (created if missing).
func Open(ctx context.Context, db string, opt Options) (*Service, error) {
	if db == "" {
		return nil, errors.New("service: no database: give --db FILE or a postgres:// URL, or set " + EnvDB)
	}
	if IsPostgres(db) {
		st, err := openPostgres(ctx, db)
		if err != nil {
			return nil, fmt.Errorf("open database %s: %w", Redacted(db), err)
		}
		return &Service{db: db, store: st}, nil
	}
	st, err := hostdb.Open(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", db, err)
	}
	st.SetHostCacheLimit(opt.HostCacheLimit)
	return &Service{db: db, store: st, sqlite: st}, nil
}

// Store is the opened store.
func (s *Service) Store() Store { return s.store }

// Handler is the SCIM service and admin API on the store. Close closes it
// with the store.
func (s *Service) Handler(opt scimserver.Options) *scimserver.Server {
	h := scimserver.New(s.store, opt)
	s.handlers = append(s.handlers, h)
	return h
}

// Warm fills what makes the first requests fast (SQLite's host cache).
func (s *Service) Warm() {
	if s.sqlite != nil {
		s.sqlite.WarmHostCache()
	}
}

// BackupInto writes a backup of a SQLite database into dir and returns its
// path; on PostgreSQL it is ErrNotSQLite.
func (s *Service) BackupInto(ctx context.Context, dir string) (string, error) {
	if s.sqlite == nil {
		return "", ErrNotSQLite
	}
	return s.sqlite.BackupInto(ctx, dir)
}

// Close records what the handlers hold for the store (the current
// minute's refused calls), then closes the store, flushing what it buffers
// (last-used times). Stop serving HTTP first.
func (s *Service) Close() error {
	for _, h := range s.handlers {
		h.Close()
	}
	return s.store.Close()
}
