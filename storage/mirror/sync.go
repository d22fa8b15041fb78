package mirror

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/visitly/hostsync"
	"golang.org/x/sync/errgroup"
)

// HeadSource is optionally implemented by a hostsync.Feed that can tell the
// service's latest seq (GET /status "cursor"), which turns progress into a
// fraction instead of an open-ended count. *scimclient.Client implements it.
type HeadSource interface {
	Status(ctx context.Context) (*hostsync.Status, error)
}

// ErrFeedStuck is returned when the service says there is more but its
// cursor does not move, which would otherwise loop forever.
var ErrFeedStuck = errors.New("mirror: feed cursor does not advance")

// Sync brings the mirror up to date with src: it reads the change feed and
// the activity log, each from its stored cursor until `more` is false, side
// by side when there is much to read (a first sync). Each page is committed
// with its cursor in one transaction, so a sync that is cancelled, fails or
// is killed half way keeps every committed page and the next Sync resumes
// after it. While one page is being written the next is already being
// fetched.
//
// A first sync into an empty mirror loads hosts without updating the search
// index row by row and rebuilds it once the change feed is read; until then
// (also if that sync is interrupted, until a later one completes) search
// finds only hosts indexed before.
func (m *Mirror) Sync(ctx context.Context, src hostsync.Feed, opt hostsync.SyncOptions) (hostsync.SyncResult, error) {
	m.syncMu.Lock()
	defer m.syncMu.Unlock()
	start := m.now()
	if opt.ChangesPage <= 0 {
		opt.ChangesPage = 5000
	}
	if opt.ActivityPage <= 0 {
		opt.ActivityPage = 5000
	}
	var head int64
	haveHead := false
	if hs, ok := src.(HeadSource); ok {
		// Only an estimate for the progress bar: failing to get it is no reason to fail the sync.
		if st, err := hs.Status(ctx); err == nil {
			head, haveHead = st.Cursor, true
		}
	}
	c0, a0, err := m.Cursors(ctx)
	if err != nil {
		return hostsync.SyncResult{}, err
	}
	if haveHead && c0 > head {
		// The service is behind what we hold: its database was replaced.
		// Start over rather than wait for its seq to pass ours.
		if err := m.Reset(ctx); err != nil {
			return hostsync.SyncResult{}, err
		}
		c0, a0 = 0, 0
	}
	res := hostsync.SyncResult{ChangesCursor: c0, ActivityCursor: a0}
	bulk, err := m.beginBulk(ctx)
	if err != nil {
		return res, err
	}
	var mu sync.Mutex // guards res and serialises OnProgress between the two feeds
	report := func(phase string) {
		if opt.OnProgress == nil {
			return
		}
		p := hostsync.SyncProgress{Phase: phase, Done: (res.ChangesCursor - c0) + (res.ActivityCursor - a0),
			Hosts: res.Hosts, Groups: res.Groups, Events: res.Events}
		if head > 0 {
			p.Total = max(head-c0, 0) + max(head-a0, 0)
			p.Total = max(p.Total, p.Done)
		}
		opt.OnProgress(p)
	}
	report("changes")

	changes := func(ctx context.Context) error {
		err := pump(ctx, c0, func(ctx context.Context, since int64) (Batch, int64, bool, error) {
			p, err := src.Changes(ctx, since, opt.ChangesPage)
			if err != nil {
				return Batch{}, 0, false, err
			}
			// Built here, on the fetching goroutine, so that decoding resources
			// overlaps with writing the previous page.
			b := Batch{ChangesCursor: p.Cursor, derived: true}
			for _, c := range p.Changes {
				switch {
				case c.Host != nil:
					h := *c.Host
					h.Department, h.Title = resourceFields(h.Resource)
					b.Hosts = append(b.Hosts, h)
				case c.Group != nil:
					b.Groups = append(b.Groups, *c.Group)
				}
			}
			return b, p.Cursor, p.More, nil
		}, func(b Batch) error {
			if err := m.Apply(ctx, b); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			res.Hosts += len(b.Hosts)
			res.Groups += len(b.Groups)
			res.ChangesCursor = max(res.ChangesCursor, b.ChangesCursor)
			report("changes")
			return nil
		})
		if err == nil && bulk {
			err = m.endBulk(ctx)
		}
		if err != nil {
			return fmt.Errorf("mirror: sync changes: %w", err)
		}
		return nil
	}
	activity := func(ctx context.Context) error {
		err := pump(ctx, a0, func(ctx context.Context, since int64) (*hostsync.ActivityPage, int64, bool, error) {
			p, err := src.Activity(ctx, hostsync.ActivityQuery{Since: since, Limit: opt.ActivityPage})
			if err != nil {
				return nil, 0, false, err
			}
			return p, p.Cursor, p.More, nil
		}, func(p *hostsync.ActivityPage) error {
			if err := m.Apply(ctx, Batch{Events: p.Events, ActivityCursor: p.Cursor}); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			res.Events += len(p.Events)
			res.ActivityCursor = max(res.ActivityCursor, p.Cursor)
			report("activity")
			return nil
		})
		if err != nil {
			return fmt.Errorf("mirror: sync activity: %w", err)
		}
		return nil
	}
	// Side by side, one feed's pages are fetched while the other's are
	// written, which makes a long sync much shorter; for a few changes it
	// only costs CPU (the service warms two of its readers instead of one),
	// so a short sync reads one feed after the other.
	if c0 == 0 || (haveHead && head-c0 > sideBySideFrom) {
		// errgroup: the first feed to fail cancels the other, and its error
		// (not the cancellation it caused) is the one returned.
		g, gctx := errgroup.WithContext(ctx)
		g.Go(func() error { return changes(gctx) })
		g.Go(func() error { return activity(gctx) })
		err = g.Wait()
	} else if err = changes(ctx); err == nil {
		err = activity(ctx)
	}
	if err == nil {
		err = m.setLastSync(ctx, m.now())
	}
	res.Duration = m.now().Sub(start)
	return res, err
}

// sideBySideFrom is how many changes make a sync read both feeds side by
// side.
const sideBySideFrom = 10_000

// fetched is one page handed from the fetching goroutine to the writer.
type fetched[P any] struct {
	page P
	err  error
}

// pump reads pages with fetch from since on, one ahead of apply, until a page
// says there is no more. apply runs on the caller's goroutine, in order.
func pump[P any](ctx context.Context, since int64,
	fetch func(context.Context, int64) (P, int64, bool, error), apply func(P) error) error {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan fetched[P], 1)
	go func() {
		defer close(ch)
		for {
			p, cursor, more, err := fetch(ctx, since)
			if err == nil && more && cursor <= since {
				err = fmt.Errorf("%w: more after cursor %d", ErrFeedStuck, cursor)
			}
			select {
			case ch <- fetched[P]{p, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || !more {
				return
			}
			since = cursor
		}
	}()
	defer func() {
		cancel()
		for range ch { // let the fetcher finish before returning
		}
	}()
	for f := range ch {
		if f.err != nil {
			return f.err
		}
		if err := apply(f.page); err != nil {
			return err
		}
	}
	return ctx.Err()
}
