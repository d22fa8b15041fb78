package directory

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
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
	idp     hostsync.IdP    // the IdP filter ("" for all)
	search  *keyEntry
	count   *widget.Label
	noun    [2]string // "host", "hosts"
	table   *dataTable[hostsync.Host]
	details *hostDetails
	pane    *sidePane           // the table with the details beside it while a host is selected
	shown   hostsync.HostFilter // the query whose result is on screen
	stop    func()              // the pending debounce
	loaded  func()              // after each result (the Deleted screen updates its buttons)
	// none is the empty state without a search; the table's own is for a search that finds nothing.
	none [2]string
}

func newHostList(d *Directory, ctx context.Context, state hostsync.State, cols []column[hostsync.Host], emptyTitle, emptyText, noDetails string) *hostList {
	l := &hostList{d: d, ctx: ctx, state: state, count: &widget.Label{},
		noun: [2]string{"host", "hosts"}, details: newHostDetails(noDetails)}
	l.search = newKeyEntry(l.searchKey)
	l.search.SetPlaceHolder("Search name, email or department")
	l.search.OnChanged = func(string) { l.typed() }
	l.table = newDataTable(d.env.Run, cols, emptyTitle, emptyText)
	l.table.key = func(h hostsync.Host) string { return h.ID }
	l.table.onSort = func() { l.reload(false) }
	l.table.onSelect = func(h hostsync.Host) { l.showDetails(h.ID) }
	l.table.onClear = l.closeDetails
	l.table.onSync = d.SyncNow
	l.table.onError = func(err error) { ui.ShowError(d.env.Window, err) }
	l.pane = newSidePane(l.table.view, l.details.scroll, l.table.clearSelection)
	l.table.onOpen = l.pane.show
	l.table.table.onRune = func(r rune) { typeInto(d.env.Window, l.search, r) }
	return l
}

func (l *hostList) firstField() fyne.Focusable { return l.search }

// searchKey: F5 syncs; Enter or Down moves into the table, on its first row.
func (l *hostList) searchKey(k *fyne.KeyEvent) bool {
	switch k.Name {
	case fyne.KeyF5:
		l.d.SyncNow()
	case fyne.KeyReturn, fyne.KeyEnter, fyne.KeyDown:
		if c := l.d.env.Window.Canvas(); c != nil {
			c.Focus(l.table.table)
		}
		if l.table.row < 0 && l.table.pager.total > 0 {
			l.table.table.Select(widget.TableCellID{Row: 0, Col: l.table.textCol()})
		}
	default:
		return false
	}
	return true
}

// closeDetails hides the details pane (the selection went).
func (l *hostList) closeDetails() {
	l.details.clear(l.details.hint)
	l.pane.hide()
}

func (l *hostList) query() hostsync.HostFilter {
	return hostsync.HostFilter{Search: strings.TrimSpace(l.search.Text), State: l.state, IdP: l.idp, Sort: l.table.sort, Desc: l.table.desc}
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
				// The rows moved (a sync, a restore): the highlight follows the host on display, or
				// goes when the host left this list; the details follow the host.
				l.table.reselect()
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
			if !l.lists(&hd.Host) {
				// Restored, removed or re-filtered away: its details would describe a row that is
				// not in the table, so they close with the selection.
				l.table.clearSelection()
				return
			}
			l.details.show(hd)
			l.pane.show()
		}
	})
}

// lists reports whether h belongs in this list's state and IdP filter.
func (l *hostList) lists(h *hostsync.Host) bool {
	if l.idp != "" && h.IdP != l.idp {
		return false
	}
	switch l.state {
	case hostsync.StateAll:
		return true
	case hostsync.StateRemoved:
		return h.State.Removed()
	case "":
		return h.State == hostsync.StateActive
	}
	return h.State == l.state
}

// filterWords describes the query for the export's activity record.
func filterWords(q hostsync.HostFilter) string {
	state := q.State
	if state == "" {
		state = hostsync.StateActive
	}
	s := "state " + string(state)
	if q.IdP != "" {
		s += ", from " + q.IdP.Name()
	}
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
