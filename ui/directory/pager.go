package directory

import (
	"context"

	"github.com/visitly/hostsync/ui"
)

// Page geometry of the virtualised tables: a table shows a few dozen rows, so six pages of 100 keep
// the rows around the visible ones (and a fast scroll's worth) without holding a 100,000-row result.
const (
	pageSize = 100
	maxPages = 6
)

// pager keeps a window of a long query result for a virtualised table. Rows are fetched a page at a
// time off the UI goroutine, around the rows the table asks for; all methods run on the UI goroutine.
type pager[T any] struct {
	run      ui.Runner
	ctx      context.Context                                           // the current query's: done once a newer one starts
	fetch    func(ctx context.Context, offset, limit int) ([]T, error) // the current query; called off the UI goroutine
	total    int
	pages    map[int][]T
	used     map[int]int // page → last use, for eviction
	inflight map[int]bool
	tick     int
	updating bool // inside the table's update callback: no Refresh from there

	onLoaded func() // a page arrived: refresh the table
	onError  func(error)
}

func newPager[T any](run ui.Runner) *pager[T] {
	return &pager[T]{run: run, pages: map[int][]T{}, used: map[int]int{}, inflight: map[int]bool{}}
}

// reset starts a new query result of total rows whose first page is first. ctx is the query's:
// pages that arrive after it is done belong to an older query and are dropped.
func (p *pager[T]) reset(ctx context.Context, total int, first []T, fetch func(ctx context.Context, offset, limit int) ([]T, error)) {
	p.ctx, p.total, p.fetch = ctx, total, fetch
	p.pages, p.used, p.inflight = map[int][]T{}, map[int]int{}, map[int]bool{}
	if len(first) > 0 {
		p.pages[0] = first
	}
}

// row returns row i if its page is loaded, and asks for the page (and the neighbour the table is
// scrolling towards) otherwise.
func (p *pager[T]) row(i int) (T, bool) {
	var zero T
	if i < 0 || i >= p.total {
		return zero, false
	}
	n, off := i/pageSize, i%pageSize
	switch {
	case off >= pageSize*4/5 && (n+1)*pageSize < p.total:
		p.load(n + 1)
	case off < pageSize/5 && n > 0:
		p.load(n - 1)
	}
	rows, ok := p.pages[n]
	if !ok {
		p.load(n)
		rows, ok = p.pages[n] // an inline runner has loaded it already
	}
	if !ok || off >= len(rows) {
		return zero, false
	}
	p.tick++
	p.used[n] = p.tick
	return rows[off], true
}

func (p *pager[T]) load(n int) {
	if _, ok := p.pages[n]; ok || p.inflight[n] || p.fetch == nil {
		return
	}
	p.inflight[n] = true
	ctx, fetch := p.ctx, p.fetch
	p.run(func() func() {
		rows, err := fetch(ctx, n*pageSize, pageSize)
		return func() {
			if ctx.Err() != nil {
				return // a newer query took over, or the page was left
			}
			delete(p.inflight, n)
			if err != nil {
				if p.onError != nil {
					p.onError(err)
				}
				return
			}
			p.pages[n] = rows
			p.tick++
			p.used[n] = p.tick
			p.evict()
			if !p.updating && p.onLoaded != nil {
				p.onLoaded()
			}
		}
	})
}

// evict drops the least recently used pages beyond maxPages.
func (p *pager[T]) evict() {
	for len(p.pages) > maxPages {
		oldest, at := -1, 0
		for n := range p.pages {
			if oldest < 0 || p.used[n] < at {
				oldest, at = n, p.used[n]
			}
		}
		delete(p.pages, oldest)
		delete(p.used, oldest)
	}
}

// cached is how many rows are held (tests, memory).
func (p *pager[T]) cached() int {
	n := 0
	for _, rows := range p.pages {
		n += len(rows)
	}
	return n
}
