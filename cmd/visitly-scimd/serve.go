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
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/visitly/hostsync/scimserver"
	"github.com/visitly/hostsync/storage/hostdb"
)

type serveConfig struct {
	listen, db, tlsCert, tlsKey, publicURL, logLevel, logFormat, cpuProfile string
	maxBody                                                                 int64
	hostCache                                                               int
}

func parseServeFlags(args []string, stderr io.Writer) (serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8080", "address to listen on (host:port)")
	fs.StringVar(&c.db, "db", "", "SQLite database file (created if missing)")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "TLS certificate file (PEM); with --tls-key, serve HTTPS")
	fs.StringVar(&c.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	fs.StringVar(&c.publicURL, "public-url", "", "public base URL for meta.location when behind a reverse proxy")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error (debug logs every request)")
	fs.StringVar(&c.logFormat, "log-format", "text", "text or json")
	fs.StringVar(&c.cpuProfile, "cpu-profile", "", "write a CPU profile of the whole run to this file (for performance work)")
	fs.Int64Var(&c.maxBody, "max-body", scimserver.DefaultMaxBodyBytes, "largest accepted request body in bytes")
	fs.IntVar(&c.hostCache, "host-cache", hostdb.DefaultHostCacheLimit,
		"keep up to this many live hosts in memory for reads (about 2 KB each); 0 turns the cache off")
	if err := fs.Parse(args); err != nil {
		return c, usageError("%v", err)
	}
	if c.db == "" {
		return c, usageError("serve needs --db FILE")
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return c, usageError("--tls-cert and --tls-key go together")
	}
	if c.hostCache < 0 {
		return c, usageError("--host-cache must be 0 or more")
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
	st, err := hostdb.Open(ctx, c.db)
	if err != nil {
		return fmt.Errorf("open database %s: %w", c.db, err)
	}
	defer st.Close()
	st.SetHostCacheLimit(c.hostCache)
	st.WarmHostCache()

	srv := scimserver.New(st, scimserver.Options{Logger: log, MaxBodyBytes: c.maxBody, Version: version, PublicURL: c.publicURL})
	defer srv.Close()
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second, // Azure AD gives up after 60 s anyway
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another service using that port?)", c.listen, err)
	}
	scheme := "http"
	if c.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		// Azure AD requires TLS 1.2 or newer.
		hs.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		ln = tls.NewListener(ln, hs.TLSConfig)
		scheme = "https"
	}
	if has, err := st.HasAdminToken(ctx); err == nil && !has {
		log.Warn("no admin credential yet: the console cannot connect until you run `visitly-scimd admin-token --db " + c.db + "`")
	}
	log.Info("serving", "tenant_url", scheme+"://"+ln.Addr().String()+scimserver.SCIMBasePath, "db", c.db, "version", version)

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
