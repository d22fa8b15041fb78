package pgstore

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/visitly/hostsync"
)

// What the console's header reports about the calls the service saw: each
// identity provider's last change and the last calls refused for their
// credential. Both are read from the database, so every replica reports
// the same: a last change is the IdP's latest host or group event (the
// activity row carries the key's IdP, target, method and path, and a
// partial index makes it one backward step per IdP); a refusal is a row
// per door in rejected_calls, written with its event.

// changeActions are the actions that change a host or group.
var changeActions = []string{
	hostsync.ActionHostCreated, hostsync.ActionHostUpdated, hostsync.ActionHostDeactivated,
	hostsync.ActionHostReactivated, hostsync.ActionHostDeleted, hostsync.ActionHostRestored,
	hostsync.ActionGroupCreated, hostsync.ActionGroupUpdated, hostsync.ActionGroupDeleted,
}

// LastChanges returns each IdP's last change to a host or group, by IdP; an
// IdP whose keys changed nothing is absent.
func (s *Store) LastChanges(ctx context.Context) (map[hostsync.IdP]hostsync.LastChange, error) {
	idps := make([]string, len(hostsync.IdPs))
	for i, p := range hostsync.IdPs {
		idps[i] = string(p)
	}
	rows, err := s.pool.Query(ctx, `SELECT p.idp, a.seq, a.at, a.actor, a.action, a.target, a.method, a.path
		FROM unnest($2::text[]) AS p(idp) CROSS JOIN LATERAL (
			SELECT seq, at, actor, action, target, method, path FROM activity
			WHERE tenant = $1 AND idp = p.idp AND (resource_type = 'User' OR resource_type = 'Group')
				AND idp <> '' AND action = ANY($3)
			ORDER BY seq DESC LIMIT 1) a`, s.tenant, idps, changeActions)
	if err != nil {
		return nil, fail("last changes", err)
	}
	out := map[hostsync.IdP]hostsync.LastChange{}
	var p string
	var c hostsync.LastChange
	_, err = pgx.ForEachRow(rows, []any{&p, &c.Seq, &c.At, &c.Actor, &c.Action, &c.Target, &c.Method, &c.Path}, func() error {
		c.At = c.At.UTC()
		out[hostsync.IdP(p)] = c
		return nil
	})
	if err != nil {
		return nil, fail("last changes", err)
	}
	return out, nil
}

// rejectedKind names a refused call's door: "admin" or "scim".
func rejectedKind(c hostsync.RejectedCall) string {
	if c.Admin {
		return "admin"
	}
	return "scim"
}

// RecordRejected logs a refused call (or a minute's refusals of one source,
// as the server aggregates them) as an auth.rejected event worded by its
// Detail, and keeps it as its door's last refusal (LastRejected), shared by
// every replica. It is best effort and never fails the caller; it never
// sees the presented token.
func (s *Store) RecordRejected(ctx context.Context, c hostsync.RejectedCall) {
	if c.At.IsZero() {
		c.At = now()
	}
	c = c.Kept()
	detail := c.Detail()
	ev := hostsync.Event{Action: hostsync.ActionAuthRejected, ResourceType: hostsync.ResourceAuth, ResourceID: c.Remote, Detail: detail}
	var b argList
	tenant := b.add(s.tenant)
	evSQL, err := s.eventInsert(&b, tenant, hostsync.Actor{Kind: hostsync.ActorSystem}, &ev, "", "")
	if err != nil {
		return
	}
	sql := "WITH ev AS (" + evSQL + `)
		INSERT INTO rejected_calls (tenant, kind, at, method, path, remote, reason) VALUES (` + tenant + ", " +
		join([]string{b.add(rejectedKind(c)), b.add(c.At), b.add(c.Method), b.add(c.Path), b.add(c.Remote), b.add(c.Reason)}) +
		`) ON CONFLICT (tenant, kind) DO UPDATE SET at = excluded.at, method = excluded.method,
		path = excluded.path, remote = excluded.remote, reason = excluded.reason`
	s.pool.Exec(ctx, sql, b.vals...) // best effort
}

// LastRejected returns the last logged refusal of the SCIM API (a wrong API
// key) and of the admin API (a wrong admin credential); nil when none.
func (s *Store) LastRejected(ctx context.Context) (scim, admin *hostsync.RejectedCall, err error) {
	rows, err := s.pool.Query(ctx, "SELECT kind, at, method, path, remote, reason FROM rejected_calls WHERE tenant = $1", s.tenant)
	if err != nil {
		return nil, nil, fail("last rejected calls", err)
	}
	var kind string
	var c hostsync.RejectedCall
	_, err = pgx.ForEachRow(rows, []any{&kind, &c.At, &c.Method, &c.Path, &c.Remote, &c.Reason}, func() error {
		r := c
		r.At, r.Admin = c.At.UTC(), kind == "admin"
		if r.Admin {
			admin = &r
		} else {
			scim = &r
		}
		return nil
	})
	if err != nil {
		return nil, nil, fail("last rejected calls", err)
	}
	return scim, admin, nil
}
