package directory

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/ui"
)

// deletedScreen is the Deleted hosts page: hosts Azure AD deleted or deactivated, with when, by
// whom and how, and Restore for one or several.
type deletedScreen struct {
	*hostList
	st       *statusView
	picked   map[string]hostsync.Host // checked rows, by id
	restore  *widget.Button
	clearSel *widget.Button
	export   *widget.Button
}

func deletedColumns() []column[hostsync.Host] {
	return []column[hostsync.Host]{
		{title: "", width: 36, check: true},
		{title: "Name", width: 150, grow: 2, sort: hostsync.SortDisplayName, text: func(h hostsync.Host) string { return h.DisplayName }},
		{title: "Email / sign-in", width: 200, grow: 3, sort: hostsync.SortUserName, text: signIn},
		{title: "State", width: 100, sort: hostsync.SortState, text: func(h hostsync.Host) string { return stateWords(&h) },
			tone: func(h hostsync.Host) widget.Importance { return stateTone(&h) }},
		{title: "How", width: 160, grow: 1, drop: 4, text: func(h hostsync.Host) string { return howWords(&h) }},
		{title: "When", width: 140, sort: hostsync.SortRemovedAt, text: func(h hostsync.Host) string { return whenLocal(h.RemovedAt()) }},
		{title: "By", width: 140, grow: 1, drop: 3, text: func(h hostsync.Host) string { return h.RemovedByName() }},
	}
}

// DeletedPage builds the Deleted hosts screen and makes it the one told about syncs.
func (d *Directory) DeletedPage(ctx context.Context) fyne.CanvasObject {
	s := d.newDeletedScreen(ctx)
	d.enter(s)
	s.reload(false)
	return s.view()
}

func (d *Directory) newDeletedScreen(ctx context.Context) *deletedScreen {
	s := &deletedScreen{hostList: newHostList(d, ctx, hostsync.StateRemoved, deletedColumns(),
		"No deleted hosts — nothing has been removed by Azure AD",
		"Hosts that Azure AD deletes or deactivates are kept here, never erased, so that you can bring them back.",
		"Select a host to see when and how Azure AD removed it, and its history."),
		picked: map[string]hostsync.Host{}}
	s.noun = [2]string{"removed host", "removed hosts"}
	s.none = [2]string{"No deleted hosts — nothing has been removed by Azure AD",
		"Hosts that Azure AD deletes or deactivates are kept here, never erased, so that you can bring them back."}
	s.table.sort, s.table.desc = hostsync.SortRemovedAt, true // most recent removals first
	s.table.checked = func(h hostsync.Host) bool { _, ok := s.picked[h.ID]; return ok }
	s.table.onCheck = s.pick
	s.st = newStatusView(d.SyncNow, nil)
	s.restore = &widget.Button{Text: "Restore…", Icon: theme.HistoryIcon(), Importance: widget.HighImportance,
		OnTapped: func() { s.askRestore(s.pickedHosts()) }}
	s.clearSel = &widget.Button{Text: "Clear selection", Importance: widget.LowImportance, OnTapped: func() {
		s.picked = map[string]hostsync.Host{}
		s.table.table.Refresh()
		s.updateButtons()
	}}
	s.export = &widget.Button{Text: "Export…", Icon: theme.DocumentSaveIcon(), OnTapped: s.exportCurrent}
	s.details.restore = func(h hostsync.Host) { s.askRestore([]hostsync.Host{h}) }
	s.loaded = s.updateButtons
	if d.carrySearch != "" {
		// Hosts' "Show in Deleted hosts": the same search, run by the page's first load.
		s.search.OnChanged = nil
		s.search.SetText(d.carrySearch)
		s.search.OnChanged = func(string) { s.typed() }
		d.carrySearch = ""
	}
	s.updateButtons()
	return s
}

func (s *deletedScreen) view() fyne.CanvasObject {
	toolbar := container.NewBorder(nil, nil, container.NewHBox(widget.NewIcon(theme.SearchIcon())),
		container.NewHBox(s.clearSel, s.restore, s.export), s.search)
	return page("Deleted hosts", s.count, s.st, toolbar, s.pane.box)
}

func (s *deletedScreen) status() *statusView { return s.st }

func (s *deletedScreen) dataChanged() { s.reload(true) }

// pick checks or unchecks a host for Restore.
func (s *deletedScreen) pick(h hostsync.Host, on bool) {
	if on {
		s.picked[h.ID] = h
	} else {
		delete(s.picked, h.ID)
	}
	s.updateButtons()
}

func (s *deletedScreen) updateButtons() {
	n := len(s.picked)
	switch n {
	case 0:
		s.restore.SetText("Restore…")
		s.restore.Disable()
		s.clearSel.Hide()
	case 1:
		s.restore.SetText("Restore 1 host…")
		s.restore.Enable()
		s.clearSel.Show()
	default:
		s.restore.SetText(fmt.Sprintf("Restore %s hosts…", hostsync.Count(n)))
		s.restore.Enable()
		s.clearSel.Show()
	}
}

// askRestore explains what a local restore does, and restores hosts once confirmed.
func (s *deletedScreen) askRestore(hosts []hostsync.Host) {
	if len(hosts) == 0 {
		return
	}
	who := fmt.Sprintf("%s (%s)", hosts[0].DisplayName, hosts[0].UserName)
	if len(hosts) > 1 {
		who = hostsync.Plural(len(hosts), "host", "hosts")
	}
	idp, fix := "The identity provider", "give each user the Visitly app again in the identity provider that removed it"
	if p, ok := sameIdP(hosts); ok {
		idp, fix = p.Name(), lastingFix(p)
	}
	msg := widget.NewLabel(fmt.Sprintf("Restore %s? They become active hosts again and reappear in Hosts, marked "+
		"\u201crestored locally\u201d.\n\n"+
		"This is a local fix. %s does not learn about it: its next change to the user (or a provisioning "+
		"restart) can deactivate or delete the host again. The lasting fix is to %s.", who, idp, fix))
	msg.Wrapping = fyne.TextWrapWord
	c := dialog.NewCustomConfirm("Restore "+hostsync.Plural(len(hosts), "host", "hosts")+"?", "Restore", "Cancel", msg, func(ok bool) {
		if ok {
			s.doRestore(hosts)
		}
	}, s.d.env.Window)
	c.SetConfirmImportance(widget.HighImportance)
	c.Resize(fyne.NewSize(560, 0))
	c.Show()
}

func (s *deletedScreen) pickedHosts() []hostsync.Host {
	hosts := make([]hostsync.Host, 0, len(s.picked))
	for _, h := range s.picked {
		hosts = append(hosts, h)
	}
	sort.Slice(hosts, func(i, j int) bool { return hosts[i].UserName < hosts[j].UserName })
	return hosts
}

// restoreOutcome is what happened to one host.
type restoreOutcome struct {
	host hostsync.Host
	err  error
}

// doRestore restores through the service's admin API, one host at a time (each is its own
// decision: a conflict on one changes nothing for it and does not stop the others), then syncs
// the mirror so the restored hosts show up, and reports.
func (s *deletedScreen) doRestore(hosts []hostsync.Host) {
	// The session's context, not the page's: a confirmed restore finishes and reports even if the
	// user leaves the page meanwhile.
	ctx, d := s.d.ctx, s.d
	s.restore.Disable()
	d.env.Run(func() func() {
		out := make([]restoreOutcome, 0, len(hosts))
		var fatal error
		for _, h := range hosts {
			_, err := d.deps.Admin.Restore(ctx, h.ID)
			out = append(out, restoreOutcome{h, err})
			if err != nil && !scimclient.IsConflict(err) && !scimclient.IsNotFound(err) {
				fatal = err // e.g. unreachable: no point trying the rest
				break
			}
		}
		return func() {
			if ctx.Err() != nil {
				return
			}
			s.reportRestore(out, fatal)
			for _, o := range out {
				if o.err == nil {
					delete(s.picked, o.host.ID)
					if o.host.ID == s.table.selected {
						// The restored host leaves this list: its row goes, and with it the
						// selection and the details, rather than the highlight landing on the
						// next row while the details still show the restored host.
						s.table.clearSelection()
					}
				}
			}
			s.updateButtons()
			d.SyncNow() // the restored hosts come back through the mirror
		}
	})
}

func (s *deletedScreen) reportRestore(out []restoreOutcome, fatal error) {
	var ok, failed []string
	var restored []hostsync.Host
	for _, o := range out {
		name := o.host.UserName
		if o.err == nil {
			restored = append(restored, o.host)
		}
		var se *scimclient.Error
		switch {
		case o.err == nil:
			ok = append(ok, name)
		case scimclient.IsConflict(o.err):
			failed = append(failed, fmt.Sprintf("%s: not restored — a live host now has this userName (Azure AD "+
				"created the user again since). Nothing was changed for this host.", name))
		case scimclient.IsNotFound(o.err):
			failed = append(failed, name+": the service no longer knows this host. Nothing was changed.")
		case errors.As(o.err, &se):
			failed = append(failed, name+": "+se.Detail)
		}
	}
	var b strings.Builder
	if len(ok) > 0 {
		where := "the identity provider"
		if p, same := sameIdP(restored); same {
			where = p.Name()
		}
		fmt.Fprintf(&b, "Restored %s: %s. They are back in Hosts, marked \u201crestored locally\u201d. Re-assign them in "+
			"%s to make it last.\n", hostsync.Plural(len(ok), "host", "hosts"), strings.Join(ok, ", "), where)
	}
	for _, f := range failed {
		b.WriteString("\n" + f)
	}
	if fatal != nil {
		p := ui.Describe(fatal)
		fmt.Fprintf(&b, "\n%s: %s Hosts not tried were left as they are.", p.Title, p.Message)
	}
	title := "Hosts restored"
	if len(ok) == 0 {
		title = "Nothing was restored"
	} else if len(failed) > 0 || fatal != nil {
		title = "Some hosts were not restored"
	}
	body := widget.NewLabel(strings.TrimSpace(b.String()))
	body.Wrapping = fyne.TextWrapWord
	dl := dialog.NewCustom(title, "Close", body, s.d.env.Window)
	dl.SetOnClosed(func() { s.d.env.Window.Canvas().Focus(s.table.table) }) // the keyboard goes on in the list
	dl.Resize(fyne.NewSize(560, 0))
	dl.Show()
}

// exportCurrent exports the removed hosts matching the search on screen.
func (s *deletedScreen) exportCurrent() {
	q, m := s.query(), s.d.deps.Mirror
	s.d.export(exportJob{what: "deleted hosts", base: "deleted-hosts", filter: filterWords(q),
		write: func(ctx context.Context, w io.Writer, opt hostsync.ExportOptions) (int, error) {
			return m.ExportHosts(ctx, w, q, opt)
		}})
}
