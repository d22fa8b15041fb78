// Package certs gives the service its TLS certificate, from files an admin
// renews or obtained and renewed from an ACME CA such as Let's Encrypt, and
// watches its health: an expiring or expired certificate is a log line and a
// state in the admin API's status long before Azure AD refuses to connect.
//
// Both visitly-scimd and the console's embedded service build their TLS
// settings here: New takes Options and gives a Manager whose TLSConfig goes
// into the http.Server and whose Status goes into the admin API.
package certs

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/visitly/hostsync"
)

// Options say where the certificate comes from. With neither files nor an
// ACME domain the service speaks plain HTTP (mode "none").
type Options struct {
	// CertFile and KeyFile are PEM files (--tls-cert, --tls-key). A replaced
	// pair is picked up at the next check, without a restart.
	CertFile, KeyFile string
	// ACME, when ACME.Domain is set, obtains and renews the certificate.
	ACME   ACMEOptions
	Logger *slog.Logger
	// CheckInterval is how often the files are checked for a replacement and
	// the certificate's health is assessed again; 0 means one minute.
	CheckInterval time.Duration
}

// ErrOptions reports options that do not go together.
var ErrOptions = errors.New("certs: bad options")

// source is where certificates come from: files or an ACME CA.
type source interface {
	getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error)
	// check is called every CheckInterval (files look for a replacement).
	check()
	status(now time.Time) hostsync.TLSStatus
	holds(der []byte) bool
	close()
}

// Manager serves the certificate and reports its health. Start it before
// serving; Close it after.
type Manager struct {
	mode     string
	log      *slog.Logger
	interval time.Duration
	src      source // nil in mode none
	acme     *acmeSource
	tls      *tls.Config

	stop chan struct{}
	done chan struct{} // closed when watch returns; nil before Start

	mu        sync.Mutex
	lastState string
	lastLog   time.Time
}

// New prepares the certificate source that opt describes. Files are loaded
// now, so a missing or unreadable file is an error here; ACME obtains (or
// loads the stored) certificate in Start, once the TLS listener is up for the
// CA's TLS-ALPN-01 check.
func New(opt Options) (*Manager, error) {
	m := &Manager{mode: hostsync.TLSModeNone, log: opt.Logger, interval: opt.CheckInterval, stop: make(chan struct{})}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.interval <= 0 {
		m.interval = time.Minute
	}
	files := opt.CertFile != "" || opt.KeyFile != ""
	switch {
	case files && opt.ACME.Domain != "":
		return nil, errors.Join(ErrOptions, errors.New("use either certificate files or ACME, not both"))
	case files:
		f, err := newFileSource(opt.CertFile, opt.KeyFile, m.log)
		if err != nil {
			return nil, err
		}
		m.mode, m.src = hostsync.TLSModeFiles, f
		m.tls = &tls.Config{GetCertificate: f.getCertificate}
	case opt.ACME.Domain != "":
		a, err := newACMESource(opt.ACME, m.log)
		if err != nil {
			return nil, err
		}
		m.mode, m.src, m.acme = hostsync.TLSModeACME, a, a
		// acme-tls/1 lets the CA check TLS-ALPN-01 on this very listener;
		// http/1.1 alone keeps the service's HTTP as it was (no h2).
		m.tls = &tls.Config{GetCertificate: a.getCertificate, NextProtos: []string{"http/1.1", acmeTLS1}}
	default:
		return m, nil
	}
	// Azure AD requires TLS 1.2 or newer.
	m.tls.MinVersion = tls.VersionTLS12
	return m, nil
}

// Mode is hostsync.TLSModeNone, hostsync.TLSModeFiles or hostsync.TLSModeACME.
func (m *Manager) Mode() string { return m.mode }

// TLSConfig is the listener's TLS configuration; nil in mode none.
func (m *Manager) TLSConfig() *tls.Config { return m.tls }

// HTTPChallengeHandler answers the CA's HTTP-01 checks on a plain-HTTP
// listener and passes everything else to next.
func (m *Manager) HTTPChallengeHandler(next http.Handler) http.Handler {
	if m.acme == nil {
		return next
	}
	return m.acme.httpChallengeHandler(next)
}

// Start gets the certificate ready and starts the background checks. In
// ACME mode it obtains a certificate when none is stored, which needs the
// TLS listener (or the HTTP-01 one) to be serving already; a failure then is
// an *ObtainError saying what to check. A stored certificate that cannot be
// renewed right now is still served, and renewal goes on in the background.
func (m *Manager) Start(ctx context.Context) error {
	if m.src == nil {
		return nil
	}
	if m.acme != nil {
		if err := m.acme.start(ctx); err != nil {
			return err
		}
	}
	m.assess(true)
	m.done = make(chan struct{})
	go m.watch()
	return nil
}

// Holds reports whether der (a certificate in DER) is one this manager serves now. During an
// ACME renewal the cache briefly holds the old and the new certificate: both count. A client in
// this process (the console's own) pins the connection to it instead of checking the host name,
// since it dials a loopback address the certificate does not name.
func (m *Manager) Holds(der []byte) bool {
	if m.src == nil || len(der) == 0 {
		return false
	}
	return m.src.holds(der)
}

// Status is the served certificate's health now.
func (m *Manager) Status() hostsync.TLSStatus {
	if m.src == nil {
		return hostsync.TLSStatus{Mode: hostsync.TLSModeNone}
	}
	return m.src.status(time.Now())
}

// Close stops the background checks and renewals.
func (m *Manager) Close() {
	if m.src == nil {
		return
	}
	select {
	case <-m.stop:
		return
	default:
	}
	close(m.stop)
	if m.done != nil { // Start ran
		<-m.done
	}
	m.src.close()
}

func (m *Manager) watch() {
	defer close(m.done)
	t := time.NewTicker(m.interval)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			m.src.check()
			m.assess(false)
		}
	}
}

// assess logs the certificate's state when it changes, and a bad state again
// once a day, so that an expiring certificate does not go unnoticed.
func (m *Manager) assess(first bool) {
	st := m.Status()
	m.mu.Lock()
	changed := st.State != m.lastState
	due := st.State != hostsync.TLSStateOK && time.Since(m.lastLog) >= 24*time.Hour
	if !changed && !due {
		m.mu.Unlock()
		return
	}
	m.lastState, m.lastLog = st.State, time.Now()
	m.mu.Unlock()
	level := slog.LevelInfo
	switch st.State {
	case hostsync.TLSStateOK:
		if !first && !changed {
			return
		}
	case hostsync.TLSStateWarning:
		level = slog.LevelWarn
	default:
		level = slog.LevelError
	}
	m.log.Log(context.Background(), level, "TLS certificate "+st.State, "mode", st.Mode, "domain", st.Domain,
		"not_after", st.NotAfter, "message", st.Message)
}

// HostPort is the host[:port] clients reach an ACME domain at: the port is
// left out when it is HTTPS's own 443.
func HostPort(domain string, port int) string {
	if port == 443 {
		return domain
	}
	return net.JoinHostPort(domain, strconv.Itoa(port))
}

// ACMEFolder is where a service whose database is dbFile keeps its ACME
// account key and certificates: a folder "acme" beside the database.
func ACMEFolder(dbFile string) string {
	return filepath.Join(filepath.Dir(dbFile), "acme")
}
