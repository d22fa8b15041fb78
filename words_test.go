package hostsync

import (
	"testing"
	"time"
)

func TestAgo(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		before time.Duration
		want   string
	}{
		{-time.Hour, "just now"}, // a clock a little ahead
		{0, "just now"},
		{59 * time.Second, "just now"},
		{time.Minute, "1 minute ago"},
		{5*time.Minute + 30*time.Second, "5 minutes ago"},
		{59 * time.Minute, "59 minutes ago"},
		{time.Hour, "1 hour ago"},
		{3 * time.Hour, "3 hours ago"},
		{47 * time.Hour, "47 hours ago"},
		{48 * time.Hour, "2 days ago"},
		{400 * 24 * time.Hour, "400 days ago"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := Ago(now.Add(-tc.before), now); got != tc.want {
				t.Errorf("Ago(now-%v) = %q, want %q", tc.before, got, tc.want)
			}
		})
	}
}

func TestPlural(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{0, "0 hosts"},
		{1, "1 host"},
		{2, "2 hosts"},
		{999, "999 hosts"},
		{1000, "1,000 hosts"},
		{12345, "12,345 hosts"},
		{1234567, "1,234,567 hosts"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := Plural(tc.n, "host", "hosts"); got != tc.want {
				t.Errorf("Plural(%d) = %q, want %q", tc.n, got, tc.want)
			}
		})
	}
}

func TestCount(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{0, "0"}, {7, "7"}, {100, "100"}, {1000, "1,000"}, {-1234, "-1,234"}, {100000, "100,000"},
	}
	for _, tc := range tests {
		if got := Count(tc.n); got != tc.want {
			t.Errorf("Count(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
