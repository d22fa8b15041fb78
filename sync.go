package hostsync

import (
	"context"
	"time"
)

// Feed is the part of the admin API that a console's sync reads: the change
// feed and the activity log, as documented in docs/admin-api.md.
// *scimclient.Client satisfies it.
type Feed interface {
	Changes(ctx context.Context, since int64, limit int) (*ChangePage, error)
	Activity(ctx context.Context, q ActivityQuery) (*ActivityPage, error)
}

// SyncProgress is reported after each committed page of a sync. Done and
// Total are in sequence numbers still to read across both feeds; Total is 0
// when unknown and never less than Done.
type SyncProgress struct {
	Phase       string // "changes" or "activity"
	Done, Total int64
	Hosts       int // items committed so far in this sync
	Groups      int
	Events      int
}

// SyncOptions tunes a sync; the zero value is fine.
type SyncOptions struct {
	ChangesPage  int                // page size asked of /changes; default 5000
	ActivityPage int                // page size asked of /activity; default 5000 (the service's maximum)
	OnProgress   func(SyncProgress) // called from the syncing goroutines, one call at a time
}

// SyncResult says what one sync brought in.
type SyncResult struct {
	Hosts, Groups, Events int
	ChangesCursor         int64
	ActivityCursor        int64
	Duration              time.Duration
}
