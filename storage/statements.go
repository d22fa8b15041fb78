package storage

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// statements holds the prepared statements of the hot paths. Writer
// statements are bound to the single writer connection and reused inside each
// transaction with tx.StmtContext; reader statements are prepared lazily on
// each pooled connection by database/sql.
type statements struct {
	insertEvent *sql.Stmt
	insertHost  *sql.Stmt
	updateHost  *sql.Stmt
	liveHostW   *sql.Stmt // live host by id, in a write transaction
	anyHostW    *sql.Stmt // host in any state by id, in a write transaction
	hostSeqW    *sql.Stmt // a live host's seq by n, in a write transaction
	savepoint   *sql.Stmt // one call's savepoint in a shared transaction
	release     *sql.Stmt
	rollbackTo  *sql.Stmt

	liveHost *sql.Stmt // live host by id, on the reader pool
	anyHost  *sql.Stmt

	r       *sql.DB
	mu      sync.Mutex
	dynamic map[string]*sql.Stmt // QueryHosts/QueryGroups SQL by text
}

// maxDynamic bounds the cache of generated query statements; the number of
// distinct condition shapes a SCIM server produces is small.
const maxDynamic = 64

func prepare(ctx context.Context, w, r *sql.DB) (*statements, error) {
	st := &statements{r: r, dynamic: map[string]*sql.Stmt{}}
	var errs []error
	p := func(db *sql.DB, query string) *sql.Stmt {
		s, err := db.PrepareContext(ctx, query)
		errs = append(errs, err)
		return s
	}
	st.insertEvent = p(w, insertEventSQL)
	st.insertHost = p(w, insertHostSQL)
	st.updateHost = p(w, updateHostSQL)
	st.liveHostW = p(w, "SELECT "+hostColumns+" FROM hosts WHERE id = ? AND deleted_at IS NULL")
	st.anyHostW = p(w, "SELECT "+hostColumns+" FROM hosts WHERE id = ?")
	st.hostSeqW = p(w, "SELECT seq FROM hosts WHERE n = ? AND deleted_at IS NULL")
	st.savepoint = p(w, "SAVEPOINT call")
	st.release = p(w, "RELEASE call")
	st.rollbackTo = p(w, "ROLLBACK TO call")
	st.liveHost = p(r, "SELECT "+hostColumns+" FROM hosts WHERE id = ? AND deleted_at IS NULL")
	st.anyHost = p(r, "SELECT "+hostColumns+" FROM hosts WHERE id = ?")
	if err := errors.Join(errs...); err != nil {
		st.close()
		return nil, err
	}
	return st, nil
}

// query returns a prepared reader statement for a generated query.
func (st *statements) query(ctx context.Context, query string) (*sql.Stmt, bool, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if s, ok := st.dynamic[query]; ok {
		return s, true, nil
	}
	s, err := st.r.PrepareContext(ctx, query)
	if err != nil {
		return nil, false, err
	}
	if len(st.dynamic) >= maxDynamic {
		return s, false, nil // the caller closes it
	}
	st.dynamic[query] = s
	return s, true, nil
}

func (st *statements) close() {
	for _, s := range []*sql.Stmt{st.insertEvent, st.insertHost, st.updateHost, st.liveHostW, st.hostSeqW,
		st.anyHostW, st.savepoint, st.release, st.rollbackTo, st.liveHost, st.anyHost} {
		if s != nil {
			s.Close()
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, s := range st.dynamic {
		s.Close()
	}
	st.dynamic = nil
}
