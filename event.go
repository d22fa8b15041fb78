package hostsync

import "time"

// Actions of the activity log (Event.Action).
const (
	ActionHostCreated     = "host.created"
	ActionHostUpdated     = "host.updated"
	ActionHostDeactivated = "host.deactivated" // active=false
	ActionHostReactivated = "host.reactivated" // active=true after active=false
	ActionHostDeleted     = "host.deleted"     // DELETE
	ActionHostRestored    = "host.restored"    // an admin brought a removed host back

	ActionGroupCreated = "group.created"
	ActionGroupUpdated = "group.updated"
	ActionGroupDeleted = "group.deleted"

	ActionKeyCreated        = "apikey.created"
	ActionKeyRevoked        = "apikey.revoked"
	ActionAdminTokenRotated = "admintoken.rotated"
	ActionAuthRejected      = "auth.rejected" // a SCIM call with a bad API key

	// The console records these about itself (ConsoleEvent).
	ActionKeyRevealed      = "apikey.revealed"
	ActionKeyCopied        = "apikey.copied"
	ActionTenantURLCopied  = "tenanturl.copied"
	ActionConnectionTested = "connection.tested"
	ActionExportCreated    = "export.created"
)

// Actions lists every action of the activity log, for checking a filter
// a person typed.
func Actions() []string {
	return []string{ActionHostCreated, ActionHostUpdated, ActionHostDeactivated, ActionHostReactivated,
		ActionHostDeleted, ActionHostRestored, ActionGroupCreated, ActionGroupUpdated, ActionGroupDeleted,
		ActionKeyCreated, ActionKeyRevoked, ActionAdminTokenRotated, ActionAuthRejected,
		ActionKeyRevealed, ActionKeyCopied, ActionTenantURLCopied, ActionConnectionTested, ActionExportCreated}
}

// Resource types of events (Event.ResourceType).
const (
	ResourceUser    = "User"
	ResourceGroup   = "Group"
	ResourceKey     = "Key"
	ResourceAuth    = "Auth"
	ResourceConsole = "Console"
)

// consoleActions are the actions a console may record, with the resource
// type each is recorded under.
var consoleActions = map[string]string{
	ActionKeyRevealed:      ResourceKey,
	ActionKeyCopied:        ResourceKey,
	ActionTenantURLCopied:  ResourceConsole,
	ActionConnectionTested: ResourceConsole,
	ActionExportCreated:    ResourceConsole,
}

// ConsoleAction reports whether a console may record action about itself
// (POST /v1/admin/activity) and the resource type it is recorded under.
func ConsoleAction(action string) (resourceType string, ok bool) {
	rt, ok := consoleActions[action]
	return rt, ok
}

// ConsoleActions lists the actions a console may record, for messages.
func ConsoleActions() []string {
	return []string{ActionKeyRevealed, ActionKeyCopied, ActionTenantURLCopied, ActionConnectionTested, ActionExportCreated}
}

// Event is one entry of the service's activity log.
type Event struct {
	Seq          int64         `json:"seq"`
	At           time.Time     `json:"at"`
	Actor        string        `json:"actor"` // Actor.String()
	ActorName    string        `json:"actorName,omitempty"`
	Action       string        `json:"action"` // one of the Action* names
	ResourceType string        `json:"resourceType,omitempty"`
	ResourceID   string        `json:"resourceId,omitempty"`
	UserName     string        `json:"userName,omitempty"` // the host's userName for host events
	Changes      []FieldChange `json:"changes,omitempty"`
	Detail       string        `json:"detail,omitempty"`
	IdP          IdP           `json:"idp,omitempty"` // the identity provider of the API key that acted; empty for other actors or when not known
}

// FieldChange is one changed field of an update, old → new.
type FieldChange struct {
	Field string `json:"field"`
	Old   any    `json:"old,omitempty"`
	New   any    `json:"new,omitempty"`
}

// ActivityQuery selects a page of GET /v1/admin/activity: events with
// seq > Since, oldest first.
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

// EventFilter selects activity entries for the Activity table and exports,
// newest first.
type EventFilter struct {
	Action     string // exact action, e.g. ActionHostDeleted; empty = all
	ResourceID string // exact host (or group, key) id
	UserName   string // userName prefix, case-insensitive
	// Host holds words typed by the user, matched against the host an entry is about the way
	// HostFilter.Search matches hosts (each word the start of a word of its name, userName,
	// email, department or externalId; case- and accent-insensitive).
	Host     string
	From, To time.Time // At >= From and At < To; zero = unbounded
	SinceSeq int64     // Seq > SinceSeq
	// Offset and Limit page the result (Limit 0 = all). Exports ignore them.
	Offset, Limit int
}

// ConsoleEvent is what the console records about its own actions. Never put
// a secret in Detail.
type ConsoleEvent struct {
	Action     string `json:"action"`
	ResourceID string `json:"resourceId,omitempty"`
	Detail     string `json:"detail,omitempty"`
}

// Change types of the change feed (Change.Type).
const (
	ChangeHost  = "host"
	ChangeGroup = "group"
)

// Change is one item of the change feed: exactly one of Host and Group is set.
type Change struct {
	Seq   int64  `json:"seq"`
	Type  string `json:"type"` // ChangeHost or ChangeGroup
	Host  *Host  `json:"host,omitempty"`
	Group *Group `json:"group,omitempty"`
}

// ChangePage is one page of GET /v1/admin/changes.
type ChangePage struct {
	Changes []Change `json:"changes"`
	Cursor  int64    `json:"cursor"`
	More    bool     `json:"more"`
}
