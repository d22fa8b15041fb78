package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/scimserver"
	"github.com/visitly/hostsync/scimserver/certs"
	"github.com/visitly/hostsync/service"
	"github.com/visitly/hostsync/storage/keyring"
	"github.com/visitly/hostsync/ui"
)

// backend connects the console to a host-sync service: the embedded one (started here on
// loopback, database in the data folder) or a remote visitly-scimd. It implements ui.Connector.
type backend struct {
	dir     string
	keyring ui.SecretStore
	log     *slog.Logger
	version string
	acmeCA  acmeCA // where Automatic HTTPS gets certificates

	// connMu serialises Connect and Close, which may wait on the network; cfgMu only guards cfg,
	// so the UI goroutine reading Settings never waits behind a slow connection attempt.
	connMu sync.Mutex
	cfgMu  sync.Mutex
	cfg    config
	emb    *embedded        // running embedded service, or nil
	svc    *service.Service // the store, opened once, kept across listen-address changes
}

// serveSpec is what the embedded service serves with: the same spec needs no restart.
type serveSpec struct {
	addr   string           // as configured
	public string           // the Public URL, normalised; "" for none
	cert   *tls.Certificate // from the certificate files; nil for none
	// certFile and keyFile are those files' paths: the certificate manager watches them.
	certFile, keyFile string
	acme              acmeSpec // Automatic HTTPS; domain "" for none
}

// embedded is the in-process service.
type embedded struct {
	serveSpec
	leaf   []byte         // DER of cert's leaf
	certs  *certs.Manager // Automatic HTTPS's certificates; nil otherwise
	tenant string         // the base of the Tenant URL: public, else https://<domain>[:port] with ACME
	url    string
	hc     *http.Client // the console's own client of it
	hs     *http.Server
	done   chan struct{}
}

func newBackend(dir string, cfg config, keyring ui.SecretStore, log *slog.Logger, version string) *backend {
	return &backend{dir: dir, cfg: cfg, keyring: keyring, log: log, version: version, acmeCA: acmeCAFromEnv()}
}

// embeddedHostCacheLimit caps the embedded service's in-memory host cache
// at about 100 MB.
const embeddedHostCacheLimit = 50_000

func (b *backend) dbPath() string { return filepath.Join(b.dir, "hostsync.db") }

// accounts name the keyring entries of a service. The embedded service is keyed by its database
// file, not its URL, so changing the listen address keeps the keys; remote ones by their URL.
func (b *backend) accounts(remoteURL string) (admin, apiKey string) {
	id := remoteURL
	if remoteURL == "" {
		id = "embedded:" + b.dbPath()
	}
	return keyring.AccountAdminToken + "/" + id, keyring.AccountAPIKey + "/" + id
}

// Settings implements ui.Connector.
func (b *backend) Settings() ui.Settings {
	b.cfgMu.Lock()
	defer b.cfgMu.Unlock()
	return b.cfg.settings(b.dir)
}

// Connect implements ui.Connector.
func (b *backend) Connect(ctx context.Context, s ui.Settings, adminToken string) (*ui.Session, error) {
	b.connMu.Lock()
	defer b.connMu.Unlock()
	var sess *ui.Session
	var err error
	if s.Remote {
		sess, err = b.connectRemote(ctx, s.RemoteURL, adminToken)
		if err == nil {
			b.stopEmbedded()
		}
	} else {
		sess, err = b.connectEmbeddedWith(ctx, s)
		if err == nil {
			// The window serves Azure AD for as long as it is open: fill
			// the host cache now. (The one-shot subcommands, which connect
			// through connectEmbedded, would only pay for it at Close.)
			b.svc.Warm()
		}
	}
	if err != nil {
		return nil, err
	}
	b.cfgMu.Lock()
	defer b.cfgMu.Unlock()
	if c := configFrom(s); c != b.cfg {
		if err := saveConfig(b.dir, c); err != nil {
			return nil, err
		}
		b.cfg = c
	}
	return sess, nil
}

func (b *backend) connectRemote(ctx context.Context, rawURL, adminToken string) (*ui.Session, error) {
	u, err := scimclient.ParseServiceURL(rawURL)
	if err != nil {
		return nil, err
	}
	adminAcct, keyAcct := b.accounts(u.String())
	if adminToken != "" {
		if err := b.keyring.Set(adminAcct, adminToken); err != nil {
			return nil, err
		}
	}
	tok, err := b.keyring.Get(adminAcct)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, fmt.Errorf("%s: %w", u, ui.ErrNoAdminCredential)
	}
	if err != nil {
		return nil, err
	}
	c, err := scimclient.New(u.String(), scimclient.WithAdminToken(tok))
	if err != nil {
		return nil, err
	}
	if _, err := c.Status(ctx); err != nil {
		return nil, err
	}
	return &ui.Session{Service: c, APIKeyAccount: keyAcct, Probe: ui.ClientProber(c)}, nil
}

// connectEmbedded starts the embedded service on addr over plain HTTP (the subcommands' way).
func (b *backend) connectEmbedded(ctx context.Context, addr string) (*ui.Session, error) {
	return b.connectEmbeddedWith(ctx, ui.Settings{ListenAddr: addr})
}

// connectEmbeddedWith starts the embedded service as s says (address, public URL, TLS), or keeps
// the running one when nothing it serves with changed.
func (b *backend) connectEmbeddedWith(ctx context.Context, s ui.Settings) (*ui.Session, error) {
	// Check the certificate and public URL before anything changes, so a bad file keeps the
	// running service and its settings.
	cert, err := loadTLS(s.TLSCert, s.TLSKey)
	if err != nil {
		return nil, err
	}
	if cert != nil && s.ACMEDomain != "" {
		return nil, fmt.Errorf("%w: use either the certificate files or Automatic HTTPS, not both", ui.ErrTLSCertificate)
	}
	var public string
	if s.PublicURL != "" {
		u, err := scimclient.ParsePublicURL(s.PublicURL)
		if err != nil {
			return nil, fmt.Errorf("public URL: %w", err)
		}
		public = u.String()
	}
	var leaf []byte
	if cert != nil {
		leaf = cert.Certificate[0]
	}
	spec := serveSpec{addr: s.ListenAddr, public: public, cert: cert, certFile: s.TLSCert, keyFile: s.TLSKey,
		acme: acmeSpec{domain: s.ACMEDomain, email: s.ACMEEmail}}
	if b.svc == nil {
		// A desktop app: cap the host cache at ~100 MB. Azure AD sends
		// about 25 requests a second, which SQLite alone serves with ease.
		svc, err := service.Open(ctx, b.dbPath(), service.Options{HostCacheLimit: embeddedHostCacheLimit})
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %w", b.dbPath(), ui.ErrDatabase, err)
		}
		b.svc = svc
	}
	adminAcct, keyAcct := b.accounts("")
	tok, err := b.adminToken(ctx, adminAcct)
	if err != nil {
		return nil, err
	}
	// A renewed certificate at the same path counts as a change: compare what is served.
	if b.emb == nil || b.emb.addr != s.ListenAddr || b.emb.public != public || !bytes.Equal(b.emb.leaf, leaf) || b.emb.acme != spec.acme {
		if err := b.replaceEmbedded(ctx, spec); err != nil {
			return nil, err
		}
	}
	// The console's own client talks to the local address; the public URL (or the ACME domain)
	// only changes the Tenant URL it shows.
	c, err := scimclient.New(b.emb.url, scimclient.WithAdminToken(tok),
		scimclient.WithHTTPClient(b.emb.hc), scimclient.WithPublicURL(b.emb.tenant))
	if err != nil {
		return nil, err
	}
	return &ui.Session{Service: c, Embedded: true, APIKeyAccount: keyAcct, Probe: ui.ClientProber(c), Backups: b}, nil
}

// replaceEmbedded switches the embedded service to new settings so that a failure leaves the
// running one serving: on another address the new listener starts before the old one stops; on
// the same address the old one stops first and, if the new one cannot start, starts again.
func (b *backend) replaceEmbedded(ctx context.Context, spec serveSpec) error {
	old := b.emb
	if old == nil || !sameAddress(old.addr, spec.addr) {
		e, err := b.startEmbedded(ctx, spec)
		if err != nil {
			return err
		}
		b.stopEmbedded()
		b.emb = e
		return nil
	}
	b.stopEmbedded()
	e, err := b.startEmbedded(ctx, spec)
	if err != nil {
		// An ACME service restarts with its stored certificate: no new request to the CA.
		if back, err2 := b.startEmbedded(context.WithoutCancel(ctx), old.serveSpec); err2 == nil {
			b.emb = back
		} else {
			b.log.Error("restart the embedded service with its previous settings", "err", err2)
		}
		return err
	}
	b.emb = e
	return nil
}

// sameAddress reports whether two listen addresses would bind the same port, so that the new
// listener cannot start while the old one holds it.
func sameAddress(a, b string) bool {
	_, pa, errA := net.SplitHostPort(a)
	_, pb, errB := net.SplitHostPort(b)
	return errA != nil || errB != nil || pa == pb
}

// adminToken returns the embedded service's admin credential from the keyring, creating it on
// first run (or when the database was replaced and no longer knows the stored one).
func (b *backend) adminToken(ctx context.Context, account string) (string, error) {
	tok, err := b.keyring.Get(account)
	switch {
	case err == nil:
		if b.svc.Store().AuthenticateAdmin(ctx, tok) == nil {
			return tok, nil
		}
	case !errors.Is(err, keyring.ErrNotFound):
		return "", err // keyring unavailable: never fall back to a file
	}
	tok, err = b.svc.Store().RotateAdminToken(ctx, hostsync.Actor{Kind: hostsync.ActorSystem})
	if err != nil {
		return "", fmt.Errorf("create the admin credential: %w", err)
	}
	if err := b.keyring.Set(account, tok); err != nil {
		return "", err
	}
	b.log.Info("admin credential created and stored in the OS keyring", "account", account)
	return tok, nil
}

// startEmbedded starts a service as spec says and returns it; b.emb is the caller's to set. With
// Automatic HTTPS it returns once the certificate is ready (stored, or obtained from the CA).
func (b *backend) startEmbedded(ctx context.Context, spec serveSpec) (*embedded, error) {
	ln, err := scimserver.Listen(spec.addr, scimserver.ConnLimits{}) // the defaults
	if err != nil {
		if scimserver.IsAddressInUse(err) {
			return nil, &ui.AddressInUseError{Addr: spec.addr, Err: err}
		}
		return nil, fmt.Errorf("listen on %s: %w", spec.addr, err)
	}
	e := &embedded{serveSpec: spec, tenant: spec.public, url: "http://" + ownAddress(ln.Addr()), done: make(chan struct{})}
	opt := scimserver.Options{Logger: b.log, Version: b.version}
	var tlsConf *tls.Config
	switch {
	case spec.cert != nil:
		// Through the certificate manager, as visitly-scimd does: the certificate's health is in
		// /status and so in the header (expiring, expired), and renewed files are picked up
		// without a restart.
		if e.certs, err = certs.New(certs.Options{CertFile: spec.certFile, KeyFile: spec.keyFile, Logger: b.log}); err != nil {
			ln.Close()
			return nil, fmt.Errorf("%w: %w", ui.ErrTLSCertificate, err)
		}
		tlsConf, opt.TLSStatus = e.certs.TLSConfig(), e.certs.Status
		e.leaf = spec.cert.Certificate[0]
	case spec.acme.domain != "":
		if e.certs, err = b.acmeManager(spec.acme, port(ln.Addr())); err != nil {
			ln.Close()
			return nil, err
		}
		tlsConf, opt.TLSStatus = e.certs.TLSConfig(), e.certs.Status
		if e.tenant == "" {
			e.tenant = "https://" + certs.HostPort(spec.acme.domain, port(ln.Addr()))
		}
	}
	opt.PublicURL = e.tenant
	e.hs = scimserver.NewHTTPServer(b.svc.Handler(opt), tlsConf, b.log)
	if tlsConf != nil {
		e.url = "https://" + ownAddress(ln.Addr())
	}
	e.hc = e.httpClient()
	go func() {
		defer close(e.done)
		var err error
		switch {
		case e.certs != nil:
			// As visitly-scimd serves: the ALPN list stays the manager's (http/1.1 and
			// acme-tls/1, which the CA's TLS-ALPN-01 check uses on this very listener).
			err = e.hs.Serve(tls.NewListener(ln, e.hs.TLSConfig))
		default:
			err = e.hs.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			b.log.Error("embedded service stopped", "err", err)
		}
	}()
	if e.certs != nil {
		start := e.certs.Start
		if spec.acme.domain != "" {
			start = func(ctx context.Context) error { return startACME(ctx, e.certs, spec.acme.domain) }
		}
		if err := start(ctx); err != nil {
			// Nothing half-started stays behind: the caller keeps (or restores) the previous service.
			e.hs.Close()
			<-e.done
			e.certs.Close()
			return nil, err
		}
	}
	b.log.Info("embedded service listening", "addr", ln.Addr().String(), "url", e.url, "publicURL", e.tenant)
	return e, nil
}

// ownAddress is the address the console itself dials: loopback when the service listens on every
// interface (0.0.0.0 or [::] cannot be dialled on every OS).
func ownAddress(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok && t.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(t.Port))
	}
	return a.String()
}

// loadTLS loads the embedded service's certificate and key; nil, nil when neither is set.
func loadTLS(certFile, keyFile string) (*tls.Certificate, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	if certFile == "" || keyFile == "" {
		return nil, fmt.Errorf("%w: set both the certificate and the key file, or neither", ui.ErrTLSCertificate)
	}
	// The error names the files and the problem (missing, not PEM, key does not match); never
	// the key's content.
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load %s and %s: %w: %w", certFile, keyFile, ui.ErrTLSCertificate, err)
	}
	return &cert, nil
}

// errNotPinned: whatever answered on the embedded service's address is not that service.
var errNotPinned = errors.New("the service presented a certificate other than the one the embedded service serves")

// httpClient is the HTTP client the console's own scimclient reaches the embedded service with.
func (e *embedded) httpClient() *http.Client {
	hc := scimclient.NewHTTPClient()
	if tr, ok := hc.Transport.(*http.Transport); ok {
		tr.Proxy = nil // the service runs in this process: never through a proxy
		if e.certs != nil {
			// Pinned to what the certificate manager serves now (the old and the renewed one
			// while a renewal or a replaced file swaps them), rather than a chain check with
			// ServerName=domain: the pin needs no trust store (a test CA, a machine with
			// outdated roots) and accepts only a peer that holds this service's private key.
			tr.TLSClientConfig = pinnedTLS(e.certs.Holds)
			tr.TLSClientConfig.ServerName = e.acme.domain // sent as SNI, so the domain's certificate is served ("" with files)
		}
	}
	return hc
}

// pinnedTLS trusts exactly the certificates the embedded service serves (served reports one). The
// console dials a loopback address the certificate does not name (it names the public host), and
// the certificate may be self-signed or from an internal CA, so the usual chain and host-name
// check would fail. Pinning the leaf is stricter than that check: InsecureSkipVerify turns the
// usual check off only so that VerifyConnection, which runs on every handshake (resumed ones
// too), accepts these certificates and no other.
func pinnedTLS(served func(der []byte) bool) *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // replaced by the pin below, never on its own
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 || !served(cs.PeerCertificates[0].Raw) {
				return errNotPinned
			}
			return nil
		},
	}
}

// stopEmbedded shuts the embedded service down gracefully: requests in flight finish.
func (b *backend) stopEmbedded() {
	if b.emb == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// The console's own idle connections would otherwise hold Shutdown up (an HTTP/2 one for a
	// second or more after its GOAWAY).
	b.emb.hc.CloseIdleConnections()
	if err := b.emb.hs.Shutdown(ctx); err != nil {
		b.log.Warn("embedded service shutdown", "err", err)
	}
	<-b.emb.done
	if b.emb.certs != nil {
		b.emb.certs.Close()
	}
	b.log.Info("embedded service stopped", "url", b.emb.url)
	b.emb = nil
}

// Close stops the embedded service and closes the database (flushing last-used times).
func (b *backend) Close() error {
	b.connMu.Lock()
	defer b.connMu.Unlock()
	b.stopEmbedded()
	if b.svc == nil {
		return nil
	}
	err := b.svc.Close()
	b.svc = nil
	return err
}
