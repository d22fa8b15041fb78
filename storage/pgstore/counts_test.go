package pgstore

import (
	"testing"
	"time"

	"github.com/visitly/hostsync"
)

// TestCountsCursorNeverFallsBehindTheFeed: the status's cursor is the head
// the console's mirror compares its own feed cursor with (a mirror ahead of
// the service starts over). A host the feed served, rewritten by a
// transaction that committed while an older one is still open, is beyond
// the frontier; the head must not fall below the cursor served before.
func TestCountsCursorNeverFallsBehindTheFeed(t *testing.T) {
	s, url := openTest(t)
	h, err := s.CreateHost(ctxBg, azure, hostDoc("ann", true))
	if err != nil {
		t.Fatal(err)
	}
	// Other transactions on the server (other tests) may hold the frontier
	// back for a moment: read until the feed serves the host.
	var served int64
	for deadline := time.Now().Add(10 * time.Second); served == 0; {
		if _, served, _, err = s.Changes(ctxBg, 0, 100); err != nil || time.Now().After(deadline) {
			t.Fatalf("feed cursor %d, %v", served, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// An older transaction stays open: the frontier stops below it.
	old, err := sqlConn(t, url).Begin(ctxBg)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Rollback(ctxBg)
	if _, err := old.Exec(ctxBg, "SELECT pg_current_xact_id()"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateHost(ctxBg, azure, h.ID, func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
		n := cur.Clone()
		n.DisplayName = "Ann"
		n.Attrs = []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann","active":true,"displayName":"Ann"}`)
		return n, nil
	}); err != nil {
		t.Fatal(err)
	}
	c, err := s.Counts(ctxBg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Cursor < served {
		t.Errorf("Counts' cursor %d fell behind the feed cursor %d already served", c.Cursor, served)
	}
}
