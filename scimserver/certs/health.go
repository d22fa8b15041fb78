package certs

import (
	"crypto/x509"
	"fmt"
	"time"

	"github.com/visitly/hostsync"
)

// The classic thresholds; a short-lived certificate (an ACME CA's 6-day one,
// a test CA's minutes) gets fractions of its lifetime instead, or it would
// be in "warning" from the day it was issued.
const (
	warnBefore  = 30 * 24 * time.Hour
	alarmBefore = 7 * 24 * time.Hour
)

// assess tells the state of leaf at now and, when it is not ok, what to do;
// renew says how this certificate gets renewed, e.g. "replace FILE".
func assess(leaf *x509.Certificate, now time.Time, renew string) (state, message string) {
	if leaf == nil {
		return hostsync.TLSStateError, "no certificate: " + renew
	}
	left := leaf.NotAfter.Sub(now)
	lifetime := leaf.NotAfter.Sub(leaf.NotBefore)
	until := leaf.NotAfter.UTC().Format(time.RFC3339)
	switch {
	case left <= 0:
		return hostsync.TLSStateExpired, fmt.Sprintf("the certificate expired at %s: HTTPS clients such as Azure AD refuse it; %s", until, renew)
	case left <= min(alarmBefore, lifetime/10):
		return hostsync.TLSStateAlarm, fmt.Sprintf("the certificate expires at %s (in %s): %s", until, roundLeft(left), renew)
	case left <= min(warnBefore, lifetime/3):
		return hostsync.TLSStateWarning, fmt.Sprintf("the certificate expires at %s (in %s): %s", until, roundLeft(left), renew)
	}
	return hostsync.TLSStateOK, "valid until " + until
}

// roundLeft says a remaining time the way a person reads it.
func roundLeft(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	case d >= 2*time.Minute:
		return fmt.Sprintf("%d minutes", int(d/time.Minute))
	}
	return d.Round(time.Second).String()
}

// rank orders states from good (0) to bad, so that the worse of two wins.
func rank(state string) int {
	switch state {
	case hostsync.TLSStateOK:
		return 0
	case hostsync.TLSStateWarning:
		return 1
	case hostsync.TLSStateAlarm:
		return 2
	case hostsync.TLSStateExpired:
		return 3
	case hostsync.TLSStateError:
		return 4
	}
	return -1
}
