package certs

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/visitly/hostsync"
)

func TestAssessSaysHowCloseExpiryIs(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, tc := range []struct {
		name               string
		lifetime, left     time.Duration
		wantState, wantMsg string
	}{
		{"a year's certificate with months left", 365 * day, 200 * day, hostsync.TLSStateOK, "valid until"},
		{"31 days left", 365 * day, 31 * day, hostsync.TLSStateOK, "valid until"},
		{"30 days left", 365 * day, 30 * day, hostsync.TLSStateWarning, "(in 30 days): renew"},
		{"8 days left", 90 * day, 8 * day, hostsync.TLSStateWarning, "in 8 days"},
		{"7 days left", 90 * day, 7 * day, hostsync.TLSStateAlarm, "in 7 days"},
		{"an hour left", 90 * day, time.Hour, hostsync.TLSStateAlarm, "in 60 minutes"},
		{"expired", 90 * day, -time.Minute, hostsync.TLSStateExpired, "expired at 2026-12-03T11:59:00Z: HTTPS clients such as Azure AD refuse it; renew"},
		// A 6-day certificate is not in warning the day it is issued.
		{"a fresh 6-day certificate", 6 * day, 5 * day, hostsync.TLSStateOK, "valid until"},
		{"a 6-day certificate in its last third", 6 * day, 47 * time.Hour, hostsync.TLSStateWarning, "in 47 hours"},
		{"a 6-day certificate in its last tenth", 6 * day, 14 * time.Hour, hostsync.TLSStateAlarm, "in 14 hours"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaf := &x509.Certificate{NotBefore: now.Add(tc.left - tc.lifetime), NotAfter: now.Add(tc.left)}
			state, msg := assess(leaf, now, "renew")
			if state != tc.wantState || !strings.Contains(msg, tc.wantMsg) {
				t.Errorf("assess = %s %q, want %s with %q", state, msg, tc.wantState, tc.wantMsg)
			}
		})
	}
	if state, msg := assess(nil, now, "get one"); state != hostsync.TLSStateError || msg != "no certificate: get one" {
		t.Errorf("assess(nil) = %s %q", state, msg)
	}
}
