package directory

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/ui"
)

// Date range presets of the Activity screen; a From/To date typed by hand wins over them.
var activityRanges = []struct {
	label string
	d     time.Duration // 0 = all time
}{
	{"All time", 0},
	{"Last hour", time.Hour},
	{"Last 24 hours", 24 * time.Hour},
	{"Last 7 days", 7 * 24 * time.Hour},
	{"Last 30 days", 30 * 24 * time.Hour},
}

const allActions = "All actions"

// activityScreen is the Activity page: the service's activity log as mirrored, newest first.
type activityScreen struct {
	d       *Directory
	ctx     context.Context
	st      *statusView
	action  *widget.Select
	actions map[string]string // label → action
	host    *keyEntry
	rng     *widget.Select
	from    *dayEntry
	to      *dayEntry
	dateErr *widget.Label // what is wrong with the dates, next to them
	count   *widget.Label
	table   *dataTable[hostsync.Event]
	detail  *fyne.Container
	scroll  *container.Scroll
	pane    *sidePane
	export  *widget.Button
	stop    func()
}

func activityColumns() []column[hostsync.Event] {
	return []column[hostsync.Event]{
		{title: "When", width: 140, text: func(e hostsync.Event) string { return whenLocal(e.At) }},
		{title: "Action", width: 190, grow: 1, text: func(e hostsync.Event) string { return EventWords(&e) },
			tone: func(e hostsync.Event) widget.Importance { return actionTone(e.Action) }},
		{title: "Host", width: 170, grow: 2, text: func(e hostsync.Event) string { return e.UserName }},
		{title: "By", width: 150, grow: 1, drop: 1, text: func(e hostsync.Event) string { return eventActor(&e) }},
		{title: "Changes", width: 240, grow: 4, drop: 2, text: func(e hostsync.Event) string { return changesLine(e) }},
	}
}

func (s *activityScreen) firstField() fyne.Focusable { return s.host }

// ActivityPage builds the Activity screen and makes it the one told about syncs.
func (d *Directory) ActivityPage(ctx context.Context) fyne.CanvasObject {
	s := d.newActivityScreen(ctx)
	d.enter(s)
	s.loadActions()
	s.reload(false)
	return s.view()
}

func (d *Directory) newActivityScreen(ctx context.Context) *activityScreen {
	s := &activityScreen{d: d, ctx: ctx, count: &widget.Label{},
		actions: map[string]string{}, detail: container.NewVBox()}
	s.st = newStatusView(d.SyncNow, d.review)
	s.action = widget.NewSelect([]string{allActions}, func(string) { s.reload(false) })
	s.action.Selected = allActions
	s.host = newKeyEntry(s.entryKey)
	s.host.SetPlaceHolder("Host: name, email or department")
	s.host.OnChanged = func(string) { s.typed() }
	labels := make([]string, len(activityRanges))
	for i, r := range activityRanges {
		labels[i] = r.label
	}
	s.rng = widget.NewSelect(labels, func(string) { s.reload(false) })
	s.rng.Selected = labels[0]
	layout := pickerLayout()
	s.from = newDayEntry(layout, "From", s.typed, s.entryKey)
	s.to = newDayEntry(layout, "To", s.typed, s.entryKey)
	s.dateErr = &widget.Label{Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord}
	s.dateErr.Hide()
	s.table = newDataTable(d.env.Run, activityColumns(), "No activity matches",
		"Nothing in the mirrored activity log matches these filters. Widen the date range or clear the search.")
	s.table.key = func(e hostsync.Event) string { return strconv.FormatInt(e.Seq, 10) }
	s.table.onSelect = s.showDetail
	s.table.onClear = s.clearDetail
	s.table.onSync = d.SyncNow
	s.table.onError = func(err error) { ui.ShowError(d.env.Window, err) }
	s.scroll = container.NewVScroll(s.detail)
	s.pane = newSidePane(s.table.view, s.scroll, s.table.clearSelection)
	s.table.onOpen = s.pane.show
	s.table.table.onRune = func(r rune) { typeInto(d.env.Window, s.host, r) }
	s.clearDetail()
	s.export = &widget.Button{Text: "Export…", Icon: theme.DocumentSaveIcon(), OnTapped: s.exportCurrent}
	return s
}

// entryKey: F5 syncs from the filter fields too.
func (s *activityScreen) entryKey(k *fyne.KeyEvent) bool {
	if k.Name == fyne.KeyF5 {
		s.d.SyncNow()
		return true
	}
	return false
}

func (s *activityScreen) view() fyne.CanvasObject {
	// The dates have a row of their own, with their error beside them: on one row with the other
	// filters the page would not fit a window narrower than about 1,100 px.
	size := fyne.NewSize(210, s.from.MinSize().Height)
	dates := container.NewHBox(container.NewGridWrap(size, s.from), container.NewGridWrap(size, s.to))
	toolbar := container.NewVBox(
		container.NewBorder(nil, nil, container.NewHBox(s.action, s.rng), s.export, s.host),
		container.NewBorder(nil, nil, dates, nil, s.dateErr))
	return page("Activity", s.count, s.st, toolbar, s.pane.box)
}

func (s *activityScreen) status() *statusView { return s.st }

func (s *activityScreen) dataChanged() {
	s.loadActions()
	s.reload(true)
}

func (s *activityScreen) typed() {
	if s.stop != nil {
		s.stop()
	}
	s.stop = s.d.env.After(searchDelay, func() {
		s.stop = nil
		s.reload(false)
	})
}

// loadActions fills the action filter with the actions the log holds.
func (s *activityScreen) loadActions() {
	m, ctx := s.d.deps.Mirror, s.ctx
	s.d.env.Run(func() func() {
		acts, err := m.Actions(ctx)
		return func() {
			if err != nil || ctx.Err() != nil {
				return
			}
			opts := []string{allActions}
			for _, a := range acts {
				l := ActionWords(a)
				s.actions[l] = a
				opts = append(opts, l)
			}
			s.action.Options = opts
			s.action.Refresh()
		}
	})
}

// query is the filter on screen, or what is wrong with its dates. Dates are local calendar days;
// To includes its whole day; a date typed wins over the range preset.
func (s *activityScreen) query() (hostsync.EventFilter, error) {
	q := hostsync.EventFilter{Action: s.actions[s.action.Selected], Host: strings.TrimSpace(s.host.Text)}
	for _, r := range activityRanges {
		if r.label == s.rng.Selected && r.d > 0 {
			q.From = s.d.now().Add(-r.d)
		}
	}
	from, ferr := s.from.day()
	to, terr := s.to.day()
	if err := errors.Join(ferr, terr); err != nil {
		return q, err
	}
	if !from.IsZero() {
		q.From = from
	}
	if !to.IsZero() {
		q.To = to.AddDate(0, 0, 1)
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return q, errors.New("the From date is after the To date: nothing can match")
	}
	return q, nil
}

// reload runs the query; keep keeps the scroll position and the entry shown (a sync).
func (s *activityScreen) reload(keep bool) {
	q, err := s.query()
	if err != nil {
		// The table keeps the last result; the error says why it does not follow the dates.
		s.dateErr.SetText(capitalize(err.Error()) + ".")
		s.dateErr.Show()
		return
	}
	s.dateErr.Hide()
	m := s.d.deps.Mirror
	s.table.load(s.ctx, func(ctx context.Context) (int, error) { return m.CountActivity(ctx, q) },
		func(ctx context.Context, offset, limit int) ([]hostsync.Event, error) {
			pq := q
			pq.Offset, pq.Limit = offset, limit
			return m.Activity(ctx, pq)
		},
		func(n int) {
			if keep {
				s.table.reselect()
			} else {
				s.table.scrollTop()
			}
			s.count.SetText(hostsync.Plural(n, "entry", "entries"))
		})
}

func (s *activityScreen) clearDetail() {
	hint := wrapped("Select an entry to see what changed, old → new, who did it and why.", widget.LowImportance)
	hint.Alignment = fyne.TextAlignCenter
	s.detail.Objects = []fyne.CanvasObject{container.NewCenter(widget.NewIcon(theme.HistoryIcon())), hint}
	s.detail.Refresh()
	s.pane.hide()
}

// showDetail shows one entry in full.
func (s *activityScreen) showDetail(e hostsync.Event) {
	title := &widget.Label{Text: EventWords(&e), Importance: actionTone(e.Action), TextStyle: fyne.TextStyle{Bold: true},
		SizeName: theme.SizeNameSubHeadingText, Wrapping: fyne.TextWrapWord}
	objs := []fyne.CanvasObject{title, form(eventRows(&e)), techDetails(eventTechRows(&e))}
	if len(e.Changes) > 0 {
		objs = append(objs, heading("Changes"))
		for _, c := range e.Changes {
			objs = append(objs, wrapped(fmt.Sprintf("%s: %s → %s", fieldWords(c.Field), valueWords(c.Old), valueWords(c.New)),
				widget.MediumImportance))
		}
	}
	if e.Detail != "" {
		objs = append(objs, heading("Detail"), wrapped(e.Detail, widget.MediumImportance))
	}
	s.detail.Objects = objs
	s.detail.Refresh()
	s.scroll.ScrollToTop()
	s.pane.show()
}

// exportCurrent exports the entries matching the filter on screen.
func (s *activityScreen) exportCurrent() {
	q, err := s.query()
	if err != nil {
		ui.ShowError(s.d.env.Window, fmt.Errorf("export: %w", err))
		return
	}
	m := s.d.deps.Mirror
	filter := "action " + s.action.Selected + ", " + s.rng.Selected
	if q.Host != "" {
		filter += fmt.Sprintf(", host %q", q.Host)
	}
	if s.from.Text != "" || s.to.Text != "" {
		filter += fmt.Sprintf(", from %q to %q", s.from.Text, s.to.Text)
	}
	s.d.export(exportJob{what: "activity", base: "activity", filter: filter,
		write: func(ctx context.Context, w io.Writer, opt hostsync.ExportOptions) (int, error) {
			return m.ExportActivity(ctx, w, q, opt)
		}})
}

// changesLine is an entry's changes on one table line.
func changesLine(e hostsync.Event) string {
	parts := make([]string, 0, len(e.Changes))
	for _, c := range e.Changes {
		parts = append(parts, fieldWords(c.Field)+": "+valueWords(c.Old)+" → "+valueWords(c.New))
	}
	if len(parts) == 0 {
		return e.Detail
	}
	return strings.Join(parts, "; ")
}

// capitalize starts a sentence made of an error's text.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
