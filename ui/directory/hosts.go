package directory

import (
	"context"
	"io"

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

// hostsScreen is the Hosts page: every host Azure AD provisioned, searchable and sortable.
type hostsScreen struct {
	*hostList
	st     *statusView
	filter *widget.RadioGroup
	export *widget.Button
}

func hostColumns() []column[hostsync.Host] {
	return []column[hostsync.Host]{
		{title: "Display name", width: 190, sort: hostsync.SortDisplayName, text: func(h hostsync.Host) string { return h.DisplayName }},
		{title: "userName", width: 230, sort: hostsync.SortUserName, text: func(h hostsync.Host) string { return h.UserName }},
		{title: "Email", width: 230, sort: hostsync.SortEmail, text: func(h hostsync.Host) string { return h.Email }},
		{title: "Department", width: 130, sort: hostsync.SortDepartment, text: func(h hostsync.Host) string { return h.Department }},
		{title: "Title", width: 150, sort: hostsync.SortTitle, text: func(h hostsync.Host) string { return h.Title }},
		{title: "externalId", width: 150, sort: hostsync.SortExternalID, text: func(h hostsync.Host) string { return h.ExternalID }},
		{title: "Last changed", width: 140, sort: hostsync.SortModified, text: func(h hostsync.Host) string { return whenLocal(h.Modified) }},
		{title: "State", width: 190, sort: hostsync.SortState, text: func(h hostsync.Host) string { return stateWords(&h) },
			tone: func(h hostsync.Host) widget.Importance { return stateTone(&h) }},
	}
}

// HostsPage builds the Hosts screen and makes it the one told about syncs.
func (d *Directory) HostsPage(ctx context.Context) fyne.CanvasObject {
	s := d.newHostsScreen(ctx)
	d.enter(s)
	s.reload(false)
	return s.view()
}

func (d *Directory) newHostsScreen(ctx context.Context) *hostsScreen {
	s := &hostsScreen{hostList: newHostList(d, ctx, hostsync.StateActive, hostColumns(),
		"No hosts match", "Nothing matches this search and filter.",
		"Select a host to see all its attributes, its groups, how Azure AD matches it and its history.")}
	s.table.sort = hostsync.SortDisplayName
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
	s.export = &widget.Button{Text: "Export…", Icon: theme.DocumentSaveIcon(), OnTapped: s.exportCurrent}
	return s
}

func (s *hostsScreen) view() fyne.CanvasObject {
	toolbar := container.NewBorder(nil, nil, container.NewHBox(widget.NewIcon(theme.SearchIcon())),
		container.NewHBox(s.filter, s.export), s.search)
	split := container.NewHSplit(s.table.view, s.details.scroll)
	split.Offset = 0.64
	return page("Hosts", s.count, s.st, toolbar, split)
}

func (s *hostsScreen) status() *statusView { return s.st }

func (s *hostsScreen) dataChanged() { s.reload(true) }

// exportCurrent exports the hosts matching the filter on screen.
func (s *hostsScreen) exportCurrent() {
	q, m := s.query(), s.d.deps.Mirror
	s.d.export(exportJob{what: "hosts", base: "hosts", filter: filterWords(q),
		write: func(ctx context.Context, w io.Writer, opt hostsync.ExportOptions) (int, error) {
			return m.ExportHosts(ctx, w, q, opt)
		}})
}
