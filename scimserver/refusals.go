package scimserver

import (
	"context"
	"sync"
	"time"

	"github.com/visitly/hostsync"
)

// Refused calls are a stranger's to make: anyone who can reach the service
// can send them by the thousand. So they reach the store aggregated, per
// door (SCIM or admin API) and source address per minute: the first refusal
// of a source is recorded at once (the header shows it), the rest of its
// minute as one entry ("1,240 refused calls from 203.0.113.7"). At most
// maxRefusalSources sources are followed at a time (the rest share one
// entry), and at most maxPromptRefusals first refusals a minute are recorded
// at once, so what an unauthenticated flood adds to the log is bounded
// whatever its size and spread.
const (
	refusalWindow       = time.Minute
	maxRefusalSources   = 256
	maxPromptRefusals   = 30
	otherRefusalSources = "other addresses"
)

type refusalKey struct {
	admin  bool
	remote string
}

// refusalMinute is one source's refusals in its current minute.
type refusalMinute struct {
	since   time.Time
	pending int                   // refusals not recorded yet
	last    hostsync.RejectedCall // the latest of them
	timer   *time.Timer
}

type refusals struct {
	st Store

	mu      sync.Mutex
	bySrc   map[refusalKey]*refusalMinute
	prompt  int       // first refusals recorded at once in the minute from promptSince
	since   time.Time // start of that minute
	stopped bool
}

// note takes one refused call.
func (f *refusals) note(c hostsync.RejectedCall) {
	f.mu.Lock()
	if f.stopped {
		f.mu.Unlock()
		return
	}
	if f.bySrc == nil {
		f.bySrc = map[refusalKey]*refusalMinute{}
	}
	key := refusalKey{c.Admin, c.Remote}
	m := f.bySrc[key]
	if m == nil && len(f.bySrc) >= maxRefusalSources {
		key.remote = otherRefusalSources
		c.Remote = otherRefusalSources
		m = f.bySrc[key]
	}
	if m != nil {
		m.pending++
		m.last = c
		f.mu.Unlock()
		return
	}
	m = &refusalMinute{since: c.At, last: c}
	f.bySrc[key] = m
	m.timer = time.AfterFunc(refusalWindow, func() { f.flush(key) })
	if c.At.Sub(f.since) >= refusalWindow {
		f.since, f.prompt = c.At, 0
	}
	now := f.prompt < maxPromptRefusals && key.remote != otherRefusalSources
	if now {
		f.prompt++
	} else {
		m.pending = 1
	}
	f.mu.Unlock()
	if now {
		f.record(c)
	}
}

// flush records what a source's minute still holds and ends the minute.
func (f *refusals) flush(key refusalKey) {
	f.mu.Lock()
	m := f.bySrc[key]
	delete(f.bySrc, key)
	f.mu.Unlock()
	if m != nil && m.pending > 0 {
		c := m.last
		c.Count, c.Since = m.pending, m.since
		f.record(c)
	}
}

// stop records every pending minute now and takes no more refusals: the
// service is shutting down and its store about to close.
func (f *refusals) stop() {
	f.mu.Lock()
	f.stopped = true
	keys := make([]refusalKey, 0, len(f.bySrc))
	for k, m := range f.bySrc {
		m.timer.Stop()
		keys = append(keys, k)
	}
	f.mu.Unlock()
	for _, k := range keys {
		f.flush(k)
	}
}

func (f *refusals) record(c hostsync.RejectedCall) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	f.st.RecordRejected(ctx, c)
}
