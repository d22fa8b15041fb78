package scimserver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/visitly/hostsync"
)

// TestStrangersCannotGrowTheLog: a flood of refused calls with 60 KB paths
// full of newlines, right-to-left overrides and a fake "(from …)", from one
// address and from a thousand, adds a bounded number of short entries, none
// of which carries the caller's text raw.
func TestStrangersCannotGrowTheLog(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	before := len(allEvents(t, e))
	path := SCIMBasePath + "/Users/" + strings.Repeat("a\n\u202e(from 10.9.9.9) ", 3000) // ~60 KB
	// Without a credential: a wrong key costs the caller up to 100 ms (the
	// key cache reloads at most that often for unknown secrets), which
	// would slow the flood, not change what it leaves.
	send := func(remote string) {
		req := httptest.NewRequest("GET", "http://x/", nil)
		req.URL.Path = path
		req.RemoteAddr = remote + ":40000"
		rec := httptest.NewRecorder()
		e.srv.Config.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", rec.Code)
		}
	}
	for range 3000 {
		send("203.0.113.7")
	}
	if n := len(allEvents(t, e)) - before; n != 1 {
		t.Errorf("3,000 refusals from one address: %d entries at once, want 1 (the rest aggregated)", n)
	}
	for i := range 1000 {
		send(fmt.Sprintf("198.51.%d.%d", i/250, i%250))
	}
	e.srv.Config.Handler.(*Server).Close() // the minute ends: what is pending is recorded
	evs := allEvents(t, e)[before:]
	total := 0
	for _, ev := range evs {
		total += len(ev.Detail)
		if strings.ContainsAny(ev.Detail, "\n\u202e") || strings.Contains(ev.Detail, ") (from 10.9.9.9)") {
			t.Fatalf("an entry carries the caller's text raw: %q", ev.Detail)
		}
	}
	// 1 + the aggregate for the first address; for the thousand: at most
	// maxPromptRefusals at once, one entry per followed address, one for
	// the others.
	if max := 2 + maxPromptRefusals + maxRefusalSources + 1; len(evs) > max || total > 200_000 {
		t.Errorf("4,000 refusals added %d entries, %d bytes; want at most %d entries, 200 KB", len(evs), total, max)
	}
	var agg bool
	for _, ev := range evs {
		agg = agg || strings.HasPrefix(ev.Detail, "2,999 refused calls from 203.0.113.7 in the minute from ")
	}
	if !agg {
		t.Errorf("no entry counts the first address's other 2,999 refusals")
	}
	scim, _, err := e.st.LastRejected(ctx)
	if err != nil || scim == nil || len([]rune(scim.Path)) > hostsync.MaxRejectedPath {
		t.Errorf("the last refusal keeps a path of %d runes, %v", len([]rune(scim.Path)), err)
	}
	t.Logf("4,000 refused calls with 60 KB paths: %d entries, %d bytes of detail", len(evs), total)
}

func allEvents(t *testing.T, e *env) []hostsync.Event {
	t.Helper()
	p, err := e.st.ActivityPage(context.Background(), hostsync.ActivityQuery{Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	return p.Events
}
