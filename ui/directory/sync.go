package directory

import (
	"context"
	"time"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/ui"
)

// DefaultSyncEvery is how often an open window syncs the mirror.
const DefaultSyncEvery = time.Minute

// SyncStatus is what the screens tell about the mirror's freshness.
type SyncStatus struct {
	Running  bool
	Progress hostsync.SyncProgress
	LastSync time.Time // the last successful sync, from the mirror (survives restarts)
	Err      error     // the last attempt's error; nil once a sync succeeds
	FailedAt time.Time
}

// syncLoop syncs the mirror at start, every period while the window is open and on demand, one
// sync at a time, always through the Runner.
type syncLoop struct {
	env    *ui.Env
	m      Syncer
	src    hostsync.Feed
	every  time.Duration
	now    func() time.Time
	ctx    context.Context
	status SyncStatus
	again  bool   // asked for while a sync ran: run once more after it
	stop   func() // the pending periodic timer
	// changed is told every status change; data says the sync brought something new.
	changed func(st SyncStatus, data bool)
}

// start reads when the mirror was last synced, then syncs.
func (l *syncLoop) start(ctx context.Context) {
	l.ctx = ctx
	l.env.Run(func() func() {
		last, _ := l.m.LastSync(ctx) // unknown is shown as "never"
		return func() {
			l.status.LastSync = last
			l.notify(false)
			l.syncNow()
		}
	})
}

// syncNow starts a sync, or queues one when a sync is running.
func (l *syncLoop) syncNow() {
	if l.ctx == nil || l.ctx.Err() != nil {
		return
	}
	if l.status.Running {
		l.again = true
		return
	}
	if l.stop != nil {
		l.stop()
		l.stop = nil
	}
	l.status.Running = true
	l.status.Progress = hostsync.SyncProgress{}
	l.notify(false)
	// This sync's own context: done cancels it, so progress reports still on their way are dropped.
	ctx, cancel := context.WithCancel(l.ctx)
	l.env.Run(func() func() {
		res, err := l.m.Sync(ctx, l.src, hostsync.SyncOptions{OnProgress: func(p hostsync.SyncProgress) {
			l.env.Run(func() func() { return func() { l.progress(ctx, p) } })
		}})
		last, lerr := l.m.LastSync(ctx)
		return func() {
			// Cancelled after done so that done can tell a replaced session from a finished sync.
			defer cancel()
			l.done(ctx, res, err, last, lerr)
		}
	})
}

// progress shows a running sync's progress. Reports may arrive out of order: Done only grows.
func (l *syncLoop) progress(ctx context.Context, p hostsync.SyncProgress) {
	if ctx.Err() != nil || p.Done < l.status.Progress.Done {
		return
	}
	l.status.Progress = p
	l.notify(false)
}

func (l *syncLoop) done(ctx context.Context, res hostsync.SyncResult, err error, last time.Time, lerr error) {
	if ctx.Err() != nil {
		return // the session was replaced or the window closed
	}
	l.status.Running = false
	if lerr == nil && !last.IsZero() {
		l.status.LastSync = last
	}
	l.status.Err = err
	if err != nil {
		l.status.FailedAt = l.now()
	}
	// A failed sync keeps every page it committed, so the screens reload either way.
	l.notify(res.Hosts+res.Groups+res.Events > 0)
	if l.again {
		l.again = false
		l.syncNow()
		return
	}
	l.stop = l.env.After(l.every, l.syncNow)
}

func (l *syncLoop) notify(data bool) {
	if l.changed != nil {
		l.changed(l.status, data)
	}
}

// close stops the periodic timer.
func (l *syncLoop) close() {
	if l.stop != nil {
		l.stop()
		l.stop = nil
	}
}
