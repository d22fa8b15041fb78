package ui

import (
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
)

// testCard is Test connection: the calls Azure AD's Test Connection makes, with the key this
// computer keeps, each step's outcome as it arrives, and what it means for Azure AD.
type testCard struct {
	p *azurePage

	test        *widget.Button
	steps       *fyne.Container
	stepRows    []*stepRow
	testSummary *widget.Label
}

func newTestCard(p *azurePage) *testCard {
	c := &testCard{p: p}
	c.test = &widget.Button{Text: "Test connection", Icon: theme.MediaPlayIcon(), OnTapped: c.onTest}
	c.steps = container.NewVBox()
	c.testSummary = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	return c
}

func (c *testCard) build() fyne.CanvasObject {
	return widget.NewCard("Test connection", "Makes the calls Azure AD's Test Connection makes, with this computer's API key",
		container.NewVBox(container.NewHBox(c.test), c.steps, c.testSummary))
}

// stepRow shows one step's outcome.
type stepRow struct {
	icon   *widget.Icon
	name   *widget.Label
	detail *widget.Label
	ok     bool
	done   bool
}

func newStepRow(name string) *stepRow {
	r := &stepRow{
		icon:   widget.NewIcon(theme.MoreHorizontalIcon()),
		name:   widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		detail: widget.NewLabel("waiting"),
	}
	r.detail.Wrapping = fyne.TextWrapWord
	return r
}

func (r *stepRow) object() fyne.CanvasObject {
	return container.NewBorder(nil, nil, container.NewHBox(r.icon, r.name), nil, r.detail)
}

func (r *stepRow) set(detail string, err error) {
	r.done, r.ok = true, err == nil
	if err != nil {
		r.icon.SetResource(theme.NewErrorThemedResource(theme.CancelIcon()))
		r.detail.Importance = widget.DangerImportance
		r.detail.SetText(detail)
		return
	}
	r.icon.SetResource(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
	r.detail.Importance = widget.MediumImportance
	r.detail.SetText(detail)
}

// onTest runs the steps one after the other, showing each result as it arrives.
func (c *testCard) onTest() {
	steps := probeSteps()
	c.stepRows = nil
	c.steps.Objects = nil
	for _, s := range steps {
		r := newStepRow(s.name)
		c.stepRows = append(c.stepRows, r)
		c.steps.Objects = append(c.steps.Objects, r.object())
	}
	c.steps.Refresh()
	c.testSummary.SetText("")
	if c.p.secret == "" {
		c.stepRows[0].set("No API key on this computer: generate one first.", errors.New("no key"))
		c.testSummary.SetText("Not tested: this computer holds no API key.")
		return
	}
	c.test.Disable()
	// The key under test goes to a copy of the client: the session's own is left as it is.
	c.runStep(c.p.sess.Probe(c.p.secret), steps, 0, 0)
}

func (c *testCard) runStep(pr Prober, steps []probeStep, i, failed int) {
	if i == len(steps) {
		c.test.Enable()
		var summary string
		switch tenant, public := publicTenant(c.p.sess.Service); {
		case failed > 0:
			summary = fmt.Sprintf("%d of %d checks failed.", failed, len(steps))
		case public:
			// The test reached the service directly; the proxy in front of it is Azure AD's to test.
			summary = fmt.Sprintf("All %d checks passed at %s. Azure AD calls %s: its own Test Connection also checks the way there.",
				len(steps), c.p.sess.Service.URL(), tenant)
		default:
			summary = fmt.Sprintf("All %d checks passed: Azure AD's Test Connection should succeed with this key.", len(steps))
		}
		c.testSummary.SetText(summary)
		c.p.notify() // the test's calls are the service's latest SCIM calls now
		c.p.record(hostsync.ActionConnectionTested, c.p.currentKeyID(), fmt.Sprintf("%d of %d checks passed", len(steps)-failed, len(steps)))
		return
	}
	c.stepRows[i].detail.SetText("running…")
	c.p.env.Run(func() func() {
		detail, err := steps[i].run(c.p.ctx, pr)
		return func() {
			if c.p.ctx.Err() != nil {
				return // the page was left: the test stops, nothing is recorded
			}
			if err != nil {
				detail = c.explainProbe(err)
				failed++
			}
			c.stepRows[i].set(detail, err)
			c.runStep(pr, steps, i+1, failed)
		}
	})
}

// explainProbe says what a failed step means for Azure AD; a 401 here is about the API key, not
// the admin credential.
func (c *testCard) explainProbe(err error) string {
	switch {
	case scimclient.IsUnauthorized(err):
		return "The service refused the API key (401). Azure AD would fail the same way: give it the current key, or generate a new one. " + err.Error()
	case errors.Is(err, scimclient.ErrUnreachable):
		tenant, public := publicTenant(c.p.sess.Service)
		if public {
			// Behind a reverse proxy the test calls the service directly, not the public address.
			return "No answer from the service at " + c.p.sess.Service.URL() + ". Azure AD calls " + tenant + ", which must lead to it. " + err.Error()
		}
		return "No answer from " + tenant + ". Azure AD must be able to reach this address. " + err.Error()
	default:
		return err.Error()
	}
}
