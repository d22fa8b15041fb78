package hostsync

import "time"

// Status is GET /v1/admin/status. Its fields are in the order the service
// has always sent them (alphabetical), and both calls are null when unknown.
type Status struct {
	Cursor             int64      `json:"cursor"` // the latest seq of the change feed and activity log
	Groups             int        `json:"groups"`
	Hosts              HostCounts `json:"hosts"`
	LastRejectedCall   *Call      `json:"lastRejectedCall"`
	LastSuccessfulCall *Call      `json:"lastSuccessfulCall"`
	Service            string     `json:"service"`
	Version            string     `json:"version"`
}

// Call is a SCIM call the service saw last: one a key authenticated (Actor,
// Method, Path) or one refused for its credential (Remote, Reason).
type Call struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor,omitempty"` // Actor.String()
	Method string    `json:"method,omitempty"`
	Path   string    `json:"path,omitempty"`
	Remote string    `json:"remote,omitempty"`
	Reason string    `json:"reason,omitempty"`
}

// Key is an API key's metadata; never its secret.
type Key struct {
	ID       string    `json:"id"`
	Label    string    `json:"label"`
	Prefix   string    `json:"prefix"` // the secret's first characters, to tell keys apart
	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"lastUsed,omitzero"`
	Revoked  time.Time `json:"revoked,omitzero"`
}

// Active reports whether the key still authenticates.
func (k Key) Active() bool { return k.Revoked.IsZero() }

// NewKey is the answer to creating a key: the only time the service hands
// out the plaintext.
type NewKey struct {
	Key    Key    `json:"key"`
	Secret string `json:"secret"`
}
