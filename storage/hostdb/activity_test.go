package hostdb

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/visitly/hostsync"
)

func TestActivity(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	h := mustCreateHost(t, s, "a", map[string]any{"title": "x"})
	for i := range 3 {
		if _, err := s.UpdateHost(ctx, azure, h.ID, withAttr("title", fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	other := mustCreateHost(t, s, "b", nil)
	ev, err := s.RecordEvent(ctx, admin, "apikey.copied", TypeConsole, "1", "copied to the clipboard")
	if err != nil {
		t.Fatal(err)
	}
	if ev.Seq == 0 || ev.At.IsZero() || ev.Actor != "admin" || ev.ActorName != "Console admin" {
		t.Errorf("RecordEvent returned %+v", ev)
	}
	tests := []struct {
		name string
		q    hostsync.ActivityQuery
		want []int64 // seqs
	}{
		{"all", hostsync.ActivityQuery{}, []int64{1, 2, 3, 4, 5, 6}},
		{"since", hostsync.ActivityQuery{Since: 4}, []int64{5, 6}},
		{"limit", hostsync.ActivityQuery{Since: 1, Limit: 2}, []int64{2, 3}},
		{"resource", hostsync.ActivityQuery{ResourceID: h.ID}, []int64{1, 2, 3, 4}},
		{"resource since", hostsync.ActivityQuery{ResourceID: h.ID, Since: 3}, []int64{4}},
		{"action", hostsync.ActivityQuery{Action: "host.created"}, []int64{1, 5}},
		{"resource and action", hostsync.ActivityQuery{Action: "host.created", ResourceID: other.ID}, []int64{5}},
		{"none", hostsync.ActivityQuery{Action: "host.deleted"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := s.Activity(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, e := range evs {
				got = append(got, e.Seq)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("seqs %v, want %v", got, tt.want)
			}
		})
	}
	evs := events(t, s)
	if e := evs[2]; e.Action != "host.updated" || len(e.Changes) != 1 || e.Changes[0].Old != "0" || e.Changes[0].New != "1" || e.UserName != "a" {
		t.Errorf("update event %+v", e)
	}
	if e := evs[5]; e.Detail != "copied to the clipboard" || e.ResourceType != TypeConsole || e.Changes != nil {
		t.Errorf("console event %+v", e)
	}
}

func TestActivityLimitIsCapped(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for range maxActivityLimit + 10 {
			ev := hostsync.Event{Action: "connection.tested", ResourceType: TypeConsole}
			if err := s.appendEvent(ctx, tx, admin, &ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ limit, want int }{{0, defaultActivityLimit}, {10, 10}, {1 << 20, maxActivityLimit}} {
		t.Run(fmt.Sprint(tt.limit), func(t *testing.T) {
			evs, err := s.Activity(ctx, hostsync.ActivityQuery{Limit: tt.limit})
			if err != nil || len(evs) != tt.want {
				t.Errorf("limit %d: %d events, err %v; want %d", tt.limit, len(evs), err, tt.want)
			}
		})
	}
	// ActivityPage tells whether more follow, also at the cap.
	p, err := s.ActivityPage(ctx, hostsync.ActivityQuery{Limit: maxActivityLimit})
	evs, more := p.Events, p.More
	if err != nil || len(evs) != maxActivityLimit || !more {
		t.Fatalf("full page: %d events, more %v, %v; want %d, true", len(evs), more, err, maxActivityLimit)
	}
	if p.Cursor != evs[len(evs)-1].Seq {
		t.Errorf("cursor %d, want the last event's seq %d", p.Cursor, evs[len(evs)-1].Seq)
	}
	p, err = s.ActivityPage(ctx, hostsync.ActivityQuery{Since: p.Cursor, Limit: 10})
	rest, more := p.Events, p.More
	if err != nil || len(rest) != 10 || more {
		t.Errorf("last page: %d events, more %v, %v; want 10, false", len(rest), more, err)
	}
}
