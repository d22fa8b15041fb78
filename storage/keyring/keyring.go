// Package keyring keeps the console's credentials in the OS keyring
// (Windows Credential Manager, macOS Keychain, the Secret Service on Linux)
// through go-keyring; never in a file.
package keyring

import (
	"errors"
	"fmt"

	"github.com/visitly/hostsync"
	gokeyring "github.com/zalando/go-keyring"
)

// Account names the product stores under its service. Callers may append
// "/<service URL>" to keep one credential per service, e.g.
// AccountAdminToken + "/https://sync.example.com".
const (
	AccountAdminToken = "admin-token"
	AccountAPIKey     = "api-key"
)

// MaxSecretLen is the largest secret Set accepts, in bytes. Windows stores at
// most 2560 bytes and macOS about 3000 with the service and account names;
// one limit below both makes every OS refuse the same secrets.
const MaxSecretLen = 2048

// The keyring's errors are hostsync's, so that ui matches them without importing this package;
// hostsync.KeyringHint says what the user can do about them.
var (
	// ErrNotFound means nothing is stored under that account yet: normal on
	// first run.
	ErrNotFound = hostsync.ErrSecretNotFound
	// ErrUnavailable means the OS keyring could not be used (no Secret
	// Service, a locked keychain…). The error that carries it keeps the
	// keyring's own text for a "Details" section.
	ErrUnavailable = hostsync.ErrKeyringUnavailable
	// ErrTooBig means the secret exceeds MaxSecretLen or the OS keyring's
	// own limit.
	ErrTooBig = hostsync.ErrSecretTooBig

	errNoService = errors.New("keyring: no service name")
)

// Keyring stores secrets under one service name in the OS keyring.
type Keyring struct {
	// Service is the app ID, "io.visitly.hostsync" (assets.AppID), so the
	// entries are easy to find in the OS's own keyring manager.
	Service string
}

// New returns a Keyring for service.
func New(service string) *Keyring {
	return &Keyring{Service: service}
}

// Get returns the secret stored for account. It returns an error matching
// ErrNotFound when there is none, and ErrUnavailable when the keyring cannot
// be reached.
func (k *Keyring) Get(account string) (string, error) {
	secret, err := gokeyring.Get(k.Service, account)
	if err != nil {
		return "", classify("get", account, err)
	}
	return secret, nil
}

// Set stores secret for account, replacing any earlier one.
func (k *Keyring) Set(account, secret string) error {
	if len(secret) > MaxSecretLen {
		return fmt.Errorf("%w: set %q: %d bytes, at most %d", ErrTooBig, account, len(secret), MaxSecretLen)
	}
	return classify("set", account, gokeyring.Set(k.Service, account, secret))
}

// Delete removes the secret for account. Removing an absent secret is not an
// error.
func (k *Keyring) Delete(account string) error {
	return ignoreNotFound(classify("delete", account, gokeyring.Delete(k.Service, account)))
}

// DeleteAll removes every account stored under the service, for uninstall.
func (k *Keyring) DeleteAll() error {
	// go-keyring refuses an empty service (it would match every entry) by
	// reporting "not found", which would read as success here.
	if k.Service == "" {
		return errNoService
	}
	return ignoreNotFound(classify("delete all", "", gokeyring.DeleteAll(k.Service)))
}

// classify maps go-keyring's errors onto this package's, keeping the original
// text and chain for "Details".
func classify(op, account string, err error) error {
	if err == nil {
		return nil
	}
	what := op
	if account != "" {
		what = fmt.Sprintf("%s %q", op, account)
	}
	switch {
	case errors.Is(err, gokeyring.ErrNotFound):
		return fmt.Errorf("%w: %s", ErrNotFound, what)
	case errors.Is(err, gokeyring.ErrSetDataTooBig):
		return fmt.Errorf("%w: %s: %w", ErrTooBig, what, err)
	default:
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, what, err)
	}
}

func ignoreNotFound(err error) error {
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}
