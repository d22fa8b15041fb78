package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"

	"github.com/visitly/hostsync/scimserver/certs"
)

// acmeConfig is serve's automatic-HTTPS flags.
type acmeConfig struct {
	domain, email, directory, caRoot, httpListen string
}

func (a *acmeConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&a.domain, "acme-domain", "", "obtain and renew the HTTPS certificate for this DNS name from an ACME CA (Let's Encrypt by default); it must point at this server, and port 443 must be open to the CA")
	fs.StringVar(&a.email, "acme-email", "", "with --acme-domain: email address the CA may write to about the certificate (optional)")
	fs.StringVar(&a.directory, "acme-directory", "", "with --acme-domain: the ACME directory URL of another CA (default Let's Encrypt)")
	fs.StringVar(&a.caRoot, "acme-ca-root", "", "with --acme-domain: PEM file of the CA certificate that signs the ACME directory's own HTTPS (a test CA)")
	fs.StringVar(&a.httpListen, "acme-http-listen", "", "with --acme-domain: also listen for plain HTTP here (e.g. :80) to answer the CA's HTTP-01 checks and redirect the rest to HTTPS")
}

// check refuses ACME flags that cannot work together with the rest.
func (a *acmeConfig) check(tlsCert string) error {
	if a.domain == "" {
		if a.email != "" || a.directory != "" || a.caRoot != "" || a.httpListen != "" {
			return usageError("--acme-email, --acme-directory, --acme-ca-root and --acme-http-listen need --acme-domain")
		}
		return nil
	}
	if tlsCert != "" {
		return usageError("use either --tls-cert/--tls-key or --acme-domain, not both")
	}
	return nil
}

// certOptions says where serve's certificate comes from: files, ACME (with
// the account and certificates in an acme folder beside the database), or
// none. tlsPort is the TLS listener's port, where the CA checks TLS-ALPN-01.
func certOptions(c serveConfig, tlsPort, httpPort int, log *slog.Logger) (certs.Options, error) {
	opt := certs.Options{CertFile: c.tlsCert, KeyFile: c.tlsKey, Logger: log}
	if c.acme.domain == "" {
		return opt, nil
	}
	opt.ACME = certs.ACMEOptions{
		Domain:       c.acme.domain,
		Email:        c.acme.email,
		DirectoryURL: c.acme.directory,
		Dir:          certs.ACMEFolder(c.db),
		TLSPort:      tlsPort,
		HTTPPort:     httpPort,
	}
	if c.acme.caRoot != "" {
		roots, err := certs.LoadRoots(c.acme.caRoot)
		if err != nil {
			return opt, fmt.Errorf("--acme-ca-root: %w", err)
		}
		opt.ACME.RootCAs = roots
	}
	return opt, nil
}

// port is a listener's port number.
func port(ln net.Listener) int {
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	n, _ := strconv.Atoi(p)
	return n
}

// redirectToHTTPS sends plain-HTTP requests to the same path over HTTPS on
// the domain; 308 keeps the method and body.
func redirectToHTTPS(domain string, tlsPort int) http.Handler {
	host := certs.HostPort(domain, tlsPort)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusPermanentRedirect)
	})
}
