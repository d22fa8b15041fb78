package directory

import (
	"context"
	"io"
	"time"

	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/storage/mirror"
)

// HostReader is what the Hosts and Deleted hosts screens read from the mirror.
type HostReader interface {
	Hosts(ctx context.Context, q mirror.HostQuery) ([]mirror.Host, error)
	CountHosts(ctx context.Context, q mirror.HostQuery) (int, error)
	Counts(ctx context.Context) (mirror.Counts, error)
	HostDetail(ctx context.Context, id string) (*mirror.HostDetail, error)
	ExportHosts(ctx context.Context, w io.Writer, q mirror.HostQuery, format string) (int, error)
}

// ActivityReader is what the Activity screen (and the mass-removal banner) read from the mirror.
type ActivityReader interface {
	Activity(ctx context.Context, q mirror.ActivityQuery) ([]mirror.Event, error)
	CountActivity(ctx context.Context, q mirror.ActivityQuery) (int, error)
	Actions(ctx context.Context) ([]string, error)
	ExportActivity(ctx context.Context, w io.Writer, q mirror.ActivityQuery, format string) (int, error)
}

// Syncer brings the mirror up to date from the service's feeds.
type Syncer interface {
	Sync(ctx context.Context, src mirror.Source, opt mirror.SyncOptions) (mirror.SyncResult, error)
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
	Restore(ctx context.Context, id string) (*scimclient.Host, error)
	// RecordActivity writes the console's own action (an export) to the service's activity log.
	RecordActivity(ctx context.Context, e scimclient.ConsoleEvent) (*scimclient.Event, error)
}
