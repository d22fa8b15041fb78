package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/visitly/hostsync"
)

func openTest(t testing.TB) (*Mirror, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), FileName)
	m, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m, path
}

// normHost drops what the wire does not carry exactly (sub-millisecond time,
// JSON spacing) so that a service host and a mirror host compare equal.
func normHost(t testing.TB, h hostsync.Host) hostsync.Host {
	t.Helper()
	for _, p := range []*time.Time{&h.Created, &h.Modified, &h.DeactivatedAt, &h.DeletedAt, &h.RestoredAt} {
		if !p.IsZero() {
			*p = p.Truncate(time.Millisecond).UTC()
		}
	}
	if len(h.Resource) > 0 {
		var v any
		if err := json.Unmarshal(h.Resource, &v); err != nil {
			t.Fatalf("host %s resource: %v", h.ID, err)
		}
		h.Resource, _ = json.Marshal(v)
	}
	h.Department, h.Title = "", ""
	return h
}

func normEvent(e hostsync.Event) hostsync.Event {
	e.At = e.At.Truncate(time.Millisecond).UTC()
	if len(e.Changes) > 0 {
		// Old/New come back from JSON as generic values; round-trip both sides.
		b, _ := json.Marshal(e.Changes)
		e.Changes = nil
		json.Unmarshal(b, &e.Changes)
	}
	return e
}

// assertMirrorEquals fails unless the mirror holds exactly these hosts (every
// attribute and the resource), groups (live members) and events.
func assertMirrorEquals(t *testing.T, m *Mirror, hosts []hostsync.Host, groups []hostsync.Group, events []hostsync.Event) {
	t.Helper()
	ctx := context.Background()
	got, err := m.Hosts(ctx, hostsync.HostFilter{State: hostsync.StateAll, Sort: hostsync.SortCreated})
	if err != nil {
		t.Fatalf("Hosts: %v", err)
	}
	if len(got) != len(hosts) {
		t.Fatalf("mirror holds %d hosts, service %d", len(got), len(hosts))
	}
	want := map[string]hostsync.Host{}
	for _, h := range hosts {
		want[h.ID] = normHost(t, h)
	}
	for _, g := range got {
		d, err := m.HostDetail(ctx, g.ID)
		if err != nil {
			t.Fatalf("HostDetail(%s): %v", g.ID, err)
		}
		if h := normHost(t, d.Host); !reflect.DeepEqual(h, want[g.ID]) {
			t.Fatalf("host %s differs:\nmirror  %+v\nservice %+v", g.ID, h, want[g.ID])
		}
	}
	// The search index must match the table (also after a bulk-loaded first
	// sync), and find every host by its userName.
	if _, err := m.w.ExecContext(ctx, `INSERT INTO hosts_fts(hosts_fts, rank) VALUES ('integrity-check', 1)`); err != nil {
		t.Fatalf("search index integrity: %v", err)
	}
	for _, h := range got {
		n, err := m.CountHosts(ctx, hostsync.HostFilter{State: hostsync.StateAll, Search: h.UserName})
		if err != nil || n < 1 {
			t.Fatalf("search for %q found %d hosts (%v)", h.UserName, n, err)
		}
	}
	for _, wg := range groups {
		g, err := m.Group(ctx, wg.ID)
		if err != nil {
			t.Fatalf("Group(%s): %v", wg.ID, err)
		}
		wg.Created, wg.Modified = wg.Created.Truncate(time.Millisecond).UTC(), wg.Modified.Truncate(time.Millisecond).UTC()
		if len(g.Members) == 0 && len(wg.Members) == 0 {
			g.Members, wg.Members = nil, nil // no members, however each side spells it
		}
		if !reflect.DeepEqual(*g, wg) {
			t.Fatalf("group %s differs:\nmirror  %+v\nservice %+v", wg.ID, *g, wg)
		}
	}
	gotEv, err := m.Activity(ctx, hostsync.EventFilter{})
	if err != nil {
		t.Fatalf("Activity: %v", err)
	}
	if len(gotEv) != len(events) {
		t.Fatalf("mirror holds %d events, service %d", len(gotEv), len(events))
	}
	sort.Slice(gotEv, func(i, j int) bool { return gotEv[i].Seq < gotEv[j].Seq })
	for i := range events {
		if g, w := normEvent(gotEv[i]), normEvent(events[i]); !reflect.DeepEqual(g, w) {
			t.Fatalf("event %d differs:\nmirror  %+v\nservice %+v", w.Seq, g, w)
		}
	}
}

// isCancel reports whether a sync failed because its context was cancelled
// (directly, or as the HTTP client's error for an aborted request).
func isCancel(err error) bool {
	return errors.Is(err, context.Canceled)
}
