package hostdb

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/visitly/hostsync"
	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// What a restore checks and carries over about credentials. The activity
// log is not hash-chained (yet), so whoever can write a backup can also
// write a matching log entry; what the backup alone cannot prove is checked
// against the database it replaces, which holds the newer truth:
//   - every key and admin credential in the backup must have its entry in
//     the backup's own log (a row added by hand usually has none);
//   - a key the replaced database holds under the same creation entry must
//     have the same secret hash there;
//   - a key revoked in the replaced database stays revoked, whatever the
//     backup says (matched by its hash: a key is its secret);
//   - an admin credential rotated in the replaced database after the
//     backup's replaces the backup's, which was rotated away;
//   - keys the replaced database never had are listed for the admin
//     (unless it had no credential at all).

// storedKey is an api_keys row with the log entry that created it.
type storedKey struct {
	id               int64
	label, prefix    string
	hash             []byte
	created, revoked int64 // unix ms; revoked 0 when live
	made             stamp // its apikey.created entry; zero when there is none
}

// stamp names one log entry: its seq and time (ms). Two databases with an
// entry of the same seq and time share that part of their history.
type stamp struct{ seq, at int64 }

// storedToken is the admin_token row; made is its rotation's log entry.
type storedToken struct {
	prefix  string
	hash    []byte
	created int64
	made    stamp
}

// credentials are a database's keys and admin credential.
type credentials struct {
	keys  []storedKey
	admin *storedToken
}

// querier is a *sql.DB or *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// readCredentials reads db's keys and admin credential with the log entries
// that made them: a key's first apikey.created entry, the admin
// credential's latest admintoken.rotated entry (each rotation writes one).
func readCredentials(ctx context.Context, db querier) (*credentials, error) {
	rows, err := db.QueryContext(ctx, `SELECT k.id, k.label, k.prefix, k.hash, k.created, coalesce(k.revoked, 0),
			coalesce(e.seq, 0), coalesce(e.at, 0)
		FROM api_keys k LEFT JOIN activity e ON e.seq = (SELECT min(seq) FROM activity
			WHERE action = ? AND resource_type = ? AND resource_id = CAST(k.id AS TEXT))
		ORDER BY k.id`, hostsync.ActionKeyCreated, TypeKey)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	c := &credentials{}
	for rows.Next() {
		var k storedKey
		if err := rows.Scan(&k.id, &k.label, &k.prefix, &k.hash, &k.created, &k.revoked, &k.made.seq, &k.made.at); err != nil {
			return nil, err
		}
		c.keys = append(c.keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var t storedToken
	err = db.QueryRowContext(ctx, `SELECT t.prefix, t.hash, t.created, coalesce(e.seq, 0), coalesce(e.at, 0)
		FROM admin_token t LEFT JOIN activity e ON e.seq = (SELECT max(seq) FROM activity WHERE action = ?)
		WHERE t.id = 1`, hostsync.ActionAdminTokenRotated).Scan(&t.prefix, &t.hash, &t.created, &t.made.seq, &t.made.at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, err
	default:
		c.admin = &t
	}
	return c, nil
}

// unlogged returns a BadFileError for the first credential of c whose
// making is not in the file's own log, or nil.
func (c *credentials) unlogged(name string) error {
	for _, k := range c.keys {
		if k.made == (stamp{}) {
			return &BadFileError{name, fmt.Sprintf("API key %d (%s…) has no %s entry in the file's activity log: it was not made by this program",
				k.id, k.prefix, hostsync.ActionKeyCreated)}
		}
	}
	if c.admin != nil && c.admin.made == (stamp{}) {
		return &BadFileError{name, fmt.Sprintf("its admin credential (%s…) has no %s entry in the file's activity log: it was not made by this program",
			c.admin.prefix, hostsync.ActionAdminTokenRotated)}
	}
	return nil
}

// any reports whether c holds a credential. A database with none (a
// service started once on a new machine before its backup is restored)
// tells nothing about the backup's keys: all would look unknown.
func (c *credentials) any() bool { return len(c.keys) > 0 || c.admin != nil }

// byHash returns the key of c with this hash.
func (c *credentials) byHash(h []byte) (storedKey, bool) {
	for _, k := range c.keys {
		if bytes.Equal(k.hash, h) {
			return k, true
		}
	}
	return storedKey{}, false
}

// byID returns the key of c with this id.
func (c *credentials) byID(id int64) (storedKey, bool) {
	for _, k := range c.keys {
		if k.id == id {
			return k, true
		}
	}
	return storedKey{}, false
}

// carried is what settleCredentials changed in, or found about, the
// backup's credentials.
type carried struct {
	revoked    []hostsync.APIKey // keys revoked in the replaced database, now also here
	adminToken time.Time         // when the replaced database's admin credential, now here, was made
	unknown    []hostsync.APIKey // live keys the replaced database never had
}

// settleCredentials compares the backup's credentials (in s, the restore's
// copy) with those of the database it replaces (cur), refuses a backup
// whose key has another secret than the same key in cur, and carries cur's
// revocations and newer admin credential into s, each with a log entry.
// name is the backup's, for errors.
func (s *Store) settleCredentials(ctx context.Context, cur *credentials, name string) (carried, error) {
	var out carried
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		out = carried{}
		mine, err := readCredentials(ctx, tx)
		if err != nil {
			return err
		}
		actor := hostsync.Actor{Kind: hostsync.ActorCLI}
		for _, k := range mine.keys {
			if c, ok := cur.byID(k.id); ok && c.made == k.made && !bytes.Equal(c.hash, k.hash) {
				return &BadFileError{name, fmt.Sprintf("API key %d has another secret than the same key in the database it would replace: the backup was altered", k.id)}
			}
			c, ok := cur.byHash(k.hash)
			if ok && c.revoked != 0 && k.revoked == 0 {
				if _, err := tx.ExecContext(ctx, "UPDATE api_keys SET revoked = ? WHERE id = ?", c.revoked, k.id); err != nil {
					return err
				}
				ev := hostsync.Event{Action: hostsync.ActionKeyRevoked, ResourceType: TypeKey, ResourceID: strconv.FormatInt(k.id, 10),
					Detail: fmt.Sprintf("label %q; revoked at %s in the database a restore replaced, so revoked here too",
						k.label, sqlitedb.Time(c.revoked).Format(time.RFC3339))}
				if err := s.appendEvent(ctx, tx, actor, &ev); err != nil {
					return err
				}
				k.revoked = c.revoked
				out.revoked = append(out.revoked, k.apiKey())
				continue
			}
			if k.revoked == 0 && !(ok && c.made == k.made) && cur.any() {
				out.unknown = append(out.unknown, k.apiKey())
			}
		}
		if c := cur.admin; c != nil && (mine.admin == nil || c.created > mine.admin.created && !bytes.Equal(c.hash, mine.admin.hash)) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO admin_token (id, prefix, hash, created) VALUES (1, ?, ?, ?)
				ON CONFLICT (id) DO UPDATE SET prefix = excluded.prefix, hash = excluded.hash, created = excluded.created`,
				c.prefix, c.hash, c.created); err != nil {
				return err
			}
			ev := hostsync.Event{Action: hostsync.ActionAdminTokenRotated, ResourceType: TypeAuth, ResourceID: "admin",
				Detail: fmt.Sprintf("the admin credential made at %s in the database a restore replaced (%s…) replaces the backup's",
					sqlitedb.Time(c.created).Format(time.RFC3339), c.prefix)}
			if err := s.appendEvent(ctx, tx, actor, &ev); err != nil {
				return err
			}
			out.adminToken = sqlitedb.Time(c.created)
		}
		return nil
	})
	s.keys.invalidate()
	return out, err
}

// apiKey is k as ListAPIKeys shows it (without last-use and IdP, which a
// restore does not look at).
func (k storedKey) apiKey() hostsync.APIKey {
	return hostsync.APIKey{ID: strconv.FormatInt(k.id, 10), Label: k.label, Prefix: k.prefix,
		Created: sqlitedb.Time(k.created), Revoked: sqlitedb.NullTime(sql.NullInt64{Int64: k.revoked, Valid: k.revoked != 0})}
}
