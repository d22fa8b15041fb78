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
	TLS                *TLSStatus `json:"tls,omitempty"` // nil from a service too old to say
	Version            string     `json:"version"`
}

// TLSStatus is the health of the certificate the service serves.
type TLSStatus struct {
	Mode     string    `json:"mode"`              // TLSModeNone, TLSModeFiles or TLSModeACME
	Domain   string    `json:"domain,omitempty"`  // the DNS name it is for
	NotAfter time.Time `json:"notAfter,omitzero"` // when it expires
	State    string    `json:"state,omitempty"`   // TLSStateOK … TLSStateError; empty in mode none
	Message  string    `json:"message,omitempty"` // what it means and, when not ok, what to do
}

// How the service does TLS, as TLSStatus.Mode reports it.
const (
	TLSModeNone  = "none"  // plain HTTP: TLS, if any, is a reverse proxy's or tunnel's job
	TLSModeFiles = "files" // --tls-cert/--tls-key files an admin renews
	TLSModeACME  = "acme"  // obtained and renewed from an ACME CA
)

// States of the served certificate, as TLSStatus.State reports them, from
// good to bad.
const (
	TLSStateOK      = "ok"
	TLSStateWarning = "warning" // expires within 30 days (or the last third of a shorter lifetime), or the last renewal failed
	TLSStateAlarm   = "alarm"   // expires within 7 days (or the last tenth of a shorter lifetime)
	TLSStateExpired = "expired" // HTTPS clients such as Azure AD refuse it
	TLSStateError   = "error"   // no certificate to serve
)

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
