package mirror

import (
	"encoding/json"
	"time"
)

// Host states as the admin API names them, plus the filters built on them.
const (
	StateActive      = "active"
	StateDeactivated = "deactivated"
	StateDeleted     = "deleted"
	StateRemoved     = "removed" // deactivated and deleted: the Deleted hosts screen
	StateAll         = "all"
)

// Host is one host in any state, shaped like the admin API's Host object so
// that a page of the change feed decodes straight into it.
type Host struct {
	ID            string          `json:"id"`
	Seq           int64           `json:"seq"`
	State         string          `json:"state"`
	UserName      string          `json:"userName,omitempty"`
	ExternalID    string          `json:"externalId,omitempty"`
	DisplayName   string          `json:"displayName,omitempty"`
	Email         string          `json:"email,omitempty"`
	Active        bool            `json:"active"`
	Created       time.Time       `json:"created,omitzero"`
	Modified      time.Time       `json:"modified,omitzero"`
	DeactivatedAt time.Time       `json:"deactivatedAt,omitzero"`
	DeactivatedBy string          `json:"deactivatedBy,omitempty"`
	DeletedAt     time.Time       `json:"deletedAt,omitzero"`
	DeletedBy     string          `json:"deletedBy,omitempty"`
	RemovedHow    string          `json:"removedHow,omitempty"` // "DELETE" or "active=false"
	RestoredAt    time.Time       `json:"restoredAt,omitzero"`
	RestoredBy    string          `json:"restoredBy,omitempty"`
	Resource      json.RawMessage `json:"resource,omitempty"` // the full SCIM User resource

	// Department and Title are read from Resource by the mirror (they are
	// table columns and search fields); they are not part of the wire shape.
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

// RemovedBy is the actor who deleted or deactivated the host.
func (h *Host) RemovedBy() string {
	if h.DeletedBy != "" {
		return h.DeletedBy
	}
	return h.DeactivatedBy
}

// Group is a group in any state with its live members' host ids.
type Group struct {
	ID          string    `json:"id"`
	Seq         int64     `json:"seq"`
	DisplayName string    `json:"displayName,omitempty"`
	ExternalID  string    `json:"externalId,omitempty"`
	Members     []string  `json:"members,omitempty"`
	Created     time.Time `json:"created,omitzero"`
	Modified    time.Time `json:"modified,omitzero"`
	DeletedAt   time.Time `json:"deletedAt,omitzero"`
	DeletedBy   string    `json:"deletedBy,omitempty"`
}

// FieldChange is one changed field of an update, old → new.
type FieldChange struct {
	Field string `json:"field"`
	Old   any    `json:"old,omitempty"`
	New   any    `json:"new,omitempty"`
}

// Event is one entry of the service's activity log.
type Event struct {
	Seq          int64         `json:"seq"`
	At           time.Time     `json:"at"`
	Actor        string        `json:"actor,omitempty"`
	ActorName    string        `json:"actorName,omitempty"`
	Action       string        `json:"action"`
	ResourceType string        `json:"resourceType,omitempty"`
	ResourceID   string        `json:"resourceId,omitempty"`
	UserName     string        `json:"userName,omitempty"`
	Changes      []FieldChange `json:"changes,omitempty"`
	Detail       string        `json:"detail,omitempty"`
}

// Change is one item of the change feed: exactly one of Host and Group is set.
type Change struct {
	Seq   int64  `json:"seq"`
	Type  string `json:"type"` // "host" or "group"
	Host  *Host  `json:"host,omitempty"`
	Group *Group `json:"group,omitempty"`
}

// ChangePage is one answer of GET /v1/admin/changes.
type ChangePage struct {
	Changes []Change `json:"changes"`
	Cursor  int64    `json:"cursor"`
	More    bool     `json:"more"`
}

// ActivityPage is one answer of GET /v1/admin/activity.
type ActivityPage struct {
	Events []Event `json:"events"`
	Cursor int64   `json:"cursor"`
	More   bool    `json:"more"`
}
