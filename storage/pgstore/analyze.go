package pgstore

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
)

// analyzeStale runs ANALYZE on the store's tables that changed much since
// their statistics were taken. Autovacuum does the same, but at most once
// a minute per database and only past 10% of a table changed: during an
// identity provider's first cycle into an empty database the tables grow
// from nothing for minutes with no statistics, and without them the
// planner takes tenant = 'default' for a selective condition (every index
// leads with tenant) and looked each userName up by walking every live
// host in another index: 2,700 rows read per lookup a third of the way
// through a 10,000-user cycle. Run with the flush, every few seconds.
func (s *Store) analyzeStale(ctx context.Context) error {
	rows, err := s.pool.Query(ctx, `SELECT relname FROM pg_stat_user_tables
		WHERE schemaname = current_schema() AND relname IN ('hosts', 'groups', 'memberships', 'activity')
		AND (last_analyze IS NULL AND last_autoanalyze IS NULL AND n_mod_since_analyze > 100
			OR n_mod_since_analyze > greatest(1000, n_live_tup / 5))`)
	if err != nil {
		return err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(tables) == 0 {
		return err
	}
	// In a session named for it, which the feeds' frontier passes over
	// (changefeed.go): ANALYZE takes a transaction id, and a feed read
	// would otherwise wait for it.
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SET application_name = '"+maintenanceApp+"'"); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, "ANALYZE "+strings.Join(tables, ", "))
	if _, rerr := conn.Exec(context.Background(), "RESET application_name"); rerr != nil {
		conn.Conn().Close(context.Background()) // never hand a maintenance session back to the pool
	}
	return err
}
