package directory

import (
	"context"
	"fmt"
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
)

// State filter choices of the Hosts screen.
var hostStates = []struct {
	label string
	state hostsync.State
}{
	{"Active", hostsync.StateActive},
	{"Deactivated", hostsync.StateDeactivated},
	{"All", hostsync.StateAll},
}

// hostsScreen is the Hosts page: every host the identity providers provisioned, searchable and
// sortable.
type hostsScreen struct {
	*hostList
	st     *statusView
	filter *widget.RadioGroup
	idps   *widget.Select // by identity provider; shown only while more than one has hosts
	export *widget.Button
	// elsewhere says that the search also matches removed hosts, with a way to them.
	elsewhere     *fyne.Container
	elsewhereText *widget.Label
	elsewhereGo   *widget.Button
}

// The Hosts table's columns; hostIdPCol is the one hidden while only one IdP has hosts.
const hostIdPCol = 4

func hostColumns() []column[hostsync.Host] {
	return []column[hostsync.Host]{
		{title: "Name", width: 150, grow: 2, sort: hostsync.SortDisplayName, text: func(h hostsync.Host) string { return h.DisplayName }},
		{title: "Email / sign-in", width: 200, grow: 3, sort: hostsync.SortEmail, text: signIn},
		{title: "Department", width: 110, grow: 1, drop: 3, sort: hostsync.SortDepartment, text: func(h hostsync.Host) string { return h.Department }},
		{title: "Title", width: 120, grow: 1.5, drop: 4, sort: hostsync.SortTitle, text: func(h hostsync.Host) string { return h.Title }},
		{title: "From", width: 90, drop: 6, text: func(h hostsync.Host) string { return idpName(h.IdP) }},
		{title: "Last changed", width: 140, drop: 5, sort: hostsync.SortModified, text: func(h hostsync.Host) string { return whenLocal(h.Modified) }},
		{title: "State", width: 140, grow: 0.5, sort: hostsync.SortState, text: func(h hostsync.Host) string { return stateWords(&h) },
			tone: func(h hostsync.Host) widget.Importance { return stateTone(&h) }},
	}
}

// signIn is the host's email, and its userName too when that is something else: one column
// instead of two that mostly repeat each other.
func signIn(h hostsync.Host) string {
	switch {
	case h.Email == "":
		return h.UserName
	case h.UserName == "" || strings.EqualFold(h.Email, h.UserName):
		return h.Email
	}
	return h.Email + " (sign-in " + h.UserName + ")"
}

// idpName names the IdP that provisioned a host; "" when not known (the empty IdP of a host is
// not Azure AD's for sure, unlike an older key's).
func idpName(p hostsync.IdP) string {
	if p == "" {
		return ""
	}
	return p.Name()
}

const allIdPs = "All sources"

// HostsPage builds the Hosts screen and makes it the one told about syncs.
func (d *Directory) HostsPage(ctx context.Context) fyne.CanvasObject {
	s := d.newHostsScreen(ctx)
	d.enter(s)
	s.reload(false)
	s.checkIdPs()
	return s.view()
}

func (d *Directory) newHostsScreen(ctx context.Context) *hostsScreen {
	s := &hostsScreen{hostList: newHostList(d, ctx, hostsync.StateActive, hostColumns(),
		"No hosts match", "Nothing matches this search and filter.",
		"Select a host to see all its attributes, its groups, how Azure AD matches it and its history.")}
	s.table.sort = hostsync.SortDisplayName
	s.table.hide(hostIdPCol, true)
	s.none = [2]string{"No hosts here yet", "Azure AD has not provisioned anyone in this state. New users appear after " +
		"its next provisioning cycle (every 20 to 40 minutes) and the console's next sync."}
	s.st = newStatusView(d.SyncNow, d.review)
	labels := make([]string, len(hostStates))
	for i, hs := range hostStates {
		labels[i] = hs.label
	}
	s.filter = widget.NewRadioGroup(labels, func(label string) {
		for _, hs := range hostStates {
			if hs.label == label && s.state != hs.state {
				s.state = hs.state
				s.reload(false)
			}
		}
	})
	s.filter.Horizontal = true
	s.filter.Required = true
	s.filter.Selected = hostStates[0].label
	opts := []string{allIdPs}
	for _, p := range hostsync.IdPs {
		opts = append(opts, p.Name())
	}
	s.idps = widget.NewSelect(opts, func(name string) {
		p := hostsync.IdP("")
		for _, q := range hostsync.IdPs {
			if q.Name() == name {
				p = q
			}
		}
		if p != s.idp {
			s.idp = p
			s.reload(false)
		}
	})
	s.idps.Selected = allIdPs
	s.idps.Hide()
	s.export = &widget.Button{Text: "Export…", Icon: theme.DocumentSaveIcon(), OnTapped: s.exportCurrent}
	s.elsewhereText = widget.NewLabel("")
	s.elsewhereText.Wrapping = fyne.TextWrapWord
	s.elsewhereGo = &widget.Button{Text: "Show in Deleted hosts", Icon: theme.NavigateNextIcon(), OnTapped: s.goDeleted}
	s.elsewhere = container.NewBorder(nil, nil, widget.NewIcon(theme.InfoIcon()), s.elsewhereGo, s.elsewhereText)
	s.elsewhere.Hide()
	s.loaded = s.checkElsewhere
	return s
}

func (s *hostsScreen) view() fyne.CanvasObject {
	toolbar := container.NewBorder(nil, nil, container.NewHBox(widget.NewIcon(theme.SearchIcon())),
		container.NewHBox(s.filter, s.idps, s.export), s.search)
	body := container.NewBorder(s.elsewhere, nil, nil, nil, s.pane.box)
	return page("Hosts", s.count, s.st, toolbar, body)
}

// checkIdPs shows the IdP filter and column once more than one identity provider has hosts.
func (s *hostsScreen) checkIdPs() {
	m, ctx := s.d.deps.Mirror, s.ctx
	s.d.env.Run(func() func() {
		opts := []string{allIdPs} // the IdPs that have hosts
		var err error
		for _, p := range hostsync.IdPs {
			var n int
			if n, err = m.CountHosts(ctx, hostsync.HostFilter{State: hostsync.StateAll, IdP: p}); err != nil {
				break
			}
			if n > 0 || p == s.idp {
				opts = append(opts, p.Name())
			}
		}
		show := err == nil && len(opts) > 2
		return func() {
			if ctx.Err() != nil {
				return
			}
			if err == nil {
				s.idps.SetOptions(opts)
			}
			if show || s.idp != "" {
				s.idps.Show()
			} else {
				s.idps.Hide()
			}
			s.table.hide(hostIdPCol, !show)
		}
	})
}

// checkElsewhere tells, after a search, how many removed hosts it matches too: the office manager
// looking for someone who left finds them in Deleted hosts.
func (s *hostsScreen) checkElsewhere() {
	q := s.query()
	var other hostsync.State
	switch q.State {
	case hostsync.StateActive, "":
		other = hostsync.StateRemoved
	case hostsync.StateDeactivated:
		other = hostsync.StateDeleted
	}
	if q.Search == "" || other == "" {
		s.elsewhere.Hide()
		return
	}
	m, ctx := s.d.deps.Mirror, s.ctx
	s.d.env.Run(func() func() {
		n, err := m.CountHosts(ctx, hostsync.HostFilter{Search: q.Search, State: other, IdP: q.IdP})
		return func() {
			if ctx.Err() != nil || strings.TrimSpace(s.search.Text) != q.Search {
				return
			}
			if err != nil || n == 0 {
				s.elsewhere.Hide()
				return
			}
			s.elsewhereText.SetText(fmt.Sprintf("%s matching “%s” %s in Deleted hosts (removed in Azure AD).",
				hostsync.Plural(n, "removed host", "removed hosts"), q.Search, map[bool]string{true: "is", false: "are"}[n == 1]))
			s.elsewhere.Show()
		}
	})
}

// goDeleted shows Deleted hosts with the same search.
func (s *hostsScreen) goDeleted() {
	s.d.carrySearch = strings.TrimSpace(s.search.Text)
	s.d.review()
}

func (s *hostsScreen) status() *statusView { return s.st }

func (s *hostsScreen) dataChanged() {
	s.reload(true)
	s.checkIdPs() // a sync may bring the first hosts of another IdP
}

// exportCurrent exports the hosts matching the filter on screen.
func (s *hostsScreen) exportCurrent() {
	q, m := s.query(), s.d.deps.Mirror
	s.d.export(exportJob{what: "hosts", base: "hosts", filter: filterWords(q),
		write: func(ctx context.Context, w io.Writer, opt hostsync.ExportOptions) (int, error) {
			return m.ExportHosts(ctx, w, q, opt)
		}})
}
