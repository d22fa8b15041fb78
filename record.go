package hostsync

import (
	"bytes"
	"encoding/json"
	"time"
)

// The records a store keeps and the queries it answers: what the SCIM
// service hands to a store (storage/hostdb on SQLite, storage/pgstore on
// PostgreSQL) and gets back. They are not the admin API's wire types (Host,
// Group): a record holds the canonical SCIM attributes, a wire host the
// rendered resource.

// HostRecord is one employee provisioned by a SCIM client, as stored.
type HostRecord struct {
	ID          string
	Seq         int64 // activity seq of its last change (the change-feed cursor)
	UserName    string
	ExternalID  string
	DisplayName string
	Email       string // the work email
	Active      bool
	// Attrs are the canonical SCIM attributes including "schemas", userName
	// and active; they exclude id and meta.
	Attrs         json.RawMessage
	Created       time.Time
	Modified      time.Time
	DeactivatedAt time.Time // set while deactivated
	DeactivatedBy string    // Actor.String()
	DeletedAt     time.Time
	DeletedBy     string
	RemovedHow    string    // RemovedByDelete, RemovedByDeactivate, or "" while active
	RestoredAt    time.Time // set by a restore, cleared by the next change from a SCIM client
	RestoredBy    string
	// IdP is the identity provider of the API key that created the host;
	// empty when another actor did (the command line) or when not known
	// (created before keys had an IdP, by a key whose creation was not logged).
	IdP IdP
}

// State is StateActive, StateDeactivated or StateDeleted.
func (h *HostRecord) State() State {
	switch {
	case !h.DeletedAt.IsZero():
		return StateDeleted
	case !h.Active:
		return StateDeactivated
	}
	return StateActive
}

// Clone returns a copy that shares no memory with h.
func (h *HostRecord) Clone() *HostRecord {
	c := *h
	c.Attrs = bytes.Clone(h.Attrs)
	return &c
}

// GroupRecord is a SCIM group of hosts, as stored.
type GroupRecord struct {
	ID          string
	Seq         int64
	DisplayName string
	ExternalID  string
	Attrs       json.RawMessage // canonical attributes WITHOUT members (JSON object)
	Members     []string        // live host ids in insertion order; only filled when asked for
	Created     time.Time
	Modified    time.Time
	DeletedAt   time.Time
	DeletedBy   string
}

// GroupChange is what a group update's callback asks for.
type GroupChange struct {
	// The new non-member state. Attrs nil keeps the current DisplayName,
	// ExternalID and Attrs (a members-only change).
	DisplayName, ExternalID string
	Attrs                   json.RawMessage
	// Member host ids. Applied in the order RemoveAll, Remove, Add (so
	// RemoveAll+Add replaces the list). Add is idempotent and every id must be a
	// live host; removing a non-member is a no-op.
	Add, Remove []string
	RemoveAll   bool
}

// Field is an indexed field a query condition can test.
type Field int

// Indexed fields. userName, displayName and email compare case-insensitively,
// externalId and id exactly; FieldActive takes "true" or "false".
const (
	FieldID Field = iota
	FieldUserName
	FieldExternalID
	FieldDisplayName
	FieldEmail
	FieldActive
)

// Cond is an equality condition on an indexed field.
type Cond struct {
	Field Field
	Value string
}

// LiveHostQuery selects live hosts (SCIM's GET /Users) in creation order.
type LiveHostQuery struct {
	Conds      []Cond                 // all must hold; served by indexes
	Match      func(*HostRecord) bool // residual predicate after Conds; nil = all
	StartIndex int                    // 1-based; < 1 means 1
	Count      int                    // page size; 0 = count only
}

// GroupQuery selects live groups in creation order; see LiveHostQuery.
// Conds may use FieldID, FieldDisplayName and FieldExternalID.
type GroupQuery struct {
	Conds       []Cond
	Match       func(*GroupRecord) bool // sees Members when WithMembers is set
	StartIndex  int
	Count       int
	WithMembers bool
}

// ChangeRecord is one item of a store's change feed: exactly one of Host
// (any state) and Group (deleted ones included, with Members) is set, in its
// latest state.
type ChangeRecord struct {
	Seq   int64
	Host  *HostRecord
	Group *GroupRecord
}

// CountsAt is the directory's counts and the change-feed position of the
// latest change they include, read from one snapshot.
type CountsAt struct {
	Counts
	Cursor int64
}

// APIKey is a SCIM bearer key as a store knows it; never its secret.
type APIKey struct {
	ID      string
	Label   string
	Prefix  string // the first 8 characters of the secret, safe to display
	IdP     IdP    // the identity provider it was made for
	Created time.Time
	// LastUsed, and the method and path of that last call, may lag the
	// call by the store's flush interval (10 s); the asking process's own
	// pending values are included.
	LastUsed   time.Time
	LastMethod string
	LastPath   string
	Revoked    time.Time
}

// LastChange is the last change an identity provider's keys made to a host or
// group.
type LastChange struct {
	Seq    int64
	At     time.Time
	Actor  string // Actor.String(): "apikey:3"
	Action string // one of the Action* for hosts and groups
	Target string // the host's display name (or userName), the group's display name
	// Method and Path are the request that made it (Actor.Method, Path);
	// empty when not known (a change read back from the activity log, which
	// does not keep them).
	Method, Path string
}

// RejectedCall is a call refused for its credential, or, with Count > 1,
// the refusals of one source in one minute (the service aggregates them, so
// that strangers cannot grow the log).
type RejectedCall struct {
	Admin  bool // refused by the admin API (a wrong admin credential), else by the SCIM API (a wrong API key)
	At     time.Time
	Method string
	Path   string // as sent; Detail caps and escapes it
	Remote string // the caller's address
	Reason string
	// Count is how many refusals this stands for (0 or 1: this one), from
	// Since to At, the last of them described by Method, Path and Reason.
	Count int
	Since time.Time
}
