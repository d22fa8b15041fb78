package directory

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

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
	host    *widget.Entry
	rng     *widget.Select
	from    *widget.Entry
	to      *widget.Entry
	count   *widget.Label
	table   *dataTable[hostsync.Event]
	detail  *fyne.Container
	scroll  *container.Scroll
	export  *widget.Button
	stop    func()
}

func activityColumns() []column[hostsync.Event] {
	return []column[hostsync.Event]{
		{title: "When", width: 140, text: func(e hostsync.Event) string { return whenLocal(e.At) }},
		{title: "Action", width: 250, text: func(e hostsync.Event) string { return ActionWords(e.Action) },
			tone: func(e hostsync.Event) widget.Importance { return actionTone(e.Action) }},
		{title: "Host", width: 220, text: func(e hostsync.Event) string { return e.UserName }},
		{title: "By", width: 190, text: func(e hostsync.Event) string { return eventActor(&e) }},
		{title: "Changes", width: 320, text: func(e hostsync.Event) string { return changesLine(e) }},
	}
}

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
	s.host = widget.NewEntry()
	s.host.SetPlaceHolder("Host (userName starts with…)")
	s.host.OnChanged = func(string) { s.typed() }
	labels := make([]string, len(activityRanges))
	for i, r := range activityRanges {
		labels[i] = r.label
	}
	s.rng = widget.NewSelect(labels, func(string) { s.reload(false) })
	s.rng.Selected = labels[0]
	s.from, s.to = widget.NewEntry(), widget.NewEntry()
	s.from.SetPlaceHolder("From YYYY-MM-DD")
	s.to.SetPlaceHolder("To YYYY-MM-DD")
	s.from.OnChanged = func(string) { s.typed() }
	s.to.OnChanged = func(string) { s.typed() }
	s.table = newDataTable(d.env.Run, activityColumns(), "No activity matches",
		"Nothing in the mirrored activity log matches these filters. Widen the date range or clear the search.")
	s.table.onSelect = s.showDetail
	s.table.onError = func(err error) { ui.ShowError(d.env.Window, err) }
	s.scroll = container.NewVScroll(s.detail)
	s.clearDetail()
	s.export = &widget.Button{Text: "Export…", Icon: theme.DocumentSaveIcon(), OnTapped: s.exportCurrent}
	return s
}

func (s *activityScreen) view() fyne.CanvasObject {
	dates := container.NewGridWithColumns(2, s.from, s.to)
	toolbar := container.NewBorder(nil, nil, container.NewHBox(s.action, s.rng),
		container.NewHBox(container.NewGridWrap(fyne.NewSize(360, s.from.MinSize().Height), dates), s.export), s.host)
	split := container.NewHSplit(s.table.view, s.scroll)
	split.Offset = 0.66
	return page("Activity", s.count, s.st, toolbar, split)
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

// query is the filter on screen. Dates are local calendar days; To includes its whole day.
func (s *activityScreen) query() hostsync.EventFilter {
	q := hostsync.EventFilter{Action: s.actions[s.action.Selected], UserName: strings.TrimSpace(s.host.Text)}
	for _, r := range activityRanges {
		if r.label == s.rng.Selected && r.d > 0 {
			q.From = s.d.now().Add(-r.d)
		}
	}
	if t, err := parseDay(s.from.Text); err == nil && !t.IsZero() {
		q.From = t
	}
	if t, err := parseDay(s.to.Text); err == nil && !t.IsZero() {
		q.To = t.AddDate(0, 0, 1)
	}
	return q
}

// reload runs the query; keep keeps the scroll position and the entry shown (a sync).
func (s *activityScreen) reload(keep bool) {
	q, m := s.query(), s.d.deps.Mirror
	s.table.load(s.ctx, func(ctx context.Context) (int, error) { return m.CountActivity(ctx, q) },
		func(ctx context.Context, offset, limit int) ([]hostsync.Event, error) {
			pq := q
			pq.Offset, pq.Limit = offset, limit
			return m.Activity(ctx, pq)
		},
		func(n int) {
			if !keep {
				s.table.scrollTop()
				s.clearDetail()
			}
			s.count.SetText(hostsync.Plural(n, "entry", "entries"))
		})
}

func (s *activityScreen) clearDetail() {
	hint := wrapped("Select an entry to see what changed, old → new, who did it and why.", widget.LowImportance)
	hint.Alignment = fyne.TextAlignCenter
	s.detail.Objects = []fyne.CanvasObject{container.NewCenter(widget.NewIcon(theme.HistoryIcon())), hint}
	s.detail.Refresh()
}

// showDetail shows one entry in full.
func (s *activityScreen) showDetail(e hostsync.Event) {
	title := &widget.Label{Text: ActionWords(e.Action), Importance: actionTone(e.Action), TextStyle: fyne.TextStyle{Bold: true},
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
}

// exportCurrent exports the entries matching the filter on screen.
func (s *activityScreen) exportCurrent() {
	q, m := s.query(), s.d.deps.Mirror
	filter := "action " + s.action.Selected + ", " + s.rng.Selected
	if q.UserName != "" {
		filter += fmt.Sprintf(", host %q", q.UserName)
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

// parseDay reads a local calendar day; empty is the zero time.
func parseDay(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation("2006-01-02", s, time.Local)
}
