package directory

import (
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/ui"
)

// statusView is the strip at the top of each screen: the mirror's freshness with "Sync now", a
// progress bar during a long sync, the offline banner, and the mass-removal banner.
type statusView struct {
	fresh    *widget.Label
	syncBtn  *widget.Button
	progress *widget.ProgressBar
	progBox  *fyne.Container

	offline      *fyne.Container
	offlineTitle *widget.Label
	offlineText  *widget.Label

	mass     *fyne.Container
	massText *widget.Label
	review   *widget.Button

	box *fyne.Container
}

func newStatusView(onSync, onReview func()) *statusView {
	v := &statusView{
		fresh:        &widget.Label{},
		syncBtn:      &widget.Button{Text: "Sync now", Icon: theme.ViewRefreshIcon(), OnTapped: onSync},
		progress:     widget.NewProgressBar(),
		offlineTitle: &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Importance: widget.WarningImportance},
		offlineText:  &widget.Label{Wrapping: fyne.TextWrapWord},
		massText:     &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord},
		review:       &widget.Button{Text: "Review", Icon: theme.DeleteIcon(), Importance: widget.DangerImportance, OnTapped: onReview},
	}
	if onReview == nil {
		v.review.Hide() // on Deleted hosts itself
	}
	v.progBox = container.NewVBox(v.progress)
	v.progBox.Hide()
	v.offline = container.NewBorder(nil, nil, widget.NewIcon(theme.NewWarningThemedResource(theme.WarningIcon())), nil,
		container.NewVBox(v.offlineTitle, v.offlineText))
	v.offline.Hide()
	v.mass = container.NewBorder(nil, nil, widget.NewIcon(theme.NewErrorThemedResource(theme.WarningIcon())),
		container.NewCenter(v.review), v.massText)
	v.mass.Hide()
	v.box = container.NewVBox(v.offline, v.mass, v.progBox)
	return v
}

// bar is the freshness line and the Sync now button, for a screen's toolbar.
func (v *statusView) bar() fyne.CanvasObject {
	return container.NewHBox(layout.NewSpacer(), v.fresh, v.syncBtn)
}

// show renders st as of now.
func (v *statusView) show(st SyncStatus, now time.Time) {
	switch {
	case st.Running && st.Progress.Total > 0:
		v.fresh.SetText(fmt.Sprintf("Syncing… %s of %s changes", hostsync.Count(int(st.Progress.Done)), hostsync.Count(int(st.Progress.Total))))
	case st.Running:
		v.fresh.SetText("Syncing…")
	case st.LastSync.IsZero():
		v.fresh.SetText("Never synced")
	default:
		v.fresh.SetText("Synced " + clock(st.LastSync) + " (" + hostsync.Ago(st.LastSync, now) + ")")
	}
	if st.Running {
		v.syncBtn.Disable()
	} else {
		v.syncBtn.Enable()
	}
	// The bar is for a long sync (typically the first): many changes still to read.
	if st.Running && st.Progress.Total > 2000 {
		v.progress.Max = float64(st.Progress.Total)
		v.progress.SetValue(float64(st.Progress.Done))
		v.progBox.Show()
	} else {
		v.progBox.Hide()
	}
	if st.Err == nil || st.Running {
		if !st.Running {
			v.offline.Hide()
		}
		return
	}
	v.offlineTitle.SetText(offlineTitle(st, now))
	p := ui.Describe(st.Err)
	text := p.Title + ". " + p.Hint
	if p.Hint == "" {
		text = p.Title + ": " + p.Message
	}
	v.offlineText.SetText(text + " The console retries every minute; everything below stays browsable.")
	v.offline.Show()
}

// offlineTitle is the banner's headline: "Offline — showing data from 14:02, 3 min ago".
func offlineTitle(st SyncStatus, now time.Time) string {
	lead := "Sync failed"
	if errors.Is(st.Err, scimclient.ErrUnreachable) {
		lead = "Offline"
	}
	if st.LastSync.IsZero() {
		return lead + " — nothing synced yet, so the lists are empty"
	}
	return fmt.Sprintf("%s — showing data from %s, %s", lead, clock(st.LastSync), hostsync.Ago(st.LastSync, now))
}

// showMass shows or hides the mass-removal banner.
// showMass shows the mass-removal banner for n hosts removed by the identity providers named in by
// ("Okta", "Azure AD and Okta"; Azure AD when empty) within window, or hides it for n = 0.
func (v *statusView) showMass(n int, by string, window time.Duration) {
	if n == 0 {
		v.mass.Hide()
		return
	}
	if by == "" {
		by = hostsync.IdPAzureAD.Name()
	}
	v.massText.SetText(fmt.Sprintf("%s deactivated or deleted by %s in the last %s. If that was not planned, "+
		"review them: each can be restored.", hostsync.Plural(n, "host was", "hosts were"), by, windowWords(window)))
	v.mass.Show()
}

func windowWords(d time.Duration) string {
	if d == time.Hour {
		return "hour"
	}
	return d.String()
}

// clock is a local wall-clock time, with the date when it is not today.
func clock(t time.Time) string {
	t = t.Local()
	if y, m, d := t.Date(); y == time.Now().Year() && m == time.Now().Month() && d == time.Now().Day() {
		return t.Format("15:04")
	}
	return t.Format("2006-01-02 15:04")
}
