package ui

import (
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
)

// testCard is Test connection: the calls the IdP's own test makes, with the key this computer
// keeps, each step's outcome as it arrives, and the verdict: whether the IdP can use the address
// on the chosen way.
type testCard struct {
	p *idpPage

	card        *widget.Card
	test        *widget.Button
	steps       *fyne.Container
	stepRows    []*stepRow
	testSummary *widget.Label
	testVerdict *widget.Label
	run         int // counts tests, so a stale test's late results are dropped
}

func newTestCard(p *idpPage) *testCard {
	c := &testCard{p: p}
	c.test = &widget.Button{Text: "Test connection", Icon: theme.MediaPlayIcon(), OnTapped: c.onTest}
	c.steps = container.NewVBox()
	c.testSummary = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.testSummary.Wrapping = fyne.TextWrapWord
	c.testVerdict = widget.NewLabel("")
	c.testVerdict.Wrapping = fyne.TextWrapWord
	c.testVerdict.Hide()
	return c
}

func (c *testCard) build() fyne.CanvasObject {
	c.card = widget.NewCard("Test connection", "Makes the calls "+c.p.idp.Name()+"'s "+c.p.guide.testName+" makes, with this computer's API key",
		container.NewVBox(container.NewHBox(c.test), c.steps, c.testSummary, c.testVerdict))
	return c.card
}

// clearTest forgets a result that no longer holds: the key or the way changed.
func (c *testCard) clearTest() {
	c.run++
	c.stepRows = nil
	c.steps.Objects = nil
	c.steps.Refresh()
	c.testSummary.SetText("")
	c.testVerdict.SetText("")
	c.testVerdict.Hide()
	c.test.Enable()
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

// skip marks a step that could not run: not a failure of the service, so no red cross.
func (r *stepRow) skip(detail string) {
	r.done, r.ok = true, false
	r.icon.SetResource(theme.NewWarningThemedResource(theme.WarningIcon()))
	r.detail.Importance = widget.WarningImportance
	r.detail.SetText(detail)
}

// onTest runs the steps one after the other, showing each result as it arrives.
func (c *testCard) onTest() {
	c.clearTest()
	steps := c.p.guide.probes()
	for _, s := range steps {
		r := newStepRow(s.name)
		c.stepRows = append(c.stepRows, r)
		c.steps.Objects = append(c.steps.Objects, r.object())
	}
	c.steps.Refresh()
	if c.p.secret == "" {
		// Nothing can be called without a key: say so on every step at once, not "waiting".
		for _, r := range c.stepRows {
			r.skip("not run: no API key on this computer")
		}
		c.testSummary.SetText("Not tested: this computer holds no API key for " + c.p.idp.Name() + ". Generate one under API keys first.")
		c.p.scrollTo(c.card)
		return
	}
	c.test.Disable()
	c.p.scrollTo(c.card)
	// The key under test goes to a copy of the client: the session's own is left as it is.
	c.runStep(c.run, c.p.sess.Probe(c.p.secret), steps, 0, 0)
}

func (c *testCard) runStep(run int, pr Prober, steps []probeStep, i, failed int) {
	name := c.p.idp.Name()
	if i == len(steps) {
		c.p.testedAt = time.Now()
		c.test.Enable()
		var summary string
		switch tenant, public := publicTenant(c.p.sess.Service); {
		case failed > 0:
			summary = fmt.Sprintf("%d of %d checks failed.", failed, len(steps))
		case public:
			// The test reached the service directly; the proxy in front of it is the IdP's to test.
			summary = fmt.Sprintf("All %d checks passed at %s. %s calls %s: its own %s also checks the way there.",
				len(steps), c.p.sess.Service.URL(), name, tenant, c.p.guide.testName)
		default:
			summary = fmt.Sprintf("All %d checks passed: the service answers %s's calls with this key.", len(steps), name)
		}
		c.testSummary.SetText(summary)
		c.showVerdict(failed == 0)
		c.p.scrollTo(c.card)
		c.p.notify() // the test's calls are the service's latest SCIM calls now
		c.p.record(hostsync.ActionConnectionTested, c.p.currentKeyID(), fmt.Sprintf("%d of %d checks passed", len(steps)-failed, len(steps)))
		return
	}
	c.stepRows[i].detail.SetText("running…")
	c.p.env.Run(func() func() {
		detail, err := steps[i].run(c.p.ctx, pr)
		return func() {
			if c.p.ctx.Err() != nil || run != c.run {
				return // the page was left or the key changed: the test stops, nothing is recorded
			}
			if err != nil {
				detail = c.explainProbe(err)
				failed++
			}
			c.stepRows[i].set(detail, err)
			c.runStep(run, pr, steps, i+1, failed)
		}
	})
}

// showVerdict says whether the IdP can use the address on the chosen way: checks that pass here
// are no comfort when the IdP's cloud can never reach a loopback or http:// address.
func (c *testCard) showVerdict(passed bool) {
	v := c.p.verdict()
	name := c.p.idp.Name()
	way := "No way chosen yet. "
	if c.p.path != "" {
		way = "Way chosen: " + pathChoices[c.p.path] + ". "
	}
	switch {
	case !v.ok && passed:
		c.testVerdict.SetText("⚠ But " + name + " cannot use this address as it is. " + way + v.text)
		c.testVerdict.Importance = widget.WarningImportance
	case !v.ok:
		c.testVerdict.SetText("⚠ Also, " + name + " cannot use this address as it is. " + way + v.text)
		c.testVerdict.Importance = widget.WarningImportance
	case v.caveat:
		c.testVerdict.SetText("Note: " + way + v.text)
		c.testVerdict.Importance = widget.MediumImportance
	case passed:
		c.testVerdict.SetText("✓ " + way + v.text)
		c.testVerdict.Importance = widget.SuccessImportance
	default:
		c.testVerdict.SetText(way + v.text)
		c.testVerdict.Importance = widget.MediumImportance
	}
	c.testVerdict.Show()
	c.testVerdict.Refresh()
}

// explainProbe says what a failed step means for the IdP; a 401 here is about the API key, not
// the admin credential.
func (c *testCard) explainProbe(err error) string {
	name := c.p.idp.Name()
	switch {
	case scimclient.IsUnauthorized(err):
		return "The service refused the API key (401). " + name + " would fail the same way: give it the current key, or generate a new one. " + err.Error()
	case errors.Is(err, scimclient.ErrUnreachable):
		tenant, public := publicTenant(c.p.sess.Service)
		if public {
			// Behind a reverse proxy the test calls the service directly, not the public address.
			return "No answer from the service at " + c.p.sess.Service.URL() + ". " + name + " calls " + tenant + ", which must lead to it. " + err.Error()
		}
		return "No answer from " + tenant + ". " + name + " must be able to reach this address. " + err.Error()
	default:
		return err.Error()
	}
}
