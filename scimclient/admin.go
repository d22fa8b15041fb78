package scimclient

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Console actions the service accepts on POST /v1/admin/activity.
const (
	ActionKeyRevealed       = "apikey.revealed"
	ActionKeyCopied         = "apikey.copied"
	ActionTenantURLCopied   = "tenanturl.copied"
	ActionConnectionTested  = "connection.tested"
	ActionExportCreated     = "export.created"
	ActionKeyCreated        = "apikey.created" // recorded by the service itself
	ActionKeyRevoked        = "apikey.revoked" // recorded by the service itself
	ActionAuthRejected      = "auth.rejected"
	ActionAdminTokenRotated = "admintoken.rotated"
)

// Host states.
const (
	StateActive      = "active"
	StateDeactivated = "deactivated"
	StateDeleted     = "deleted"
	StateAll         = "all"
)

// Status is GET /v1/admin/status.
type Status struct {
	Service            string        `json:"service"`
	Version            string        `json:"version"`
	Hosts              HostCounts    `json:"hosts"`
	Groups             int           `json:"groups"`
	Cursor             int64         `json:"cursor"`
	LastSuccessfulCall *Call         `json:"lastSuccessfulCall,omitempty"`
	LastRejectedCall   *RejectedCall `json:"lastRejectedCall,omitempty"`
}

// HostCounts counts hosts per state.
type HostCounts struct {
	Active      int `json:"active"`
	Deactivated int `json:"deactivated"`
	Deleted     int `json:"deleted"`
}

// Call is the last SCIM call that a key authenticated.
type Call struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
}

// RejectedCall is the last SCIM call refused for its credential.
type RejectedCall struct {
	At     time.Time `json:"at"`
	Remote string    `json:"remote"`
	Reason string    `json:"reason"`
}

// Key is an API key's metadata; never its secret.
type Key struct {
	ID       string    `json:"id"`
	Label    string    `json:"label"`
	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"lastUsed,omitzero"`
	Revoked  time.Time `json:"revoked,omitzero"`
	Prefix   string    `json:"prefix"`
}

// Active reports whether the key still authenticates.
func (k Key) Active() bool { return k.Revoked.IsZero() }

// NewKey is the answer to CreateKey: the only time the service hands out the plaintext.
type NewKey struct {
	Key    Key    `json:"key"`
	Secret string `json:"secret"`
}

// Host is a host in any state, as the admin API shows it.
type Host struct {
	ID            string          `json:"id"`
	Seq           int64           `json:"seq"`
	State         string          `json:"state"`
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
	RemovedHow    string          `json:"removedHow,omitempty"`
	RestoredAt    time.Time       `json:"restoredAt,omitzero"`
	RestoredBy    string          `json:"restoredBy,omitempty"`
	Resource      json.RawMessage `json:"resource,omitempty"`
}

// Group is a group in any state.
type Group struct {
	ID          string    `json:"id"`
	Seq         int64     `json:"seq"`
	DisplayName string    `json:"displayName"`
	ExternalID  string    `json:"externalId,omitempty"`
	Members     []string  `json:"members,omitempty"`
	Created     time.Time `json:"created"`
	Modified    time.Time `json:"modified"`
	DeletedAt   time.Time `json:"deletedAt,omitzero"`
	DeletedBy   string    `json:"deletedBy,omitempty"`
}

// HostPage is one page of GET /v1/admin/hosts.
type HostPage struct {
	TotalResults int    `json:"totalResults"`
	StartIndex   int    `json:"startIndex"`
	Hosts        []Host `json:"hosts"`
}

// HostQuery selects a page of hosts; zero values mean the service's defaults.
type HostQuery struct {
	State      string // StateActive, StateDeactivated, StateDeleted or StateAll
	StartIndex int    // 1-based
	Count      int
}

// Event is one activity log entry.
type Event struct {
	Seq          int64         `json:"seq"`
	At           time.Time     `json:"at"`
	Actor        string        `json:"actor"`
	ActorName    string        `json:"actorName,omitempty"`
	Action       string        `json:"action"`
	ResourceType string        `json:"resourceType,omitempty"`
	ResourceID   string        `json:"resourceId,omitempty"`
	UserName     string        `json:"userName,omitempty"`
	Changes      []FieldChange `json:"changes,omitempty"`
	Detail       string        `json:"detail,omitempty"`
}

// FieldChange is one field's old and new value in an update event.
type FieldChange struct {
	Field string `json:"field"`
	Old   any    `json:"old,omitempty"`
	New   any    `json:"new,omitempty"`
}

// ActivityQuery selects events with seq > Since, oldest first.
type ActivityQuery struct {
	Since      int64
	Limit      int // 0 = the service's default (500); at most 5000
	ResourceID string
	Action     string
}

// ActivityPage is one page of GET /v1/admin/activity.
type ActivityPage struct {
	Events []Event `json:"events"`
	Cursor int64   `json:"cursor"`
	More   bool    `json:"more"`
}

// ConsoleEvent is what the console records about its own actions. Never put a secret in Detail.
type ConsoleEvent struct {
	Action     string `json:"action"`
	ResourceID string `json:"resourceId,omitempty"`
	Detail     string `json:"detail,omitempty"`
}

// Change is one item of the change feed: exactly one of Host and Group is set.
type Change struct {
	Seq   int64  `json:"seq"`
	Type  string `json:"type"` // "host" or "group"
	Host  *Host  `json:"host,omitempty"`
	Group *Group `json:"group,omitempty"`
}

// ChangePage is one page of GET /v1/admin/changes.
type ChangePage struct {
	Changes []Change `json:"changes"`
	Cursor  int64    `json:"cursor"`
	More    bool     `json:"more"`
}

// Status returns the service's health and counters.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	var s Status
	if err := c.do(ctx, request{method: http.MethodGet, admin: true, path: "/status"}, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Keys lists every API key, revoked ones included, oldest first.
func (c *Client) Keys(ctx context.Context) ([]Key, error) {
	var out struct {
		Keys []Key `json:"keys"`
	}
	if err := c.do(ctx, request{method: http.MethodGet, admin: true, path: "/apikeys"}, &out); err != nil {
		return nil, err
	}
	return out.Keys, nil
}

// CreateKey asks the service for a new API key. Older keys stay valid.
func (c *Client) CreateKey(ctx context.Context, label string) (*NewKey, error) {
	var nk NewKey
	r := request{method: http.MethodPost, admin: true, path: "/apikeys", body: map[string]string{"label": label}, want: http.StatusCreated}
	if err := c.do(ctx, r, &nk); err != nil {
		return nil, err
	}
	return &nk, nil
}

// RevokeKey revokes the key with the given id; revoking twice is a no-op.
func (c *Client) RevokeKey(ctx context.Context, id string) (*Key, error) {
	var k Key
	r := request{method: http.MethodPost, admin: true, path: "/apikeys/" + url.PathEscape(id) + "/revoke"}
	if err := c.do(ctx, r, &k); err != nil {
		return nil, err
	}
	return &k, nil
}

// Hosts returns a page of hosts in the requested state.
func (c *Client) Hosts(ctx context.Context, q HostQuery) (*HostPage, error) {
	v := url.Values{}
	if q.State != "" {
		v.Set("state", q.State)
	}
	if q.StartIndex > 0 {
		v.Set("startIndex", strconv.Itoa(q.StartIndex))
	}
	if q.Count > 0 {
		v.Set("count", strconv.Itoa(q.Count))
	}
	var p HostPage
	if err := c.do(ctx, request{method: http.MethodGet, admin: true, path: "/hosts", query: v}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Host returns one host in any state.
func (c *Client) Host(ctx context.Context, id string) (*Host, error) {
	var h Host
	if err := c.do(ctx, request{method: http.MethodGet, admin: true, path: "/hosts/" + url.PathEscape(id)}, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// Restore makes a deactivated or deleted host active again. IsConflict(err) when a live host now
// holds its userName.
func (c *Client) Restore(ctx context.Context, id string) (*Host, error) {
	var h Host
	r := request{method: http.MethodPost, admin: true, path: "/hosts/" + url.PathEscape(id) + "/restore"}
	if err := c.do(ctx, r, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// Activity returns events after q.Since, oldest first.
func (c *Client) Activity(ctx context.Context, q ActivityQuery) (*ActivityPage, error) {
	v := url.Values{}
	v.Set("since", strconv.FormatInt(q.Since, 10))
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.ResourceID != "" {
		v.Set("resourceId", q.ResourceID)
	}
	if q.Action != "" {
		v.Set("action", q.Action)
	}
	var p ActivityPage
	if err := c.do(ctx, request{method: http.MethodGet, admin: true, path: "/activity", query: v}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// RecordActivity writes one of the console's own actions to the activity log.
func (c *Client) RecordActivity(ctx context.Context, e ConsoleEvent) (*Event, error) {
	var ev Event
	r := request{method: http.MethodPost, admin: true, path: "/activity", body: e, want: http.StatusCreated}
	if err := c.do(ctx, r, &ev); err != nil {
		return nil, err
	}
	return &ev, nil
}

// Changes returns hosts and groups changed after since, in seq order. Loop until More is false,
// passing Cursor back as since.
func (c *Client) Changes(ctx context.Context, since int64, limit int) (*ChangePage, error) {
	v := url.Values{}
	v.Set("since", strconv.FormatInt(since, 10))
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	var p ChangePage
	if err := c.do(ctx, request{method: http.MethodGet, admin: true, path: "/changes", query: v}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}
