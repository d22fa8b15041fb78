package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/visitly/hostsync/scimserver"
	"github.com/visitly/hostsync/scimserver/certs"
	"github.com/visitly/hostsync/service"
)

type serveConfig struct {
	listen, db, tlsCert, tlsKey, publicURL, logLevel, logFormat, cpuProfile string
	maxBody                                                                 int64
	hostCache, maxConns, maxConnsPerAddr                                    int
	acme                                                                    acmeConfig
}

func parseServeFlags(args []string, stderr io.Writer) (serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8080", "address to listen on (host:port)")
	dbFlag(fs, &c.db)
	fs.StringVar(&c.tlsCert, "tls-cert", "", "TLS certificate file (PEM); with --tls-key, serve HTTPS")
	fs.StringVar(&c.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	fs.StringVar(&c.publicURL, "public-url", "", "public base URL for meta.location when behind a reverse proxy")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error (debug logs every request)")
	fs.StringVar(&c.logFormat, "log-format", "text", "text or json")
	fs.StringVar(&c.cpuProfile, "cpu-profile", "", "write a CPU profile of the whole run to this file (for performance work)")
	fs.Int64Var(&c.maxBody, "max-body", scimserver.DefaultMaxBodyBytes, "largest accepted request body in bytes")
	fs.IntVar(&c.hostCache, "host-cache", service.DefaultHostCacheLimit,
		"SQLite: keep up to this many live hosts in memory for reads (about 2 KB each); 0 turns the cache off")
	fs.IntVar(&c.maxConns, "max-connections", scimserver.DefaultMaxConnections,
		"keep at most this many connections open; at the cap, idle ones are closed for new clients")
	fs.IntVar(&c.maxConnsPerAddr, "max-connections-per-address", scimserver.DefaultMaxConnectionsPerAddress,
		"of those, at most this many from one client address (behind a reverse proxy, all come from the proxy's)")
	c.acme.flags(fs)
	if err := fs.Parse(args); err != nil {
		return c, usageError("%v", err)
	}
	listenSet := false
	fs.Visit(func(f *flag.Flag) { listenSet = listenSet || f.Name == "listen" })
	if c.acme.domain != "" && !listenSet {
		c.listen = ":443" // where the CA and Azure AD come
	}
	if c.db == "" {
		return c, usageError("serve needs --db FILE or a postgres:// URL (or $VISITLY_DB)")
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return c, usageError("--tls-cert and --tls-key go together")
	}
	if c.hostCache < 0 {
		return c, usageError("--host-cache must be 0 or more")
	}
	if c.maxConns < 1 || c.maxConnsPerAddr < 1 {
		return c, usageError("--max-connections and --max-connections-per-address must be 1 or more")
	}
	if err := c.acme.check(c.tlsCert); err != nil {
		return c, err
	}
	return c, nil
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageError("bad --log-level %q", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	if strings.EqualFold(format, "json") {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

func runServe(args []string, stderr io.Writer) error {
	c, err := parseServeFlags(args, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, c, stderr)
}

// serve runs the service until ctx is cancelled, then shuts down gracefully:
// in-flight requests finish, and the store flushes before the file is closed.
func serve(ctx context.Context, c serveConfig, logOut io.Writer) error {
	log, err := newLogger(logOut, c.logLevel, c.logFormat)
	if err != nil {
		return err
	}
	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	svc, err := service.Open(ctx, c.db, service.Options{HostCacheLimit: c.hostCache})
	if err != nil {
		return err
	}
	defer svc.Close()
	if !service.IsPostgres(c.db) {
		if err := checkDataFolder(filepath.Dir(c.db)); err != nil {
			log.Warn("others can read the database, the TLS and ACME keys, or plant files SQLite replays", "err", err)
		}
	}
	svc.Warm()

	ln, err := listen(c.listen)
	if err != nil {
		return err
	}
	limits := scimserver.ConnLimits{Max: c.maxConns, PerAddress: c.maxConnsPerAddr}
	ln = scimserver.LimitListener(ln, limits)
	var hln net.Listener // plain HTTP for ACME's HTTP-01
	if c.acme.httpListen != "" {
		if hln, err = listen(c.acme.httpListen); err != nil {
			ln.Close()
			return err
		}
		hln = scimserver.LimitListener(hln, limits) // open to the internet as much as the main one
		defer hln.Close()
	}
	httpPort := 0
	if hln != nil {
		httpPort = port(hln)
	}
	opt, err := certOptions(c, port(ln), httpPort, log)
	if err != nil {
		ln.Close()
		return err
	}
	cm, err := certs.New(opt)
	if err != nil {
		ln.Close()
		return err
	}
	defer cm.Close()

	srv := svc.Handler(scimserver.Options{Logger: log, MaxBodyBytes: c.maxBody, Version: version, PublicURL: c.publicURL,
		TLSStatus: cm.Status})
	hs := scimserver.NewHTTPServer(srv, cm.TLSConfig(), log)
	scheme := "http"
	if hs.TLSConfig != nil {
		ln = tls.NewListener(ln, hs.TLSConfig)
		scheme = "https"
	}
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(ln) }()
	var hh *http.Server
	if hln != nil {
		hh = scimserver.NewHTTPServer(cm.HTTPChallengeHandler(redirectToHTTPS(c.acme.domain, port(ln))), nil, log)
		go func() { errc <- hh.Serve(hln) }()
	}
	// ACME: the listeners must be up for the CA's checks.
	if err := cm.Start(ctx); err != nil {
		hs.Close()
		if hh != nil {
			hh.Close()
		}
		return err
	}
	if has, err := svc.Store().HasAdminToken(ctx); err == nil && !has {
		log.Warn("no admin credential yet: the console cannot connect until you run `visitly-scimd admin-token --db " + service.Redacted(c.db) + "`")
	}
	log.Info("serving", "tenant_url", scheme+"://"+tenantHost(c, ln)+scimserver.SCIMBasePath, "db", service.Redacted(c.db), "version", version)

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if hh != nil {
		hh.Shutdown(shutCtx)
	}
	if err := hs.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// listen opens addr, saying what to do when it cannot.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	switch {
	case errors.Is(err, os.ErrPermission):
		return nil, fmt.Errorf("listen on %s: %w (ports below 1024 need root, or CAP_NET_BIND_SERVICE on Linux)", addr, err)
	case err != nil:
		return nil, fmt.Errorf("listen on %s: %w (is another service using that port?)", addr, err)
	}
	return ln, nil
}

// tenantHost is the host[:port] of the Tenant URL to tell the admin: the
// ACME domain when there is one, else the listener's address.
func tenantHost(c serveConfig, ln net.Listener) string {
	if c.acme.domain == "" {
		return ln.Addr().String()
	}
	return certs.HostPort(c.acme.domain, port(ln))
}
