package hostdb

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
)

// rekeyNames is the Go step of migration 003: it recomputes the name keys
// of every host and group, deleted ones included (a restore checks a
// deleted host's key), with userNameKey and groupNameKey.
func rekeyNames(ctx context.Context, tx *sql.Tx) error {
	if err := rekey(ctx, tx, keyColumn{"hosts", "user_name", "user_name_key", "host", "userName"}, userNameKey); err != nil {
		return err
	}
	return rekey(ctx, tx, keyColumn{"groups", "display_name", "display_name_key", "group", "displayName"}, groupNameKey)
}

// keyColumn names a table's name column and the key column computed from it.
type keyColumn struct{ table, name, key, kind, attr string }

// keyedRow is one row being rekeyed.
type keyedRow struct {
	n             int64
	id, name, old string
	live          bool
	next          string // the key it gets
}

// rekey sets every row's key to keyOf(name), except where two live rows
// now share a key — "ann" and "ａnn" were two hosts, and the key's unique
// index would refuse the second. Nothing is hidden or renamed then:
//
//   - the row whose stored key already is the new key keeps it, since
//     that is the row clients have been finding under that name; failing
//     that, the oldest row (created first) takes the new key;
//   - every other row keeps its old key, so that it stays live, answers by
//     id and can be updated (a host's or group's key is rewritten only
//     when its name changes), while a lookup by name finds the first row;
//     should its old key be another row's new key, it gets one made of its
//     id, which no name has;
//   - a warning names both rows, for an admin to rename or delete one.
//
// A later rename of such a row takes the new key, or is a conflict.
func rekey(ctx context.Context, tx *sql.Tx, c keyColumn, keyOf func(string) string) error {
	rows, err := tx.QueryContext(ctx, fmt.Sprintf("SELECT n, id, %s, %s, deleted_at IS NULL FROM %s ORDER BY n", c.name, c.key, c.table))
	if err != nil {
		return fmt.Errorf("read %s names: %w", c.kind, err)
	}
	var all []*keyedRow
	for rows.Next() {
		r := &keyedRow{}
		if err := rows.Scan(&r.n, &r.id, &r.name, &r.old, &r.live); err != nil {
			rows.Close()
			return fmt.Errorf("read %s names: %w", c.kind, err)
		}
		r.next = keyOf(r.name)
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s names: %w", c.kind, err)
	}

	holder := map[string]*keyedRow{} // new key → the live row that takes it
	for _, r := range all {
		if !r.live {
			continue
		}
		if h, ok := holder[r.next]; !ok || r.old == r.next && h.old != h.next {
			holder[r.next] = r
		}
	}
	taken := make(map[string]bool, len(holder))
	for k := range holder {
		taken[k] = true
	}
	for _, r := range all {
		h := holder[r.next]
		if !r.live || h == r {
			continue
		}
		slog.Warn("hostdb: two live "+c.kind+"s' "+c.attr+"s now compare equal; the other keeps its old key: rename or delete one",
			"key", r.next, "kept_id", h.id, "kept_"+c.attr, h.name, "other_id", r.id, "other_"+c.attr, r.name)
		r.next = r.old
		if taken[r.old] {
			r.next = "\x01" + r.id
		}
		taken[r.next] = true
	}

	// Live rows move through a temporary key first: set one by one, a row
	// could take the new key another row still has as its old one.
	update := fmt.Sprintf("UPDATE %s SET %s = ? WHERE n = ?", c.table, c.key)
	for _, r := range all {
		if r.live && r.next != r.old {
			if _, err := tx.ExecContext(ctx, update, "\x01tmp:"+strconv.FormatInt(r.n, 10), r.n); err != nil {
				return fmt.Errorf("rekey %s %s: %w", c.kind, r.id, err)
			}
		}
	}
	for _, r := range all {
		if r.next != r.old {
			if _, err := tx.ExecContext(ctx, update, r.next, r.n); err != nil {
				return fmt.Errorf("rekey %s %s: %w", c.kind, r.id, err)
			}
		}
	}
	return nil
}
