package keyring

import (
	"errors"
	"runtime"
)

// Hint says what the user can do about err, for the OS the console runs on.
// It returns "" for nil and for ErrNotFound, which needs no action.
func Hint(err error) string {
	return hintFor(runtime.GOOS, err)
}

func hintFor(goos string, err error) string {
	switch {
	case err == nil, errors.Is(err, ErrNotFound):
		return ""
	case errors.Is(err, ErrTooBig):
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
