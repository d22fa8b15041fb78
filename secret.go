package hostsync

import (
	"errors"
	"runtime"
)

// The OS keyring's errors. They are defined here, not in storage/keyring, so that ui can tell
// "no key on this computer" from "no keyring at all" without importing the keyring's library;
// storage/keyring returns errors that match them.
var (
	// ErrSecretNotFound means nothing is stored under that account yet: normal on first run.
	ErrSecretNotFound = errors.New("keyring: not found")
	// ErrKeyringUnavailable means the OS keyring could not be used (no Secret Service, a locked
	// keychain…). The error that carries it keeps the keyring's own text for a "Details" section;
	// KeyringHint says what to do.
	ErrKeyringUnavailable = errors.New("keyring: OS keyring unavailable")
	// ErrSecretTooBig means the secret exceeds the OS keyring's limit.
	ErrSecretTooBig = errors.New("keyring: secret too large for the OS keyring")
)

// KeyringHint says what the user can do about a keyring error, for the OS the console runs on.
// It returns "" for nil and for ErrSecretNotFound, which needs no action.
func KeyringHint(err error) string {
	return keyringHint(runtime.GOOS, err)
}

func keyringHint(goos string, err error) string {
	switch {
	case err == nil, errors.Is(err, ErrSecretNotFound):
		return ""
	case errors.Is(err, ErrSecretTooBig):
		return "The OS keyring keeps only short secrets; API keys and admin tokens fit, so check what is being stored."
	}
	switch goos {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
		return "No Secret Service: install and unlock GNOME Keyring or KWallet (on Debian or Ubuntu: sudo apt install gnome-keyring), " +
			"then sign in to a desktop session so it starts and unlocks with your login, and try again."
	case "darwin":
		return "Unlock the login keychain: open Keychain Access, choose File › Unlock Keychain \"login\", " +
			"and allow Visitly Console when macOS asks for access to it."
	case "windows":
		return "Windows Credential Manager could not be used: open Control Panel › Credential Manager › Windows Credentials " +
			"to check that it opens, and sign in with your own Windows account rather than a temporary profile."
	default:
		return "This system has no OS keyring that Visitly Console supports; use it on Windows, macOS or a Linux desktop."
	}
}
