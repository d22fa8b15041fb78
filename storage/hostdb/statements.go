package hostdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// statements holds the prepared statements of the hot paths. Writer
// statements are bound to the single writer connection and reused inside each
// transaction with tx.StmtContext; reader statements are prepared lazily on
// each pooled connection by database/sql.
type statements struct {
	insertEvent *sql.Stmt
	insertHost  *sql.Stmt
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

	updateHost []*sql.Stmt // by the mask of hostUpdateGroups they set (see saveHost)
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
	// Prepared up front: preparing on the writer's one connection while a
	// write transaction holds it would wait for itself.
	for mask := range 1 << len(hostUpdateGroups) {
		st.updateHost = append(st.updateHost, p(w, hostUpdateSQL(mask)))
	}
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
	for _, s := range append([]*sql.Stmt{st.insertEvent, st.insertHost, st.liveHostW, st.hostSeqW,
		st.anyHostW, st.savepoint, st.release, st.rollbackTo, st.liveHost, st.anyHost}, st.updateHost...) {
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

// hostUpdateGroups are the indexed hostMutable columns, grouped by what
// changes together; every other column is always set. An UPDATE naming a
// column makes SQLite rewrite the entry of each index that uses it (also in
// a partial index's WHERE), changed or not, so saveHost names a group only
// when one of its values changed.
var hostUpdateGroups = [][]string{
	{"state", "deleted_at"},
	{"user_name", "user_name_key"},
	{"external_id"},
	{"display_name", "display_name_key"},
	{"email", "email_key"},
}

// hostUpdateSQL is the UPDATE by row n for the groups in mask. Its
// parameters are hostMutable's columns in order, always all of them: SQLite
// numbers them ?1..?19 and a statement simply leaves the unnamed ones out.
func hostUpdateSQL(mask int) string {
	grouped := map[string]int{}
	for g, cols := range hostUpdateGroups {
		for _, c := range cols {
			grouped[c] = g
		}
	}
	var set []string
	for i, col := range strings.Split(hostMutable, ",") {
		col = strings.TrimSpace(col)
		if g, ok := grouped[col]; ok && mask&(1<<g) == 0 {
			continue
		}
		set = append(set, fmt.Sprintf("%s = ?%d", col, i+1))
	}
	return fmt.Sprintf("UPDATE hosts SET %s WHERE n = ?%d", strings.Join(set, ", "), strings.Count(hostMutable, ",")+2)
}
