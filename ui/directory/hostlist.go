package directory

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/ui"
)

// searchDelay lets a fast typist finish a word before the mirror is asked.
const searchDelay = 150 * time.Millisecond

// hostList is the part the Hosts and Deleted hosts screens share: search-as-you-type, the paged
// sortable table, the count and the details panel, all over one hostsync.HostFilter.
type hostList struct {
	d       *Directory
	ctx     context.Context // the page's
	state   hostsync.State  // the state filter
	search  *widget.Entry
	count   *widget.Label
	noun    [2]string // "host", "hosts"
	table   *dataTable[hostsync.Host]
	details *hostDetails
	shown   hostsync.HostFilter // the query whose result is on screen
	stop    func()              // the pending debounce
	loaded  func()              // after each result (the Deleted screen updates its buttons)
	// none is the empty state without a search; the table's own is for a search that finds nothing.
	none [2]string
}

func newHostList(d *Directory, ctx context.Context, state hostsync.State, cols []column[hostsync.Host], emptyTitle, emptyText, noDetails string) *hostList {
	l := &hostList{d: d, ctx: ctx, state: state, count: &widget.Label{},
		noun: [2]string{"host", "hosts"}, details: newHostDetails(noDetails)}
	l.search = widget.NewEntry()
	l.search.SetPlaceHolder("Search name, userName, email, department or externalId")
	l.search.OnChanged = func(string) { l.typed() }
	l.table = newDataTable(d.env.Run, cols, emptyTitle, emptyText)
	l.table.key = func(h hostsync.Host) string { return h.ID }
	l.table.onSort = func() { l.reload(false) }
	l.table.onSelect = func(h hostsync.Host) { l.showDetails(h.ID) }
	l.table.onError = func(err error) { ui.ShowError(d.env.Window, err) }
	return l
}

func (l *hostList) query() hostsync.HostFilter {
	return hostsync.HostFilter{Search: strings.TrimSpace(l.search.Text), State: l.state, Sort: l.table.sort, Desc: l.table.desc}
}

// typed restarts the debounce: the query runs searchDelay after the last key.
func (l *hostList) typed() {
	if l.stop != nil {
		l.stop()
	}
	l.stop = l.d.env.After(searchDelay, func() {
		l.stop = nil
		l.reload(false)
	})
}

// reload runs the query; keep keeps the scroll position and selection (a sync).
func (l *hostList) reload(keep bool) {
	q, m := l.query(), l.d.deps.Mirror
	l.table.load(l.ctx, func(ctx context.Context) (int, error) { return m.CountHosts(ctx, q) },
		func(ctx context.Context, offset, limit int) ([]hostsync.Host, error) {
			pq := q
			pq.Offset, pq.Limit = offset, limit
			return m.Hosts(ctx, pq)
		},
		func(n int) {
			l.shown = q
			if q.Search == "" && l.none[0] != "" {
				l.table.setEmpty(l.none[0], l.none[1])
			} else {
				l.table.setEmpty("Nothing matches", "No "+l.noun[1]+" match this search and filter.")
			}
			if !keep {
				l.table.scrollTop()
			}
			l.count.SetText(hostsync.Plural(n, l.noun[0], l.noun[1]))
			if keep && l.details.id != "" {
				l.showDetails(l.details.id)
			}
			if l.loaded != nil {
				l.loaded()
			}
		})
}

// showDetails reads one host's details off the UI goroutine.
func (l *hostList) showDetails(id string) {
	m, ctx := l.d.deps.Mirror, l.ctx
	l.d.env.Run(func() func() {
		hd, err := m.HostDetail(ctx, id)
		return func() {
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				l.details.clear("This host is no longer in the directory.")
				return
			}
			l.details.show(hd)
		}
	})
}

// filterWords describes the query for the export's activity record.
func filterWords(q hostsync.HostFilter) string {
	state := q.State
	if state == "" {
		state = hostsync.StateActive
	}
	s := "state " + string(state)
	if q.Search != "" {
		s += fmt.Sprintf(", search %q", q.Search)
	}
	if q.Sort != "" {
		dir := "ascending"
		if q.Desc {
			dir = "descending"
		}
		s += ", sorted by " + q.Sort + " " + dir
	}
	return s
}
