package hostdb

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/visitly/hostsync"
)

// TestRefusalsAreTyped: each refusal is a typed error whose fields say what
// was refused, and it still matches its sentinel.
func TestRefusalsAreTyped(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	mustCreateHost(t, s, "emp3", nil)
	gone := mustCreateHost(t, s, "gone", nil)
	if err := s.DeleteHost(ctx, azure, gone.ID); err != nil {
		t.Fatal(err)
	}
	holder := mustCreateHost(t, s, "Gone", nil)
	mustCreateGroup(t, s, "Sales")

	tests := []struct {
		name     string
		do       func() error
		sentinel error
		want     error // the typed error, field for field
	}{
		{"userName taken", func() error { _, err := s.CreateHost(ctx, azure, hostDoc("EMP3", true, nil)); return err },
			hostsync.ErrConflict, &hostsync.ConflictError{Field: "userName", Value: "EMP3"}},
		{"displayName taken", func() error { _, err := s.CreateGroup(ctx, azure, groupDoc("sales")); return err },
			hostsync.ErrConflict, &hostsync.ConflictError{Field: "displayName", Value: "sales"}},
		{"restore over a live userName", func() error { _, err := s.RestoreHost(ctx, admin, gone.ID); return err },
			hostsync.ErrConflict, &hostsync.ConflictError{Field: "userName", Value: "gone", Holder: holder.ID}},
		{"member that is no host", func() error { _, err := s.CreateGroup(ctx, azure, groupDoc("Ops", "nope")); return err },
			hostsync.ErrInvalidMember, &hostsync.InvalidMemberError{ID: "nope"}},
		{"unknown host", func() error { _, err := s.GetHost(ctx, "nope"); return err },
			hostsync.ErrNotFound, &hostsync.NotFoundError{Kind: "host", ID: "nope"}},
		{"update of a deleted host", func() error {
			_, err := s.UpdateHost(ctx, azure, gone.ID, func(h *hostsync.HostRecord) (*hostsync.HostRecord, error) { return h, nil })
			return err
		}, hostsync.ErrNotFound, &hostsync.NotFoundError{Kind: "host", ID: gone.ID}},
		{"unknown group", func() error { _, err := s.GetGroup(ctx, "nope", false); return err },
			hostsync.ErrNotFound, &hostsync.NotFoundError{Kind: "group", ID: "nope"}},
		{"unknown API key", func() error { _, err := s.RevokeAPIKey(ctx, admin, "99"); return err },
			hostsync.ErrNotFound, &hostsync.NotFoundError{Kind: "API key", ID: "99"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("err = %v, want one that Is %v", err, tt.sentinel)
			}
			var got error
			switch tt.want.(type) {
			case *hostsync.ConflictError:
				var e *hostsync.ConflictError
				if errors.As(err, &e) {
					got = e
				}
			case *hostsync.InvalidMemberError:
				var e *hostsync.InvalidMemberError
				if errors.As(err, &e) {
					got = e
				}
			case *hostsync.NotFoundError:
				var e *hostsync.NotFoundError
				if errors.As(err, &e) {
					got = e
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("err = %#v, want %#v", got, tt.want)
			}
		})
	}
}
