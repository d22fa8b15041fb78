package pgstore

import (
	"context"
	"fmt"
)

// Ready reports whether the store takes writes now (/readyz): the database
// answers, is not a read-only standby, and has the schema this program
// migrates to.
func (s *Store) Ready(ctx context.Context) error {
	var standby bool
	var version int
	err := s.pool.QueryRow(ctx, `SELECT pg_is_in_recovery(), coalesce((SELECT max(version) FROM schema_migrations), 0)`).
		Scan(&standby, &version)
	switch {
	case err != nil:
		return fail("ready", err)
	case standby:
		return fmt.Errorf("pgstore: ready: the database is a read-only standby")
	case version > SchemaVersion():
		// Another replica was upgraded and migrated the database: this one
		// must leave the balancer until it is upgraded too.
		return fmt.Errorf("pgstore: ready: the database's schema is version %d, newer than this program's %d: another replica was upgraded; upgrade this one", version, SchemaVersion())
	case version != SchemaVersion():
		return fmt.Errorf("pgstore: ready: schema version %d, this program's is %d", version, SchemaVersion())
	}
	return nil
}
