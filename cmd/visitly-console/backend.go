package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/scimserver"
	"github.com/visitly/hostsync/storage"
	"github.com/visitly/hostsync/storage/secrets"
	"github.com/visitly/hostsync/ui"
)

// backend connects the console to a host-sync service: the embedded one (started here on
// loopback, database in the data folder) or a remote visitly-scimd. It implements ui.Connector.
type backend struct {
	dir     string
	keyring ui.SecretStore
	log     *slog.Logger
	version string

	// connMu serialises Connect and Close, which may wait on the network; cfgMu only guards cfg,
	// so the UI goroutine reading Settings never waits behind a slow connection attempt.
	connMu sync.Mutex
	cfgMu  sync.Mutex
	cfg    config
	emb    *embedded      // running embedded service, or nil
	st     *storage.Store // opened once, kept across listen-address changes
}

// embedded is the in-process service.
type embedded struct {
	addr string // as configured
	url  string
	hs   *http.Server
	srv  *scimserver.Server
	done chan struct{}
}

func newBackend(dir string, cfg config, keyring ui.SecretStore, log *slog.Logger, version string) *backend {
	return &backend{dir: dir, cfg: cfg, keyring: keyring, log: log, version: version}
}

func (b *backend) dbPath() string { return filepath.Join(b.dir, "hostsync.db") }

// accounts name the keyring entries of a service. The embedded service is keyed by its database
// file, not its URL, so changing the listen address keeps the keys; remote ones by their URL.
func (b *backend) accounts(remoteURL string) (admin, apiKey string) {
	id := remoteURL
	if remoteURL == "" {
		id = "embedded:" + b.dbPath()
	}
	return secrets.AccountAdminToken + "/" + id, secrets.AccountAPIKey + "/" + id
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
		sess, err = b.connectEmbedded(ctx, s.ListenAddr)
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
	if errors.Is(err, secrets.ErrNotFound) {
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
	return &ui.Session{Service: c, APIKeyAccount: keyAcct}, nil
}

func (b *backend) connectEmbedded(ctx context.Context, addr string) (*ui.Session, error) {
	if b.st == nil {
		st, err := storage.Open(ctx, b.dbPath())
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %w", b.dbPath(), ui.ErrDatabase, err)
		}
		b.st = st
	}
	adminAcct, keyAcct := b.accounts("")
	tok, err := b.adminToken(ctx, adminAcct)
	if err != nil {
		return nil, err
	}
	if b.emb == nil || b.emb.addr != addr {
		b.stopEmbedded()
		if err := b.startEmbedded(addr); err != nil {
			return nil, err
		}
	}
	c, err := scimclient.New(b.emb.url, scimclient.WithAdminToken(tok))
	if err != nil {
		return nil, err
	}
	return &ui.Session{Service: c, Embedded: true, APIKeyAccount: keyAcct}, nil
}

// adminToken returns the embedded service's admin credential from the keyring, creating it on
// first run (or when the database was replaced and no longer knows the stored one).
func (b *backend) adminToken(ctx context.Context, account string) (string, error) {
	tok, err := b.keyring.Get(account)
	switch {
	case err == nil:
		if b.st.AuthenticateAdmin(ctx, tok) == nil {
			return tok, nil
		}
	case !errors.Is(err, secrets.ErrNotFound):
		return "", err // keyring unavailable: never fall back to a file
	}
	tok, err = b.st.RotateAdminToken(ctx, storage.Actor{Kind: "system"})
	if err != nil {
		return "", fmt.Errorf("create the admin credential: %w", err)
	}
	if err := b.keyring.Set(account, tok); err != nil {
		return "", err
	}
	b.log.Info("admin credential created and stored in the OS keyring", "account", account)
	return tok, nil
}

func (b *backend) startEmbedded(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if ui.IsAddressInUse(err) {
			return fmt.Errorf("listen on %s: %w: %w", addr, ui.ErrAddressInUse, err)
		}
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := scimserver.New(b.st, scimserver.Options{Logger: b.log, Version: b.version})
	e := &embedded{
		addr: addr,
		url:  "http://" + ln.Addr().String(),
		srv:  srv,
		hs:   &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute},
		done: make(chan struct{}),
	}
	go func() {
		defer close(e.done)
		if err := e.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			b.log.Error("embedded service stopped", "err", err)
		}
	}()
	b.emb = e
	b.log.Info("embedded service listening", "url", e.url)
	return nil
}

// stopEmbedded shuts the embedded service down gracefully: requests in flight finish.
func (b *backend) stopEmbedded() {
	if b.emb == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.emb.hs.Shutdown(ctx); err != nil {
		b.log.Warn("embedded service shutdown", "err", err)
	}
	<-b.emb.done
	b.emb.srv.Close()
	b.log.Info("embedded service stopped", "url", b.emb.url)
	b.emb = nil
}

// Close stops the embedded service and closes the database (flushing last-used times).
func (b *backend) Close() error {
	b.connMu.Lock()
	defer b.connMu.Unlock()
	b.stopEmbedded()
	if b.st == nil {
		return nil
	}
	err := b.st.Close()
	b.st = nil
	return err
}
