package certs

import (
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
// replaced pair (new modification time or size) at the next check.
type fileSource struct {
	certFile, keyFile string
	log               *slog.Logger

	mu       sync.Mutex
	cert     *tls.Certificate
	stamp    [2]fileStamp // of the pair being served
	loadErr  error        // from the last attempt to load a replaced pair
	badStamp [2]fileStamp // of the pair that gave loadErr
}

type fileStamp struct {
	mod  time.Time
	size int64
}

func stampOf(name string) (fileStamp, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{fi.ModTime(), fi.Size()}, nil
}

func newFileSource(certFile, keyFile string, log *slog.Logger) (*fileSource, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.Join(ErrOptions, errors.New("the certificate file and the key file go together"))
	}
	f := &fileSource{certFile: certFile, keyFile: keyFile, log: log}
	cert, stamp, err := f.load()
	if err != nil {
		return nil, err
	}
	f.cert, f.stamp = cert, stamp
	return f, nil
}

func (f *fileSource) load() (*tls.Certificate, [2]fileStamp, error) {
	var stamp [2]fileStamp
	var err error
	if stamp[0], err = stampOf(f.certFile); err != nil {
		return nil, stamp, fmt.Errorf("load TLS certificate: %w", err)
	}
	if stamp[1], err = stampOf(f.keyFile); err != nil {
		return nil, stamp, fmt.Errorf("load TLS key: %w", err)
	}
	cert, err := tls.LoadX509KeyPair(f.certFile, f.keyFile)
	if err != nil {
		return nil, stamp, fmt.Errorf("load TLS certificate: %w", err)
	}
	return &cert, stamp, nil // LoadX509KeyPair fills cert.Leaf
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
	c, errC := stampOf(f.certFile)
	k, errK := stampOf(f.keyFile)
	now := [2]fileStamp{c, k}
	f.mu.Lock()
	seen := errC == nil && errK == nil && (now == f.stamp || (f.loadErr != nil && now == f.badStamp))
	f.mu.Unlock()
	if seen {
		return
	}
	cert, stamp, err := f.load()
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil {
		if f.loadErr == nil || stamp != f.badStamp {
			f.log.Warn("TLS certificate files changed but do not load; still serving the previous certificate", "err", err)
		}
		f.loadErr, f.badStamp = err, stamp
		return
	}
	f.loadErr = nil
	if stamp == f.stamp {
		return
	}
	f.cert, f.stamp = cert, stamp
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

func (f *fileSource) close() {}
