package hostsync

import "time"

// Status is GET /v1/admin/status. Its fields are in the order the service
// has always sent them (alphabetical), and both calls are null when unknown.
type Status struct {
	Cursor             int64      `json:"cursor"` // the latest seq of the change feed and activity log
	Groups             int        `json:"groups"`
	Hosts              HostCounts `json:"hosts"`
	LastRejectedCall   *Call      `json:"lastRejectedCall"`   // the last SCIM call refused for its credential (never the console's own admin calls)
	LastSuccessfulCall *Call      `json:"lastSuccessfulCall"` // the last SCIM call any key made
	// IdPs is each identity provider's last calls, for every IdP that has or
	// had a key. It is read from the service's database, so it survives
	// restarts. An empty list ([], kept by omitzero) when no IdP has a key
	// yet; absent (nil) from a service too old to say.
	IdPs []IdPStatus `json:"idps,omitzero"`
	// LastRejectedAdminCall is the last admin API call refused for its
	// credential: the console's own (or a script's) wrong admin token, told
	// apart from an IdP's wrong key.
	LastRejectedAdminCall *Call      `json:"lastRejectedAdminCall,omitempty"`
	Service               string     `json:"service"`
	TLS                   *TLSStatus `json:"tls,omitempty"` // nil from a service too old to say
	Version               string     `json:"version"`
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

// ConsoleCheckHeader marks a SCIM call as the console's own Test
// connection made with an IdP's key: the service answers it as usual but
// does not count it as that IdP's call (the key's last use, the header's
// "Azure AD called …", the first-run checklist), which would otherwise
// report that the IdP is connected when only the console called. Only a
// read (GET, HEAD) is answered so: a write with it counts as the key's use.
const ConsoleCheckHeader = "X-Visitly-Console-Check"

// IdPStatus is one identity provider's last calls.
type IdPStatus struct {
	IdP                IdP   `json:"idp"`
	Keys               int   `json:"keys"` // its active keys
	LastSuccessfulCall *Call `json:"lastSuccessfulCall"`
	// LastChange is its last call that changed a host or group, which the
	// header puts in words ("Azure AD updated Ann Lee 2 minutes ago").
	LastChange *Call `json:"lastChange"`
}

// Call is a SCIM call the service saw last: one a key authenticated (Actor,
// Method, Path) or one refused for its credential (Remote, Reason).
type Call struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor,omitempty"` // Actor.String()
	IdP    IdP       `json:"idp,omitempty"`   // the key's IdP, when a key made it
	Method string    `json:"method,omitempty"`
	Path   string    `json:"path,omitempty"`
	Remote string    `json:"remote,omitempty"`
	Reason string    `json:"reason,omitempty"`
	// Action and Target say what the call did, when it changed something:
	// one of the Action* constants and the host's or group's display name
	// (or userName).
	Action string `json:"action,omitempty"`
	Target string `json:"target,omitempty"`
}

// Key is an API key's metadata; never its secret.
type Key struct {
	ID       string    `json:"id"`
	Label    string    `json:"label"`
	Prefix   string    `json:"prefix"`        // the secret's first characters, to tell keys apart
	IdP      IdP       `json:"idp,omitempty"` // the identity provider it was made for; empty for keys older than IdPs (Azure AD)
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
