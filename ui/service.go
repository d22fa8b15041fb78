package ui

import (
	"context"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
)

// StatusSource feeds the health header.
type StatusSource interface {
	Status(ctx context.Context) (*hostsync.Status, error)
}

// KeyManager creates, lists and revokes the service's API keys.
type KeyManager interface {
	Keys(ctx context.Context) ([]hostsync.Key, error)
	CreateKey(ctx context.Context, label string, idp hostsync.IdP) (*hostsync.NewKey, error)
	RevokeKey(ctx context.Context, id string) (*hostsync.Key, error)
}

// ActivityRecorder writes the console's own actions (reveal, copy, test) to the activity log.
type ActivityRecorder interface {
	RecordActivity(ctx context.Context, e hostsync.ConsoleEvent) (*hostsync.Event, error)
}

// Prober makes the SCIM calls Azure AD's Test Connection makes, with one API key.
// *scimclient.Client satisfies it.
type Prober interface {
	ListUsers(ctx context.Context, q scimclient.ListQuery) (*scimclient.ListResponse, error)
	ServiceProviderConfig(ctx context.Context) (*scimclient.ServiceProviderConfig, error)
	ResourceTypes(ctx context.Context) (*scimclient.ListResponse, error)
	Schemas(ctx context.Context) (*scimclient.ListResponse, error)
}

// DirectoryService is what the Hosts, Deleted hosts and Activity screens ask of the service: its
// change feed and activity log for the local mirror, and restores.
type DirectoryService interface {
	hostsync.Feed
	Restore(ctx context.Context, id string) (*hostsync.Host, error)
}

// Service is everything the console's screens need from one host-sync service.
// *scimclient.Client satisfies it.
type Service interface {
	StatusSource
	KeyManager
	ActivityRecorder
	DirectoryService
	URL() string
	TenantURL() string
}

// ProberFunc returns a Prober that calls with apiKey. Test connection tests a key without changing
// the one the rest of the session uses.
type ProberFunc func(apiKey string) Prober

// ClientProber is the ProberFunc of c: copies of c, each with its own key.
func ClientProber(c *scimclient.Client) ProberFunc {
	return func(apiKey string) Prober { return c.WithAPIKey(apiKey).AsConsoleCheck() }
}

// SecretStore is the OS keyring. *keyring.Keyring satisfies it; errors match hostsync.ErrSecretNotFound and
// hostsync.ErrKeyringUnavailable.
type SecretStore interface {
	Get(account string) (string, error)
	Set(account, secret string) error
	Delete(account string) error
}

// Session is the console's connection to one service.
type Session struct {
	Service       Service
	Embedded      bool       // the in-process service on loopback
	APIKeyAccount string     // keyring account holding this service's Azure AD API key (see KeyAccount)
	Probe         ProberFunc // Test connection's calls with a given API key
	Backups       Backups    // the embedded service's backups; nil for a remote service
}

// KeyAccount is the keyring account of this service's API key for idp. Azure AD's is
// APIKeyAccount itself, as before there were several IdPs, so an existing install keeps its key;
// another IdP's adds its name ("…#okta").
func (s *Session) KeyAccount(idp hostsync.IdP) string {
	if idp.Or() == hostsync.IdPAzureAD {
		return s.APIKeyAccount
	}
	return s.APIKeyAccount + "#" + string(idp)
}

// Settings are the console's non-secret connection settings.
type Settings struct {
	Remote     bool   // connect to RemoteURL instead of starting the embedded service
	ListenAddr string // the embedded service's address, e.g. "127.0.0.1:8765"
	RemoteURL  string // e.g. "https://hosts.example.com"
	DataDir    string // informational: where local state lives

	// The embedded service behind a reverse proxy or serving HTTPS itself; all optional.
	PublicURL string // what Azure AD calls, e.g. "https://hosts.example.com"; the Tenant URL is built from it
	TLSCert   string // PEM certificate file; with TLSKey the embedded service serves HTTPS
	TLSKey    string // PEM private key file (its path only: the key itself is never copied)

	// Automatic HTTPS: the embedded service obtains and renews a certificate for ACMEDomain from
	// an ACME CA (Let's Encrypt). Instead of TLSCert/TLSKey; needs a listen address the CA reaches.
	ACMEDomain string // e.g. "hosts.example.com"; "" for none
	ACMEEmail  string // optional: where the CA may write about the certificate
}

// Connector starts or connects to the configured service. main implements it.
type Connector interface {
	Settings() Settings
	// Connect switches to s (starting, restarting or stopping the embedded service as needed) and
	// saves s when it works. A non-empty adminToken is stored in the keyring for a remote service
	// first. Called off the UI goroutine.
	Connect(ctx context.Context, s Settings, adminToken string) (*Session, error)
}
