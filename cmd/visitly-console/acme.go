package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/visitly/hostsync/scimserver/certs"
	"github.com/visitly/hostsync/ui"
)

// acmeSpec is the embedded service's Automatic HTTPS: a domain ("" for none) and an e-mail.
type acmeSpec struct{ domain, email string }

// acmeCA is where certificates come from: Let's Encrypt unless the hidden, test-only environment
// variables name another ACME directory (VISITLY_ACME_DIRECTORY) and the PEM root that signs its
// HTTPS (VISITLY_ACME_CA_ROOT), as visitly-scimd's --acme-directory and --acme-ca-root do.
type acmeCA struct{ directory, rootFile string }

func acmeCAFromEnv() acmeCA {
	return acmeCA{directory: os.Getenv("VISITLY_ACME_DIRECTORY"), rootFile: os.Getenv("VISITLY_ACME_CA_ROOT")}
}

// acmeStartTimeout bounds the wait for a first certificate when Settings are applied: the CA
// answers in seconds, and an unreachable one must not leave "Connecting…" forever.
const acmeStartTimeout = 2 * time.Minute

// acmeManager prepares the certificate manager of the embedded service listening on tlsPort, with
// the account key and certificates in the data folder's acme folder (owner-only; certs makes it so).
func (b *backend) acmeManager(a acmeSpec, tlsPort int) (*certs.Manager, error) {
	opt := certs.Options{Logger: b.log, ACME: certs.ACMEOptions{
		Domain:       a.domain,
		Email:        a.email,
		DirectoryURL: b.acmeCA.directory,
		Dir:          certs.ACMEFolder(b.dbPath()),
		TLSPort:      tlsPort,
		Hint: fmt.Sprintf("check that the DNS name %s points at this computer's public address and that the internet reaches "+
			"this computer on port 443 (ask IT to open or forward it)", a.domain),
	}}
	if b.acmeCA.rootFile != "" {
		roots, err := certs.LoadRoots(b.acmeCA.rootFile)
		if err != nil {
			return nil, fmt.Errorf("%w: VISITLY_ACME_CA_ROOT: %w", ui.ErrAutomaticHTTPS, err)
		}
		opt.ACME.RootCAs = roots
	}
	cm, err := certs.New(opt)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ui.ErrAutomaticHTTPS, err)
	}
	return cm, nil
}

// startACME gets the first certificate (stored, or obtained now while the listener serves the
// CA's TLS-ALPN-01 check). The error says the CA's own reason and what to check, in one line.
func startACME(ctx context.Context, cm *certs.Manager, domain string) error {
	ctx, cancel := context.WithTimeout(ctx, acmeStartTimeout)
	defer cancel()
	err := cm.Start(ctx)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: the certificate authority gave no certificate for %s within %s", ui.ErrAutomaticHTTPS, domain, acmeStartTimeout)
	}
	return fmt.Errorf("%w: %w", ui.ErrAutomaticHTTPS, err)
}

// port is a listener address's port number.
func port(a net.Addr) int {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.Port
	}
	return 0
}
