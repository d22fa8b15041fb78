package scimserver

import (
	"context"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/hostdb"
)

// Store is what the service keeps its hosts, groups, keys and activity in:
// exactly the methods the handlers call, so that a second store (PostgreSQL,
// for several replicas) can stand in for *hostdb.Store. Its values are still
// hostdb's (Host, Group, queries): a second store would fill the same structs.
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
	CreateHost(ctx context.Context, a hostdb.Actor, h *hostdb.Host) (*hostdb.Host, error)
	GetHost(ctx context.Context, id string) (*hostdb.Host, error)
	// UpdateHost applies fn to the current host inside one write.
	UpdateHost(ctx context.Context, a hostdb.Actor, id string, fn func(cur *hostdb.Host) (*hostdb.Host, error)) (*hostdb.Host, error)
	DeleteHost(ctx context.Context, a hostdb.Actor, id string) error
	QueryHosts(ctx context.Context, q hostdb.HostQuery) (hosts []*hostdb.Host, total int, err error)

	AdminHosts(ctx context.Context, state string, startIndex, count int) ([]*hostdb.Host, int, error)
	AdminHost(ctx context.Context, id string) (*hostdb.Host, error)
	RestoreHost(ctx context.Context, a hostdb.Actor, id string) (*hostdb.Host, error)
}

// Groups are the SCIM Groups.
type Groups interface {
	CreateGroup(ctx context.Context, a hostdb.Actor, g *hostdb.Group) (*hostdb.Group, error)
	GetGroup(ctx context.Context, id string, withMembers bool) (*hostdb.Group, error)
	// UpdateGroup applies the change fn returns inside one write.
	UpdateGroup(ctx context.Context, a hostdb.Actor, id string, fn func(cur *hostdb.Group) (*hostdb.GroupChange, error)) (*hostdb.Group, error)
	DeleteGroup(ctx context.Context, a hostdb.Actor, id string) error
	QueryGroups(ctx context.Context, q hostdb.GroupQuery) ([]*hostdb.Group, int, error)
}

// Keys are the credentials: API keys for identity providers, the admin
// credential for the console. Authenticate* return an error matching
// hostdb.ErrUnauthorized for a secret they do not know.
type Keys interface {
	AuthenticateAPIKey(ctx context.Context, secret string) (hostdb.APIKey, error)
	CheckAPIKey(ctx context.Context, secret string) (hostdb.APIKey, error) // without recording the use
	AuthenticateAdmin(ctx context.Context, secret string) error
	ListAPIKeys(ctx context.Context) ([]hostdb.APIKey, error)
	CreateAPIKey(ctx context.Context, a hostdb.Actor, label string, idp hostsync.IdP) (secret string, key hostdb.APIKey, err error)
	RevokeAPIKey(ctx context.Context, a hostdb.Actor, id string) (hostdb.APIKey, error)
	// KeyIdPs returns every key's IdP by key id, revoked keys' too, without
	// a query per call: it names the key behind events and removals.
	KeyIdPs(ctx context.Context) (map[string]hostsync.IdP, error)
	// NoteCall records the method and path of the call an authenticated key
	// made, kept as the key's last call.
	NoteCall(key hostdb.APIKey, method, path string)
}

// Activity is the audit log, the change feed the console's mirror follows,
// and the counts its header shows.
type Activity interface {
	ActivityPage(ctx context.Context, q hostdb.ActivityQuery) (evs []hostdb.Event, more bool, err error)
	RecordEvent(ctx context.Context, a hostdb.Actor, action, resourceType, resourceID, detail string) (hostdb.Event, error)
	// RecordRejected notes a refused call; best effort, it never fails the caller.
	RecordRejected(ctx context.Context, c hostdb.RejectedCall)
	// LastRejected returns the last refused SCIM and admin API calls, as
	// recorded (they survive a restart); nil when none.
	LastRejected(ctx context.Context) (scim, admin *hostdb.RejectedCall, err error)
	// LastChanges returns each IdP's last change to a host or group.
	LastChanges(ctx context.Context) (map[hostsync.IdP]hostdb.LastChange, error)
	Changes(ctx context.Context, since int64, limit int) (changes []hostdb.Change, cursor int64, more bool, err error)
	Counts(ctx context.Context) (hostdb.Counts, error)
}
