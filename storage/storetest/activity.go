package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/service"
)

func testActivityAndCounts(t *testing.T, h *harness) {
	st, _ := h.open(t)
	for i := range 5 {
		mustCreate(t, st, azure, fmt.Sprintf("c%d", i))
	}
	hs, _, _ := st.QueryHosts(ctxBg, hostsync.LiveHostQuery{Count: 5})
	if _, err := st.UpdateHost(ctxBg, azure, hs[1].ID, withAttr("active", false)); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteHost(ctxBg, azure, hs[2].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateGroup(ctxBg, azure, groupDoc("G")); err != nil {
		t.Fatal(err)
	}
	ev, err := st.RecordEvent(ctxBg, admin, hostsync.ActionKeyCopied, hostsync.ResourceKey, "1", "copied to the clipboard")
	if err != nil || ev.Seq == 0 || ev.Actor != "admin" || ev.ActorName != "Console admin" || ev.At.IsZero() {
		t.Fatalf("RecordEvent = %+v, %v", ev, err)
	}
	c, err := st.Counts(ctxBg)
	if err != nil {
		t.Fatal(err)
	}
	want := hostsync.HostCounts{Active: 3, Deactivated: 1, Deleted: 1}
	if c.HostCounts != want || c.Groups != 1 || c.Cursor == 0 {
		t.Errorf("Counts = %+v, want %+v, 1 group and a cursor", c, want)
	}
	// Pages of two: every event once, in order, the cursor moving on.
	evs := allEvents(t, st)
	var paged []hostsync.Event
	q := hostsync.ActivityQuery{Limit: 2}
	for range 100 {
		p, err := st.ActivityPage(ctxBg, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Events) > 2 {
			t.Fatalf("a page of %d events, limit 2", len(p.Events))
		}
		paged = append(paged, p.Events...)
		if !p.More {
			break
		}
		q.Since = p.Cursor
	}
	if len(paged) != len(evs) || len(evs) != 9 {
		t.Fatalf("paged %d events, whole %d; want 9", len(paged), len(evs))
	}
	for i := range evs {
		if paged[i].Seq != evs[i].Seq {
			t.Fatalf("event %d: seq %d paged, %d whole", i, paged[i].Seq, evs[i].Seq)
		}
		if i > 0 && evs[i].Seq <= evs[i-1].Seq {
			t.Errorf("events out of seq order: %d after %d", evs[i].Seq, evs[i-1].Seq)
		}
	}
	last := evs[len(evs)-1]
	if last.Action != hostsync.ActionKeyCopied || last.Detail != "copied to the clipboard" {
		t.Errorf("last event %+v", last)
	}
	// A host's history by resource id, and filtered by action.
	p, err := st.ActivityPage(ctxBg, hostsync.ActivityQuery{ResourceID: hs[1].ID})
	if err != nil || len(p.Events) != 2 || p.Events[0].Action != hostsync.ActionHostCreated || p.Events[1].Action != hostsync.ActionHostDeactivated {
		t.Errorf("history of a host: %+v, %v", p.Events, err)
	}
	p, err = st.ActivityPage(ctxBg, hostsync.ActivityQuery{Action: hostsync.ActionHostCreated})
	if err != nil || len(p.Events) != 5 {
		t.Errorf("host.created events: %d, %v; want 5", len(p.Events), err)
	}
	if p.Events[0].Actor != azure.String() || p.Events[0].ActorName != azure.Name() || p.Events[0].UserName != "c0" {
		t.Errorf("event %+v", p.Events[0])
	}
}

func testLastChangesAndRejections(t *testing.T, h *harness) {
	a, db := h.open(t)
	mustCreate(t, a, azure, "lc1")
	hostB := mustCreate(t, a, okta, "lc2")
	if _, err := a.UpdateHost(ctxBg, okta, hostB.ID, withAttr("title", "Boss")); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, a, cli, "by-cli") // not an IdP's call: no last change
	lc, err := a.LastChanges(ctxBg)
	if err != nil {
		t.Fatal(err)
	}
	az, ok := lc[hostsync.IdPAzureAD]
	if !ok || az.Action != hostsync.ActionHostCreated || az.Target != "Name of lc1" || az.Method != "POST" || az.Path != "/Users" {
		t.Errorf("Azure AD's last change %+v (present %v)", az, ok)
	}
	if ok := lc[hostsync.IdPOkta].Action == hostsync.ActionHostUpdated; !ok || len(lc) != 2 {
		t.Errorf("last changes %+v, want Azure AD's and Okta's update", lc)
	}
	// A stranger's 60 KB path full of line breaks is kept capped, and the
	// entry words it quoted and escaped.
	a.RecordRejected(ctxBg, hostsync.RejectedCall{Method: "GET", Path: "/Users/" + strings.Repeat("x\n", 30_000), Remote: "203.0.113.9", Reason: "no bearer token"})
	if ev := lastEvent(t, a); ev.Action != hostsync.ActionAuthRejected || strings.Contains(ev.Detail, "\n") || len(ev.Detail) > 600 {
		t.Errorf("refusal entry of %d bytes: %.80q", len(ev.Detail), ev.Detail)
	}
	a.RecordRejected(ctxBg, hostsync.RejectedCall{Method: "GET", Path: "/v1/usersync/SCIM/Users", Remote: "203.0.113.7", Reason: "unknown or revoked API key"})
	a.RecordRejected(ctxBg, hostsync.RejectedCall{Admin: true, Method: "GET", Path: "/v1/admin/status", Remote: "127.0.0.1", Reason: "wrong admin credential"})
	scim, adm, err := a.LastRejected(ctxBg)
	if err != nil || scim == nil || adm == nil || scim.Remote != "203.0.113.7" || !adm.Admin || adm.Path != "/v1/admin/status" {
		t.Fatalf("LastRejected = %+v, %+v, %v", scim, adm, err)
	}
	// Another process on the database sees the same, at the latest once
	// the first has flushed (it does on Close).
	if err := closeStore(a); err != nil {
		t.Fatal(err)
	}
	b := h.reopen(t, db)
	lc2, err := b.LastChanges(ctxBg)
	if err != nil || lc2[hostsync.IdPAzureAD].Seq != az.Seq || lc2[hostsync.IdPOkta].Action != hostsync.ActionHostUpdated {
		t.Errorf("another process's last changes %+v, %v", lc2, err)
	}
	scim2, adm2, err := b.LastRejected(ctxBg)
	if err != nil || scim2 == nil || adm2 == nil || scim2.Remote != scim.Remote || adm2.Reason != adm.Reason {
		t.Errorf("another process's last refusals %+v, %+v, %v", scim2, adm2, err)
	}
}

// closeStore closes st early; its cleanup's second Close must be harmless.
func closeStore(st service.Store) error { return st.Close() }

// feedRead follows the change feed from since to its end.
func feedRead(t testing.TB, st service.Store, since int64, limit int) ([]hostsync.ChangeRecord, int64) {
	t.Helper()
	var out []hostsync.ChangeRecord
	for range 100_000 {
		ch, cursor, more, err := st.Changes(ctxBg, since, limit)
		if err != nil {
			t.Fatalf("Changes(%d): %v", since, err)
		}
		out = append(out, ch...)
		if more && cursor <= since {
			t.Fatalf("Changes(%d): more, but the cursor did not move", since)
		}
		since = cursor
		if !more {
			return out, since
		}
	}
	t.Fatal("the feed never ended")
	return nil, 0
}

func testChangeFeed(t *testing.T, h *harness) {
	st, _ := h.open(t)
	a, b := mustCreate(t, st, azure, "fa"), mustCreate(t, st, azure, "fb")
	g, err := st.CreateGroup(ctxBg, azure, groupDoc("FG", a.ID, b.ID))
	if err != nil {
		t.Fatal(err)
	}
	all, cursor := feedRead(t, st, 0, 1)
	if len(all) != 3 || all[0].Host == nil || all[2].Group == nil || all[2].Group.ID != g.ID {
		t.Fatalf("feed %+v, want 2 hosts then the group", all)
	}
	c, _ := st.Counts(ctxBg)
	if c.Cursor != cursor {
		t.Errorf("Counts' cursor %d, the feed's end %d", c.Cursor, cursor)
	}
	// Deleting a host resends it (deleted) and its group (a member less).
	if err := st.DeleteHost(ctxBg, azure, a.ID); err != nil {
		t.Fatal(err)
	}
	next, cursor2 := feedRead(t, st, cursor, 10)
	var host *hostsync.HostRecord
	var group *hostsync.GroupRecord
	for _, c := range next {
		if c.Host != nil {
			host = c.Host
		}
		if c.Group != nil {
			group = c.Group
		}
	}
	if len(next) != 2 || host == nil || host.State() != hostsync.StateDeleted || group == nil || len(group.Members) != 1 {
		t.Fatalf("after a delete the feed sent %+v", next)
	}
	if cursor2 <= cursor {
		t.Errorf("cursor %d after %d", cursor2, cursor)
	}
	// Nothing new: an empty page at the same cursor.
	if ch, cur, more, err := st.Changes(ctxBg, cursor2, 10); err != nil || len(ch) != 0 || more || cur != cursor2 {
		t.Errorf("an idle feed: %d changes, cursor %d, more %v, %v", len(ch), cur, more, err)
	}
	// A deleted group is sent too.
	if err := st.DeleteGroup(ctxBg, azure, g.ID); err != nil {
		t.Fatal(err)
	}
	last, _ := feedRead(t, st, cursor2, 10)
	if len(last) != 1 || last[0].Group == nil || last[0].Group.DeletedAt.IsZero() {
		t.Errorf("after a group delete the feed sent %+v", last)
	}
}

// testFeedUnderConcurrentWriters: 16 writers on two processes while a
// reader follows both feeds from the start; at the end the reader has every
// event exactly once and every host in its final state. A feed whose
// cursor is a sequence taken before commit skips rows here.
func testFeedUnderConcurrentWriters(t *testing.T, h *harness) {
	a, db := h.open(t)
	b := h.reopen(t, db)
	const writers, perWriter = 16, 25
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		st := a
		if w%2 == 1 {
			st = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				ho, err := st.CreateHost(ctxBg, azure, hostDoc(fmt.Sprintf("w%d-%d", w, i), true, nil))
				if err != nil {
					errs <- err
					return
				}
				if i%3 == 0 {
					if _, err := st.UpdateHost(ctxBg, azure, ho.ID, withAttr("title", "t")); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	seenEvents := map[int64]int{}
	final := map[string]*hostsync.HostRecord{}
	var evCursor, chCursor int64
	follow := func() {
		p, err := a.ActivityPage(ctxBg, hostsync.ActivityQuery{Since: evCursor, Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Events {
			seenEvents[e.Seq]++
		}
		evCursor = p.Cursor
		ch, cursor, _, err := b.Changes(ctxBg, chCursor, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ch {
			if c.Host != nil {
				final[c.Host.ID] = c.Host
			}
		}
		chCursor = cursor
	}
	go func() { wg.Wait(); close(stop) }()
	for done := false; !done; {
		select {
		case <-stop:
			done = true
		default:
		}
		follow()
	}
	close(errs)
	for err := range errs {
		t.Fatalf("writer: %v", err)
	}
	for range 1000 { // drain
		before := len(seenEvents)
		follow()
		if len(seenEvents) == before {
			if p, _ := a.ActivityPage(ctxBg, hostsync.ActivityQuery{Since: evCursor}); len(p.Events) == 0 {
				break
			}
		}
	}
	all := allEvents(t, a)
	wantEvents := writers * (perWriter + (perWriter+2)/3)
	if len(all) != wantEvents {
		t.Fatalf("%d events in the log, want %d", len(all), wantEvents)
	}
	var missed, twice int
	for _, e := range all {
		switch seenEvents[e.Seq] {
		case 0:
			missed++
		case 1:
		default:
			twice++
		}
	}
	if missed > 0 || twice > 0 || len(seenEvents) != len(all) {
		t.Errorf("activity feed: %d of %d events missed, %d read twice", missed, len(all), twice)
	}
	hosts, total, err := a.QueryHosts(ctxBg, hostsync.LiveHostQuery{Count: writers * perWriter})
	if err != nil || total != writers*perWriter {
		t.Fatalf("%d hosts, %v", total, err)
	}
	stale := 0
	for _, h := range hosts {
		if f := final[h.ID]; f == nil || f.Seq != h.Seq {
			stale++
		}
	}
	if stale > 0 {
		t.Errorf("change feed: %d of %d hosts missing or not in their final state", stale, len(hosts))
	}
}
