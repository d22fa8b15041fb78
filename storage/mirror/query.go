package mirror

import (
	"context"
	"database/sql"
	"fmt"
)

// Sort columns of the Hosts and Deleted hosts tables.
const (
	SortDisplayName = "displayName"
	SortUserName    = "userName"
	SortEmail       = "email"
	SortDepartment  = "department"
	SortTitle       = "title"
	SortExternalID  = "externalId"
	SortModified    = "modified"
	SortCreated     = "created"
	SortState       = "state"
	SortRemovedAt   = "removedAt"
)

var sortColumns = map[string]string{
	SortDisplayName: "display_name",
	SortUserName:    "user_name",
	SortEmail:       "email",
	SortDepartment:  "department",
	SortTitle:       "title",
	SortExternalID:  "external_id",
	SortModified:    "modified",
	SortCreated:     "created",
	SortState:       "state",
	SortRemovedAt:   "removed_at",
}

// HostQuery selects hosts for the Hosts table, the Deleted hosts table and
// exports.
type HostQuery struct {
	// Search holds words typed by the user; each must be the start of a word
	// of the display name, userName, email, department or externalId
	// (case- and accent-insensitive).
	Search string
	// State is StateActive (the default when empty), StateDeactivated,
	// StateDeleted, StateRemoved or StateAll.
	State string
	// Sort is one of the Sort* columns; empty means display name, or most
	// recently removed first for StateRemoved.
	Sort string
	Desc bool
	// Offset and Limit page the result for a virtualised table (Limit 0 = all).
	// Exports ignore them.
	Offset, Limit int
}

// order returns q's sort column and ORDER BY clause.
func (q HostQuery) order() (col, clause string, err error) {
	key, desc := q.Sort, q.Desc
	if key == "" {
		key = SortDisplayName
		if q.State == StateRemoved {
			key, desc = SortRemovedAt, !desc
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
	hosts.deactivated_by, hosts.deleted_at, hosts.deleted_by, hosts.removed_how, hosts.restored_at, hosts.restored_by`

// resourceColumn reads a host's SCIM resource, kept apart from the hosts
// table (see migrations/005_host_resources.sql).
const resourceColumn = `coalesce((SELECT r.resource FROM host_resources r WHERE r.rid = hosts.rid), '{}')`

type scanner interface{ Scan(...any) error }

// scanHost reads hostColumns, plus the resource when withResource.
func scanHost(s scanner, withResource bool) (*Host, error) {
	var h Host
	var created, modified, deactAt, delAt, restAt int64
	dest := []any{&h.ID, &h.Seq, &h.State, &h.UserName, &h.ExternalID, &h.DisplayName, &h.Email, &h.Department,
		&h.Title, &h.Active, &created, &modified, &deactAt, &h.DeactivatedBy, &delAt, &h.DeletedBy, &h.RemovedHow,
		&restAt, &h.RestoredBy}
	var res string
	if withResource {
		dest = append(dest, &res)
	}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	h.Created, h.Modified, h.DeactivatedAt = fromMS(created), fromMS(modified), fromMS(deactAt)
	h.DeletedAt, h.RestoredAt = fromMS(delAt), fromMS(restAt)
	if withResource {
		h.Resource = []byte(res)
	}
	return &h, nil
}

// Hosts returns one page of hosts matching q, in q's order, without their
// SCIM resource (the table does not show it; HostDetail does).
func (m *Mirror) Hosts(ctx context.Context, q HostQuery) ([]Host, error) {
	var out []Host
	err := m.eachHost(ctx, q, false, func(h *Host) error {
		out = append(out, *h)
		return nil
	})
	return out, err
}

// eachHost streams the hosts matching q to fn.
func (m *Mirror) eachHost(ctx context.Context, q HostQuery, withResource bool, fn func(*Host) error) error {
	f, err := q.filter()
	if err != nil {
		return err
	}
	col, order, err := q.order()
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
func (m *Mirror) CountHosts(ctx context.Context, q HostQuery) (int, error) {
	f, err := q.filter()
	if err != nil {
		return 0, err
	}
	from, args := f.from(planScan)
	query := "SELECT count(*)" + from
	if f.words != "" {
		// The search index holds the state too: no host row is read.
		query, args = "SELECT count(*) FROM hosts_fts WHERE hosts_fts MATCH ?", []any{f.match}
	}
	var n int
	if err := m.r.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("mirror: count hosts: %w", err)
	}
	return n, nil
}

// Counts is how many hosts the mirror holds per state, and its groups.
type Counts struct {
	Active, Deactivated, Deleted int
	Groups                       int // live groups
}

// Counts returns the per-state counts for the state filter and badges.
func (m *Mirror) Counts(ctx context.Context) (Counts, error) {
	var c Counts
	rows, err := m.r.QueryContext(ctx, `SELECT state, count(*) FROM hosts GROUP BY state`)
	if err != nil {
		return c, fmt.Errorf("mirror: counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return c, fmt.Errorf("mirror: counts: %w", err)
		}
		switch state {
		case StateActive:
			c.Active = n
		case StateDeactivated:
			c.Deactivated = n
		case StateDeleted:
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

// HostDetail is everything the mirror knows about one host.
type HostDetail struct {
	Host    Host    // with its SCIM resource
	Groups  []Group // live groups that list it, by name (Members not filled)
	History []Event // its events, newest first
}

// HostDetail returns a host in any state with its groups and history, or
// ErrNotFound.
func (m *Mirror) HostDetail(ctx context.Context, id string) (*HostDetail, error) {
	h, err := scanHost(m.r.QueryRowContext(ctx, "SELECT "+hostColumns+", "+resourceColumn+" FROM hosts WHERE id = ?", id), true)
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("%w: host %q", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("mirror: host %s: %w", id, err)
	}
	d := &HostDetail{Host: *h}
	rows, err := m.r.QueryContext(ctx, `SELECT g.id, g.seq, g.display_name, g.external_id, g.created, g.modified
		FROM memberships mb JOIN groups g ON g.id = mb.group_id
		WHERE mb.host_id = ? AND g.deleted_at = 0 ORDER BY g.display_name, g.id`, id)
	if err != nil {
		return nil, fmt.Errorf("mirror: host %s groups: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var g Group
		var created, modified int64
		if err := rows.Scan(&g.ID, &g.Seq, &g.DisplayName, &g.ExternalID, &created, &modified); err != nil {
			return nil, fmt.Errorf("mirror: host %s groups: %w", id, err)
		}
		g.Created, g.Modified = fromMS(created), fromMS(modified)
		d.Groups = append(d.Groups, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mirror: host %s groups: %w", id, err)
	}
	d.History, err = m.Activity(ctx, ActivityQuery{ResourceID: id})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Group returns a group in any state with its members, or ErrNotFound.
func (m *Mirror) Group(ctx context.Context, id string) (*Group, error) {
	var g Group
	var created, modified, deleted int64
	err := m.r.QueryRowContext(ctx, `SELECT id, seq, display_name, external_id, created, modified, deleted_at, deleted_by
		FROM groups WHERE id = ?`, id).Scan(&g.ID, &g.Seq, &g.DisplayName, &g.ExternalID, &created, &modified, &deleted, &g.DeletedBy)
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("%w: group %q", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("mirror: group %s: %w", id, err)
	}
	g.Created, g.Modified, g.DeletedAt = fromMS(created), fromMS(modified), fromMS(deleted)
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
