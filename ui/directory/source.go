package directory

import (
	"context"
	"io"
	"time"

	"github.com/visitly/hostsync"
)

// HostReader is what the Hosts and Deleted hosts screens read from the mirror.
type HostReader interface {
	Hosts(ctx context.Context, q hostsync.HostFilter) ([]hostsync.Host, error)
	CountHosts(ctx context.Context, q hostsync.HostFilter) (int, error)
	Counts(ctx context.Context) (hostsync.Counts, error)
	HostDetail(ctx context.Context, id string) (*hostsync.HostDetail, error)
	ExportHosts(ctx context.Context, w io.Writer, q hostsync.HostFilter, opt hostsync.ExportOptions) (int, error)
}

// ActivityReader is what the Activity screen (and the mass-removal banner) read from the mirror.
type ActivityReader interface {
	Activity(ctx context.Context, q hostsync.EventFilter) ([]hostsync.Event, error)
	CountActivity(ctx context.Context, q hostsync.EventFilter) (int, error)
	Actions(ctx context.Context) ([]string, error)
	ExportActivity(ctx context.Context, w io.Writer, q hostsync.EventFilter, opt hostsync.ExportOptions) (int, error)
}

// Syncer brings the mirror up to date from the service's feeds.
type Syncer interface {
	Sync(ctx context.Context, src hostsync.Feed, opt hostsync.SyncOptions) (hostsync.SyncResult, error)
	LastSync(ctx context.Context) (time.Time, error)
}

// Mirror is the local mirror as the screens use it. *mirror.Mirror satisfies it.
type Mirror interface {
	HostReader
	ActivityReader
	Syncer
}

// Admin is what the screens ask of the service itself. *scimclient.Client satisfies it.
type Admin interface {
	// Restore makes a removed host active again; scimclient.IsConflict(err) when a live host holds
	// its userName now.
	Restore(ctx context.Context, id string) (*hostsync.Host, error)
	// RecordActivity writes the console's own action (an export) to the service's activity log.
	RecordActivity(ctx context.Context, e hostsync.ConsoleEvent) (*hostsync.Event, error)
}
