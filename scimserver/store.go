package scimserver

import (
	"context"

	"github.com/visitly/hostsync"
)

// Store is what the service keeps its hosts, groups, keys and activity in:
// exactly the methods the handlers call, in the domain's records, queries
// and errors (hostsync), so that any store stands in: storage/hostdb on
// SQLite, storage/pgstore on PostgreSQL. The rules of a change (when a host
// counts as deactivated, reactivated or restored, which identity providers
// exist) are hostsync's, which every store applies.
type Store interface {
	Hosts
	Groups
	Keys
	Activity
	// Ready reports whether the store takes writes now (/readyz).
	Ready(ctx context.Context) error
}

// Hosts are the SCIM Users and the admin API's view of them, soft-deleted
// ones included.
type Hosts interface {
	CreateHost(ctx context.Context, a hostsync.Actor, h *hostsync.HostRecord) (*hostsync.HostRecord, error)
	GetHost(ctx context.Context, id string) (*hostsync.HostRecord, error)
	// UpdateHost applies fn to a copy of the current live host and stores
	// the result (hostsync.UpdateHost's rules) atomically. fn may run more
	// than once (a store may compute it on a snapshot and redo it when another
	// write changed the host meanwhile), so it must be pure. An error from fn
	// is returned unchanged and writes nothing.
	UpdateHost(ctx context.Context, a hostsync.Actor, id string, fn func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error)) (*hostsync.HostRecord, error)
	DeleteHost(ctx context.Context, a hostsync.Actor, id string) error
	QueryHosts(ctx context.Context, q hostsync.LiveHostQuery) (hosts []*hostsync.HostRecord, total int, err error)

	AdminHosts(ctx context.Context, state hostsync.State, startIndex, count int) ([]*hostsync.HostRecord, int, error)
	AdminHost(ctx context.Context, id string) (*hostsync.HostRecord, error)
	RestoreHost(ctx context.Context, a hostsync.Actor, id string) (*hostsync.HostRecord, error)
}

// Groups are the SCIM Groups.
type Groups interface {
	CreateGroup(ctx context.Context, a hostsync.Actor, g *hostsync.GroupRecord) (*hostsync.GroupRecord, error)
	GetGroup(ctx context.Context, id string, withMembers bool) (*hostsync.GroupRecord, error)
	// UpdateGroup applies the change fn returns inside one write.
	UpdateGroup(ctx context.Context, a hostsync.Actor, id string, fn func(cur *hostsync.GroupRecord) (*hostsync.GroupChange, error)) (*hostsync.GroupRecord, error)
	DeleteGroup(ctx context.Context, a hostsync.Actor, id string) error
	QueryGroups(ctx context.Context, q hostsync.GroupQuery) ([]*hostsync.GroupRecord, int, error)
}

// Keys are the credentials: API keys for identity providers, the admin
// credential for the console. Authenticate* return an error matching
// hostsync.ErrUnauthorized for a secret they do not know.
type Keys interface {
	AuthenticateAPIKey(ctx context.Context, secret string) (hostsync.APIKey, error)
	CheckAPIKey(ctx context.Context, secret string) (hostsync.APIKey, error) // without recording the use
	AuthenticateAdmin(ctx context.Context, secret string) error
	ListAPIKeys(ctx context.Context) ([]hostsync.APIKey, error)
	CreateAPIKey(ctx context.Context, a hostsync.Actor, label string, idp hostsync.IdP) (secret string, key hostsync.APIKey, err error)
	RevokeAPIKey(ctx context.Context, a hostsync.Actor, id string) (hostsync.APIKey, error)
	// KeyIdPs returns every key's IdP by key id, revoked keys' too, without
	// a query per call: it names the key behind events and removals.
	KeyIdPs(ctx context.Context) (map[string]hostsync.IdP, error)
	// NoteCall records the method and path of the call an authenticated key
	// made, kept as the key's last call.
	NoteCall(key hostsync.APIKey, method, path string)
}

// Activity is the audit log, the change feed the console's mirror follows,
// and the counts its header shows.
type Activity interface {
	// ActivityPage is a page of the activity log in the order the console's
	// mirror follows it: q.Since is a cursor the store returned, never a
	// position the caller made up, and resuming from a page's cursor misses
	// no event, whatever order concurrent writers committed in.
	ActivityPage(ctx context.Context, q hostsync.ActivityQuery) (hostsync.ActivityPage, error)
	RecordEvent(ctx context.Context, a hostsync.Actor, action, resourceType, resourceID, detail string) (hostsync.Event, error)
	// RecordRejected records a refused call (or a minute's refusals of one
	// source, Count > 1) as an auth.rejected event worded by its Detail, and
	// keeps it as its door's last refusal; best effort, it never fails the
	// caller. The server aggregates before calling it.
	RecordRejected(ctx context.Context, c hostsync.RejectedCall)
	// LastRejected returns the last refused SCIM and admin API calls, as
	// recorded (they survive a restart); nil when none.
	LastRejected(ctx context.Context) (scim, admin *hostsync.RejectedCall, err error)
	// LastChanges returns each IdP's last change to a host or group.
	LastChanges(ctx context.Context) (map[hostsync.IdP]hostsync.LastChange, error)
	Changes(ctx context.Context, since int64, limit int) (changes []hostsync.ChangeRecord, cursor int64, more bool, err error)
	Counts(ctx context.Context) (hostsync.CountsAt, error)
}
