package certs

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/mholt/acmez/v3/acme"
	"github.com/visitly/hostsync"
)

// acmeTLS1 is the ALPN protocol of the TLS-ALPN-01 challenge (RFC 8737).
const acmeTLS1 = "acme-tls/1"

// LetsEncrypt is the default ACME directory.
const LetsEncrypt = certmagic.LetsEncryptProductionCA

// ACMEOptions configure obtaining and renewing a certificate from an ACME CA.
type ACMEOptions struct {
	// Domain is the DNS name the certificate is for (--acme-domain); it must
	// resolve to this server, and the CA must reach TLSPort (and HTTPPort).
	Domain string
	// Email is given to the CA for expiry notices (optional).
	Email string
	// DirectoryURL is the CA's ACME directory; empty means Let's Encrypt.
	DirectoryURL string
	// RootCAs, when set, are the only roots trusted for the directory's own
	// HTTPS (a test CA's); nil means the system's.
	RootCAs *x509.CertPool
	// Dir keeps the account key and certificates, owner-only (0700/0600).
	Dir string
	// TLSPort is the TLS listener's port: the CA checks TLS-ALPN-01 there.
	TLSPort int
	// HTTPPort, when not 0, is a plain-HTTP listener's port that serves
	// HTTPChallengeHandler: the CA may then check HTTP-01 there too.
	HTTPPort int
	// Profile asks the CA for a certificate profile (Let's Encrypt has
	// "classic", "tlsserver", "shortlived"); empty means the CA's default.
	Profile string
	// Hint is what to check when the CA does not issue, in the words of
	// the program's own settings; empty means visitly-scimd's (its flags).
	Hint string
	// RenewCheckInterval is how often renewal is considered; 0 means ten
	// minutes. Tests with certificates that live seconds set it shorter.
	RenewCheckInterval time.Duration
}

// ObtainError is a certificate that could not be obtained at start, with
// what to check.
type ObtainError struct {
	Domain string
	Err    error
	Hint   string // what to check (ACMEOptions.Hint)
}

func (e *ObtainError) Error() string {
	return fmt.Sprintf("could not get a certificate for %s from the ACME CA: %s; %s", e.Domain, describeACMEError(e.Err), e.Hint)
}

func (e *ObtainError) Unwrap() error { return e.Err }

// acmeHint is what an admin of visitly-scimd checks when the CA does not issue.
func acmeHint(domain string) string {
	return fmt.Sprintf("check that the DNS name %s points at this server's public address, that port 443 (and 80 with --acme-http-listen) is open to the internet, and that --acme-directory is right", domain)
}

// describeACMEError gives the CA's own words when the error has them: they
// name the cause ("DNS problem: NXDOMAIN looking up A for ...").
func describeACMEError(err error) string {
	var p acme.Problem
	if errors.As(err, &p) && p.Detail != "" {
		s := "the CA said: " + p.Detail
		for _, sp := range p.Subproblems {
			s += "; " + sp.Detail
		}
		return s
	}
	return err.Error()
}

// acmeSource obtains and renews through certmagic (see the package's commit
// for why certmagic rather than autocert). certmagic renews in the
// background and, when a renewal fails, keeps serving the certificate it has.
type acmeSource struct {
	domain string
	hint   string // ACMEOptions.Hint or acmeHint
	log    *slog.Logger
	cache  *certmagic.Cache
	magic  *certmagic.Config
	issuer *certmagic.ACMEIssuer

	ctx    context.Context // of the background work; cancel ends it
	cancel context.CancelFunc

	outcome chan error // the first obtain's, for start

	mu      sync.Mutex
	started bool  // after start, failures are logged as they happen
	lastErr error // of the last failed obtain or renewal; nil after a success
}

func newACMESource(opt ACMEOptions, log *slog.Logger) (*acmeSource, error) {
	if opt.Dir == "" {
		return nil, errors.Join(ErrOptions, errors.New("ACME needs a folder for its account and certificates"))
	}
	if opt.TLSPort == 0 {
		return nil, errors.Join(ErrOptions, errors.New("ACME needs the TLS listener's port"))
	}
	// Owner-only: the folder holds the account key and the certificate's
	// private key. certmagic writes files 0600 and folders 0700 itself; an
	// existing folder is tightened too.
	if err := os.MkdirAll(opt.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("ACME folder: %w", err)
	}
	if err := os.Chmod(opt.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("ACME folder: %w", err)
	}
	a := &acmeSource{domain: opt.Domain, hint: opt.Hint, log: log, outcome: make(chan error, 1)}
	if a.hint == "" {
		a.hint = acmeHint(opt.Domain)
	}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	zl := newZapLogger(log.With("component", "acme"))
	a.cache = certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert:   func(certmagic.Certificate) (*certmagic.Config, error) { return a.magic, nil },
		RenewCheckInterval: opt.RenewCheckInterval,
		Logger:             zl,
	})
	a.magic = certmagic.New(a.cache, certmagic.Config{
		Storage:           &certmagic.FileStorage{Path: opt.Dir},
		DefaultServerName: opt.Domain, // clients that connect by IP address get it too
		OnEvent:           a.onEvent,
		// Let's Encrypt no longer runs OCSP; nothing to staple.
		OCSP:   certmagic.OCSPConfig{DisableStapling: true},
		Logger: zl,
	})
	dir := opt.DirectoryURL
	if dir == "" {
		dir = LetsEncrypt
	}
	a.issuer = certmagic.NewACMEIssuer(a.magic, certmagic.ACMEIssuer{
		CA:     dir,
		Email:  opt.Email,
		Agreed: true, // asking for ACME with --acme-domain is agreeing to the CA's terms (README)
		// The solvers find the ports taken by our own listeners and leave
		// the answering to them: TLS-ALPN-01 in getCertificate, HTTP-01 in
		// httpChallengeHandler.
		AltTLSALPNPort:       opt.TLSPort,
		AltHTTPPort:          opt.HTTPPort,
		DisableHTTPChallenge: opt.HTTPPort == 0,
		TrustedRoots:         opt.RootCAs,
		Profile:              opt.Profile,
		Logger:               zl,
	})
	a.magic.Issuers = []certmagic.Issuer{a.issuer}
	return a, nil
}

func (a *acmeSource) getCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	return a.magic.GetCertificate(hello)
}

func (a *acmeSource) httpChallengeHandler(next http.Handler) http.Handler {
	return a.issuer.HTTPChallengeHandler(next)
}

// start loads the stored certificate or obtains one, and waits for the
// first attempt's outcome: the service should not claim to serve HTTPS it
// cannot. A stored, still valid certificate is served at once, whatever its
// renewal's fate. (certmagic's synchronous ManageSync would ask for an email
// address on the terminal when none is given; the background path never asks.)
func (a *acmeSource) start(ctx context.Context) error {
	if err := a.magic.ManageAsync(a.ctx, []string{a.domain}); err != nil {
		return &ObtainError{Domain: a.domain, Err: err, Hint: a.hint}
	}
	// Wait for a certificate in the cache (loaded from storage, which
	// certmagic may do in the background too, or obtained) or a failure.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for a.leaf() == nil {
		select {
		case err := <-a.outcome:
			if err != nil {
				return &ObtainError{Domain: a.domain, Err: err, Hint: a.hint}
			}
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	a.setStarted()
	return nil
}

func (a *acmeSource) setStarted() {
	a.mu.Lock()
	a.started = true
	a.mu.Unlock()
}

func (a *acmeSource) setErr(err error) {
	a.mu.Lock()
	a.lastErr = err
	a.mu.Unlock()
}

// onEvent turns certmagic's events into the log lines and state an admin
// reads; certmagic's own logs go to debug.
func (a *acmeSource) onEvent(_ context.Context, event string, data map[string]any) error {
	renewal, _ := data["renewal"].(bool)
	switch event {
	case "cert_obtaining":
		a.log.Info("requesting a TLS certificate from the ACME CA", "domain", a.domain)
	case "cert_obtained":
		a.setErr(nil)
		a.report(nil)
		what := "TLS certificate obtained"
		if renewal {
			what = "TLS certificate renewed"
		}
		a.log.Info(what, "domain", a.domain)
	case "cert_failed":
		err, _ := data["error"].(error)
		if err == nil {
			err = errors.New("unknown error")
		}
		a.setErr(err)
		a.report(err)
		a.mu.Lock()
		started := a.started
		a.mu.Unlock()
		if started { // before, start reports it
			a.log.Error("TLS certificate renewal failed; still serving the current certificate and trying again later",
				"domain", a.domain, "renewal", renewal, "err", describeACMEError(err), "hint", a.hint)
		}
	}
	return nil
}

// report hands the first outcome to start, which may no longer wait.
func (a *acmeSource) report(err error) {
	select {
	case a.outcome <- err:
	default:
	}
}

// leaf is the certificate being served for the domain (the latest-expiring
// one, should the cache briefly hold two), or nil.
func (a *acmeSource) leaf() *x509.Certificate {
	var best *x509.Certificate
	for _, c := range a.cache.AllMatchingCertificates(a.domain) {
		if c.Leaf != nil && (best == nil || c.Leaf.NotAfter.After(best.NotAfter)) {
			best = c.Leaf
		}
	}
	return best
}

func (a *acmeSource) holds(der []byte) bool {
	for _, c := range a.cache.AllMatchingCertificates(a.domain) {
		if c.Leaf != nil && bytes.Equal(c.Leaf.Raw, der) {
			return true
		}
	}
	return false
}

func (a *acmeSource) check() {} // certmagic's own maintenance renews

func (a *acmeSource) status(now time.Time) hostsync.TLSStatus {
	leaf := a.leaf()
	a.mu.Lock()
	lastErr := a.lastErr
	a.mu.Unlock()
	st := hostsync.TLSStatus{Mode: hostsync.TLSModeACME, Domain: a.domain}
	if leaf == nil {
		st.State, st.Message = hostsync.TLSStateError, "no certificate yet"
		if lastErr != nil {
			st.Message = (&ObtainError{Domain: a.domain, Err: lastErr, Hint: a.hint}).Error()
		}
		return st
	}
	st.NotAfter = leaf.NotAfter
	st.State, st.Message = assess(leaf, now, "it should have been renewed automatically: read the service's log for why not; "+a.hint)
	if st.State == hostsync.TLSStateOK {
		st.Message += "; renewed automatically"
	}
	if lastErr != nil {
		st.Message = fmt.Sprintf("the last renewal failed (%s); still serving the certificate valid until %s; %s",
			describeACMEError(lastErr), leaf.NotAfter.UTC().Format(time.RFC3339), a.hint)
		if rank(st.State) < rank(hostsync.TLSStateWarning) {
			st.State = hostsync.TLSStateWarning
		}
	}
	return st
}

func (a *acmeSource) close() {
	a.cancel()
	a.cache.Stop()
}

// LoadRoots reads PEM certificates (--acme-ca-root) into a pool.
func LoadRoots(file string) (*x509.CertPool, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("CA root: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("CA root %s: no PEM certificate in it", file)
	}
	return pool, nil
}
