package certs

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/visitly/hostsync"
)

// fileSource serves a certificate and key from PEM files and picks up a
// replaced pair at the next check. It compares the files' contents, not
// their modification times: a copy made within the file system's clock tick,
// or with the old time kept, is still seen.
type fileSource struct {
	certFile, keyFile string
	log               *slog.Logger

	mu       sync.Mutex
	cert     *tls.Certificate
	stamp    stamp // of the pair being served
	loadErr  error // from the last attempt to load a replaced pair
	badStamp stamp // of the pair that gave loadErr
}

// stamp identifies the two files' contents.
type stamp [sha256.Size]byte

func (f *fileSource) read() (certPEM, keyPEM []byte, st stamp, err error) {
	if certPEM, err = os.ReadFile(f.certFile); err != nil {
		return nil, nil, st, fmt.Errorf("load TLS certificate: %w", err)
	}
	if keyPEM, err = os.ReadFile(f.keyFile); err != nil {
		return nil, nil, st, fmt.Errorf("load TLS key: %w", err)
	}
	h := sha256.New()
	h.Write(certPEM)
	h.Write([]byte{0})
	h.Write(keyPEM)
	h.Sum(st[:0])
	return certPEM, keyPEM, st, nil
}

func newFileSource(certFile, keyFile string, log *slog.Logger) (*fileSource, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.Join(ErrOptions, errors.New("the certificate file and the key file go together"))
	}
	f := &fileSource{certFile: certFile, keyFile: keyFile, log: log}
	cert, st, err := f.load()
	if err != nil {
		return nil, err
	}
	f.cert, f.stamp = cert, st
	return f, nil
}

func (f *fileSource) load() (*tls.Certificate, stamp, error) {
	certPEM, keyPEM, st, err := f.read()
	if err != nil {
		return nil, st, err
	}
	cert, err := f.parse(certPEM, keyPEM)
	return cert, st, err
}

func (f *fileSource) parse(certPEM, keyPEM []byte) (*tls.Certificate, error) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("load TLS certificate %s with key %s: %w", f.certFile, f.keyFile, err)
	}
	return &cert, nil // X509KeyPair fills cert.Leaf
}

func (f *fileSource) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cert, nil
}

// check loads the pair again when either file changed. A pair that does not
// load (say, the certificate copied but not yet its key) leaves the previous
// one in service; the next change of either file is tried again.
func (f *fileSource) check() {
	certPEM, keyPEM, st, err := f.read()
	f.mu.Lock()
	served, knownBad := st == f.stamp, f.loadErr != nil && st == f.badStamp
	if err == nil && served {
		f.loadErr = nil // back to the pair being served
	}
	f.mu.Unlock()
	if err == nil && (served || knownBad) {
		return
	}
	var cert *tls.Certificate
	if err == nil {
		cert, err = f.parse(certPEM, keyPEM)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil {
		if f.loadErr == nil || st != f.badStamp {
			f.log.Warn("TLS certificate files changed but do not load; still serving the previous certificate", "err", err)
		}
		f.loadErr, f.badStamp = err, st
		return
	}
	f.loadErr = nil
	f.cert, f.stamp = cert, st
	f.log.Info("TLS certificate reloaded", "file", f.certFile, "not_after", cert.Leaf.NotAfter)
}

func (f *fileSource) status(now time.Time) hostsync.TLSStatus {
	f.mu.Lock()
	leaf, loadErr := f.cert.Leaf, f.loadErr
	f.mu.Unlock()
	what := fmt.Sprintf("put a renewed certificate and key in %s and %s; the service picks them up within a minute, without a restart", f.certFile, f.keyFile)
	st := hostsync.TLSStatus{Mode: hostsync.TLSModeFiles, NotAfter: leaf.NotAfter}
	if len(leaf.DNSNames) > 0 {
		st.Domain = leaf.DNSNames[0]
	}
	st.State, st.Message = assess(leaf, now, what)
	if loadErr != nil {
		st.Message = fmt.Sprintf("the certificate files changed but do not load (%v); still serving the previous certificate: %s", loadErr, st.Message)
		if rank(st.State) < rank(hostsync.TLSStateWarning) {
			st.State = hostsync.TLSStateWarning
		}
	}
	return st
}

func (f *fileSource) holds(der []byte) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return bytes.Equal(f.cert.Leaf.Raw, der)
}

func (f *fileSource) close() {}
