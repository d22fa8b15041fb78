package hostsync

import (
	"strings"
	"testing"
	"time"
)

func TestRejectedCallDetail(t *testing.T) {
	since := time.Date(2026, 12, 8, 10, 1, 0, 0, time.UTC)
	tests := []struct {
		name string
		c    RejectedCall
		want string
	}{
		{"one", RejectedCall{Method: "GET", Path: "/Users", Remote: "203.0.113.7", Reason: "unknown or revoked API key"},
			`unknown or revoked API key: GET "/Users" (from 203.0.113.7)`},
		{"admin", RejectedCall{Admin: true, Method: "GET", Path: "/v1/admin/status", Remote: "127.0.0.1", Reason: "wrong admin credential"},
			`admin API: wrong admin credential: GET "/v1/admin/status" (from 127.0.0.1)`},
		{"a forged source stays inside the quotes", RejectedCall{Method: "GET", Path: "/Users (from 10.9.9.9)", Remote: "203.0.113.7", Reason: "r"},
			`r: GET "/Users (from 10.9.9.9)" (from 203.0.113.7)`},
		{"newline, RLO, quote", RejectedCall{Method: "GET", Path: "/a\nb\u202ec\"d", Remote: "203.0.113.7", Reason: "r"},
			`r: GET "/a\nb\u202ec\"d" (from 203.0.113.7)`},
		{"invalid UTF-8", RejectedCall{Method: "GET", Path: "/\xff", Remote: "x", Reason: "r"}, `r: GET "/\xff" (from x)`},
		{"aggregated", RejectedCall{Method: "POST", Path: "/Users", Remote: "203.0.113.7", Reason: "no bearer token", Count: 1240, Since: since},
			`1,240 refused calls from 203.0.113.7 in the minute from 10:01:00 UTC (the last: no bearer token: POST "/Users")`},
	}
	for _, tt := range tests {
		if got := tt.c.Detail(); got != tt.want {
			t.Errorf("%s: %s\nwant %s", tt.name, got, tt.want)
		}
	}
	long := RejectedCall{Method: "GET", Path: "/" + strings.Repeat("x", 60_000), Reason: "r"}.Detail()
	if len(long) > MaxRejectedPath+40 || !strings.HasSuffix(long, `…"`) {
		t.Errorf("a 60 KB path gives a detail of %d bytes ending %q", len(long), long[len(long)-8:])
	}
}
