package hostsync

import (
	"cmp"
	"encoding/json"
	"time"
)

// State is where a host is in its life. The service never hard-deletes: a
// deactivated or deleted host keeps its record and can be restored.
type State string

// Host states.
const (
	StateActive      State = "active"
	StateDeactivated State = "deactivated" // Azure AD sent active=false
	StateDeleted     State = "deleted"     // Azure AD sent DELETE
)

// Filters over the states, for lists of hosts: they are never a host's own
// State.
const (
	StateRemoved State = "removed" // deactivated and deleted: the Deleted hosts screen
	StateAll     State = "all"
)

// Removed reports whether s is a removed host's state (deactivated or deleted).
func (s State) Removed() bool { return s == StateDeactivated || s == StateDeleted }

// How a removed host was removed (Host.RemovedHow).
const (
	RemovedByDelete     = "DELETE"
	RemovedByDeactivate = "active=false"
)

// Host is a host in any state, as the admin API shows it (GET
// /v1/admin/hosts, the change feed) and as the console's mirror keeps it.
// The JSON tags are the wire format: change them and old consoles break.
type Host struct {
	ID            string          `json:"id"`
	Seq           int64           `json:"seq"`
	State         State           `json:"state"`
	UserName      string          `json:"userName"`
	ExternalID    string          `json:"externalId,omitempty"`
	DisplayName   string          `json:"displayName,omitempty"`
	Email         string          `json:"email,omitempty"`
	Active        bool            `json:"active"`
	Created       time.Time       `json:"created"`
	Modified      time.Time       `json:"modified"`
	DeactivatedAt time.Time       `json:"deactivatedAt,omitzero"`
	DeactivatedBy string          `json:"deactivatedBy,omitempty"`
	DeletedAt     time.Time       `json:"deletedAt,omitzero"`
	DeletedBy     string          `json:"deletedBy,omitempty"`
	RemovedHow    string          `json:"removedHow,omitempty"` // RemovedByDelete or RemovedByDeactivate
	RestoredAt    time.Time       `json:"restoredAt,omitzero"`
	RestoredBy    string          `json:"restoredBy,omitempty"`
	IdP           IdP             `json:"idp,omitempty"` // the identity provider whose key created it; empty when not known (created before IdPs, or by the command line)
	Resource      json.RawMessage `json:"resource"`      // the full SCIM User resource

	// DeactivatedByName and DeletedByName are DeactivatedBy and DeletedBy in
	// words, as the service names them: "Okta (key #3)" needs the key's IdP,
	// which only the service knows. Empty from a service older than them.
	// RestoredBy needs none: only an admin or the command line restores.
	DeactivatedByName string `json:"deactivatedByName,omitempty"`
	DeletedByName     string `json:"deletedByName,omitempty"`

	// Department and Title are read from Resource by the console's mirror
	// (they are table columns and search fields); they are not on the wire.
	Department string `json:"-"`
	Title      string `json:"-"`
}

// RemovedAt is when the host left the active list (deleted or deactivated),
// or the zero time for an active host.
func (h *Host) RemovedAt() time.Time {
	if !h.DeletedAt.IsZero() {
		return h.DeletedAt
	}
	return h.DeactivatedAt
}

// RemovedBy is the actor (in its stored form) who deleted or deactivated the host.
func (h *Host) RemovedBy() string {
	if h.DeletedBy != "" {
		return h.DeletedBy
	}
	return h.DeactivatedBy
}

// RemovedByName is RemovedBy in words: the service's name for the actor,
// or ActorName's when the service gave none.
func (h *Host) RemovedByName() string {
	if h.DeletedBy != "" {
		return cmp.Or(h.DeletedByName, ActorName(h.DeletedBy))
	}
	return cmp.Or(h.DeactivatedByName, ActorName(h.DeactivatedBy))
}

// HostPage is one page of GET /v1/admin/hosts.
type HostPage struct {
	TotalResults int    `json:"totalResults"`
	StartIndex   int    `json:"startIndex"`
	Hosts        []Host `json:"hosts"`
}

// HostQuery selects a page of GET /v1/admin/hosts; zero values mean the
// service's defaults.
type HostQuery struct {
	State      State // StateActive, StateDeactivated, StateDeleted, StateRemoved or StateAll
	StartIndex int   // 1-based
	Count      int
}

// HostCounts counts hosts per state.
type HostCounts struct {
	Active      int `json:"active"`
	Deactivated int `json:"deactivated"`
	Deleted     int `json:"deleted"`
}

// Sort keys of a HostFilter: the columns of the Hosts and Deleted hosts tables.
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

// HostFilter selects hosts for the Hosts table, the Deleted hosts table and
// exports.
type HostFilter struct {
	// Search holds words typed by the user; each must be the start of a word
	// of the display name, userName, email, department or externalId
	// (case- and accent-insensitive).
	Search string
	// State is StateActive (the default when empty), StateDeactivated,
	// StateDeleted, StateRemoved or StateAll.
	State State
	// IdP, when set, keeps only the hosts that IdP provisioned.
	IdP IdP
	// Sort is one of the Sort* keys; empty means display name, or most
	// recently removed first for StateRemoved.
	Sort string
	Desc bool
	// Offset and Limit page the result for a virtualised table (Limit 0 = all).
	// Exports ignore them.
	Offset, Limit int
}

// Counts is how many hosts a directory holds per state, and its live groups.
type Counts struct {
	HostCounts
	Groups int
}

// HostDetail is everything known about one host.
type HostDetail struct {
	Host    Host    // with its SCIM resource
	Groups  []Group // live groups that list it, by name (Members not filled)
	History []Event // its events, newest first
}

// Export formats.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
	FormatXLSX = "xlsx" // an Excel workbook: binary, one sheet
)

// ExportOptions says how an export is written.
type ExportOptions struct {
	Format string // FormatCSV, FormatJSON or FormatXLSX
	// Comma separates CSV's cells: ',' when zero; ';' where the locale writes decimals with a
	// comma, as Excel there expects.
	Comma rune
}
