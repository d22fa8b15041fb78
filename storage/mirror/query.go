package mirror

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/visitly/hostsync"
	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// sortColumns are the columns of the hostsync.Sort* keys.
var sortColumns = map[string]string{
	hostsync.SortDisplayName: "display_name",
	hostsync.SortUserName:    "user_name",
	hostsync.SortEmail:       "email",
	hostsync.SortDepartment:  "department",
	hostsync.SortTitle:       "title",
	hostsync.SortExternalID:  "external_id",
	hostsync.SortModified:    "modified",
	hostsync.SortCreated:     "created",
	hostsync.SortState:       "state",
	hostsync.SortRemovedAt:   "removed_at",
}

// hostOrder returns q's sort column and ORDER BY clause.
func hostOrder(q hostsync.HostFilter) (col, clause string, err error) {
	key, desc := q.Sort, q.Desc
	if key == "" {
		key = hostsync.SortDisplayName
		if q.State == hostsync.StateRemoved {
			key, desc = hostsync.SortRemovedAt, !desc
		}
	}
	col, ok := sortColumns[key]
	if !ok {
		return "", "", fmt.Errorf("%w: unknown sort column %q", ErrBadQuery, key)
	}
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	// rid breaks ties so that paging by offset is stable.
	return col, " ORDER BY hosts." + col + dir + ", hosts.rid" + dir, nil
}

const hostColumns = `hosts.id, hosts.seq, hosts.state, hosts.user_name, hosts.external_id, hosts.display_name,
	hosts.email, hosts.department, hosts.title, hosts.active, hosts.created, hosts.modified, hosts.deactivated_at,
	hosts.deactivated_by, hosts.deleted_at, hosts.deleted_by, hosts.removed_how, hosts.restored_at, hosts.restored_by, hosts.idp,
	hosts.deactivated_by_name, hosts.deleted_by_name`

// resourceColumn reads a host's SCIM resource, kept apart from the hosts
// table (see migrations/005_host_resources.sql).
const resourceColumn = `coalesce((SELECT r.resource FROM host_resources r WHERE r.rid = hosts.rid), '{}')`

// scanHost reads hostColumns, plus the resource when withResource.
func scanHost(s sqlitedb.Scanner, withResource bool) (*hostsync.Host, error) {
	var h hostsync.Host
	var created, modified, deactAt, delAt, restAt int64
	dest := []any{&h.ID, &h.Seq, &h.State, &h.UserName, &h.ExternalID, &h.DisplayName, &h.Email, &h.Department,
		&h.Title, &h.Active, &created, &modified, &deactAt, &h.DeactivatedBy, &delAt, &h.DeletedBy, &h.RemovedHow,
		&restAt, &h.RestoredBy, &h.IdP, &h.DeactivatedByName, &h.DeletedByName}
	var res string
	if withResource {
		dest = append(dest, &res)
	}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	h.Created, h.Modified, h.DeactivatedAt = sqlitedb.Time(created), sqlitedb.Time(modified), sqlitedb.Time(deactAt)
	h.DeletedAt, h.RestoredAt = sqlitedb.Time(delAt), sqlitedb.Time(restAt)
	if withResource {
		h.Resource = []byte(res)
	}
	return &h, nil
}

// Hosts returns one page of hosts matching q, in q's order, without their
// SCIM resource (the table does not show it; HostDetail does).
func (m *Mirror) Hosts(ctx context.Context, q hostsync.HostFilter) ([]hostsync.Host, error) {
	var out []hostsync.Host
	err := m.eachHost(ctx, q, false, func(h *hostsync.Host) error {
		out = append(out, *h)
		return nil
	})
	return out, err
}

// eachHost streams the hosts matching q to fn.
func (m *Mirror) eachHost(ctx context.Context, q hostsync.HostFilter, withResource bool, fn func(*hostsync.Host) error) error {
	f, err := newHostConds(q)
	if err != nil {
		return err
	}
	col, order, err := hostOrder(q)
	if err != nil {
		return err
	}
	p, err := m.plan(ctx, q, f, col)
	if err != nil || p == planNone {
		return err
	}
	from, args := f.from(p)
	cols := hostColumns
	if withResource {
		cols += ", " + resourceColumn
	}
	query := "SELECT " + cols + from + order
	if q.Limit > 0 || q.Offset > 0 {
		limit := q.Limit
		if limit <= 0 {
			limit = -1
		}
		page := " LIMIT ? OFFSET ?"
		if p == planSparse {
			// Sort only the keys, then read the page's rows: the sort keeps
			// every row up to the page, and whole rows made deep pages slow.
			query = "SELECT " + cols + " FROM hosts WHERE hosts.rid IN (SELECT hosts.rid" + from + order + page + ")" + order
			page = ""
		}
		query += page
		args = append(args, limit, max(q.Offset, 0))
	}
	rows, err := m.r.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("mirror: hosts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		h, err := scanHost(rows, withResource)
		if err != nil {
			return fmt.Errorf("mirror: hosts: %w", err)
		}
		if err := fn(h); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("mirror: hosts: %w", err)
	}
	return nil
}

// CountHosts returns how many hosts match q (ignoring Offset and Limit).
func (m *Mirror) CountHosts(ctx context.Context, q hostsync.HostFilter) (int, error) {
	f, err := newHostConds(q)
	if err != nil {
		return 0, err
	}
	from, args := f.from(planScan)
	query := "SELECT count(*)" + from
	switch {
	case f.words != "" && f.idp:
		from, args = f.from(planSparse)
		query = "SELECT count(*)" + from
	case f.words != "":
		// The search index holds the state too: no host row is read.
		query, args = "SELECT count(*) FROM hosts_fts WHERE hosts_fts MATCH ?", []any{f.match}
	}
	var n int
	if err := m.r.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("mirror: count hosts: %w", err)
	}
	return n, nil
}

// Counts returns the per-state counts for the state filter and badges.
func (m *Mirror) Counts(ctx context.Context) (hostsync.Counts, error) {
	var c hostsync.Counts
	rows, err := m.r.QueryContext(ctx, `SELECT state, count(*) FROM hosts GROUP BY state`)
	if err != nil {
		return c, fmt.Errorf("mirror: counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state hostsync.State
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return c, fmt.Errorf("mirror: counts: %w", err)
		}
		switch state {
		case hostsync.StateActive:
			c.Active = n
		case hostsync.StateDeactivated:
			c.Deactivated = n
		case hostsync.StateDeleted:
			c.Deleted = n
		}
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("mirror: counts: %w", err)
	}
	if err := m.r.QueryRowContext(ctx, `SELECT count(*) FROM groups WHERE deleted_at = 0`).Scan(&c.Groups); err != nil {
		return c, fmt.Errorf("mirror: counts: %w", err)
	}
	return c, nil
}

// HostDetail returns a host in any state with its groups and history, or
// ErrNotFound.
func (m *Mirror) HostDetail(ctx context.Context, id string) (*hostsync.HostDetail, error) {
	h, err := scanHost(m.r.QueryRowContext(ctx, "SELECT "+hostColumns+", "+resourceColumn+" FROM hosts WHERE id = ?", id), true)
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("%w: host %q", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("mirror: host %s: %w", id, err)
	}
	d := &hostsync.HostDetail{Host: *h}
	rows, err := m.r.QueryContext(ctx, `SELECT g.id, g.seq, g.display_name, g.external_id, g.created, g.modified
		FROM memberships mb JOIN groups g ON g.id = mb.group_id
		WHERE mb.host_id = ? AND g.deleted_at = 0 ORDER BY g.display_name, g.id`, id)
	if err != nil {
		return nil, fmt.Errorf("mirror: host %s groups: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var g hostsync.Group
		var created, modified int64
		if err := rows.Scan(&g.ID, &g.Seq, &g.DisplayName, &g.ExternalID, &created, &modified); err != nil {
			return nil, fmt.Errorf("mirror: host %s groups: %w", id, err)
		}
		g.Created, g.Modified = sqlitedb.Time(created), sqlitedb.Time(modified)
		d.Groups = append(d.Groups, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mirror: host %s groups: %w", id, err)
	}
	d.History, err = m.Activity(ctx, hostsync.EventFilter{ResourceID: id})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Group returns a group in any state with its members, or ErrNotFound.
func (m *Mirror) Group(ctx context.Context, id string) (*hostsync.Group, error) {
	var g hostsync.Group
	var created, modified, deleted int64
	err := m.r.QueryRowContext(ctx, `SELECT id, seq, display_name, external_id, created, modified, deleted_at, deleted_by
		FROM groups WHERE id = ?`, id).Scan(&g.ID, &g.Seq, &g.DisplayName, &g.ExternalID, &created, &modified, &deleted, &g.DeletedBy)
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("%w: group %q", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("mirror: group %s: %w", id, err)
	}
	g.Created, g.Modified, g.DeletedAt = sqlitedb.Time(created), sqlitedb.Time(modified), sqlitedb.Time(deleted)
	// Like the service, list only live members: a deleted host leaves its
	// groups (and comes back if restored) without the group changing.
	rows, err := m.r.QueryContext(ctx, `SELECT host_id FROM memberships mb WHERE group_id = ?
		AND NOT EXISTS (SELECT 1 FROM hosts h WHERE h.id = mb.host_id AND h.state = 'deleted') ORDER BY pos`, id)
	if err != nil {
		return nil, fmt.Errorf("mirror: group %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("mirror: group %s: %w", id, err)
		}
		g.Members = append(g.Members, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mirror: group %s: %w", id, err)
	}
	return &g, nil
}
