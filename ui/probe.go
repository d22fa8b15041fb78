package ui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
)

// probeStep is one call of the connection test.
type probeStep struct {
	name string
	run  func(ctx context.Context, pr Prober) (detail string, err error)
}

// errUnexpected marks an answer that Azure AD would not accept.
var errUnexpected = errors.New("unexpected answer")

// probeSteps are the calls Azure AD makes on Test Connection and when it reads the schema.
func probeSteps() []probeStep {
	return []probeStep{
		{"Filter query for a random userName", func(ctx context.Context, pr Prober) (string, error) {
			b := make([]byte, 8)
			rand.Read(b)
			name := "visitly-connection-test-" + hex.EncodeToString(b)
			l, err := pr.ListUsers(ctx, scimclient.ListQuery{Filter: fmt.Sprintf("userName eq %q", name)})
			if err != nil {
				return "", err
			}
			if !l.IsListResponse() || l.TotalResults != 0 || len(l.Resources) != 0 {
				return "", fmt.Errorf("%w: want an empty ListResponse, got %d results", errUnexpected, l.TotalResults)
			}
			return "empty ListResponse, as Azure AD expects", nil
		}},
		{"ServiceProviderConfig", func(ctx context.Context, pr Prober) (string, error) {
			c, err := pr.ServiceProviderConfig(ctx)
			if err != nil {
				return "", err
			}
			if !c.Patch.Supported || !c.Filter.Supported {
				return "", fmt.Errorf("%w: PATCH and filter must be supported", errUnexpected)
			}
			return fmt.Sprintf("PATCH and filter supported (up to %d results a page)", c.Filter.MaxResults), nil
		}},
		{"ResourceTypes", func(ctx context.Context, pr Prober) (string, error) {
			l, err := pr.ResourceTypes(ctx)
			if err != nil {
				return "", err
			}
			names := resourceNames(l, "name")
			if !strings.Contains(","+strings.Join(names, ",")+",", ",User,") {
				return "", fmt.Errorf("%w: no User resource type", errUnexpected)
			}
			return strings.Join(names, ", "), nil
		}},
		{"Schemas", func(ctx context.Context, pr Prober) (string, error) {
			l, err := pr.Schemas(ctx)
			if err != nil {
				return "", err
			}
			ids := resourceNames(l, "id")
			for _, id := range ids {
				if id == "urn:ietf:params:scim:schemas:core:2.0:User" {
					return fmt.Sprintf("%d schemas, core User included", len(ids)), nil
				}
			}
			return "", fmt.Errorf("%w: the core User schema is missing", errUnexpected)
		}},
	}
}

func resourceNames(l *scimclient.ListResponse, field string) []string {
	var out []string
	for _, raw := range l.Resources {
		var m map[string]any
		if json.Unmarshal(raw, &m) == nil {
			if s, ok := m[field].(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
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
func (p *azurePage) onTest() {
	steps := probeSteps()
	p.stepRows = nil
	p.steps.Objects = nil
	for _, s := range steps {
		r := newStepRow(s.name)
		p.stepRows = append(p.stepRows, r)
		p.steps.Objects = append(p.steps.Objects, r.object())
	}
	p.steps.Refresh()
	p.testSummary.SetText("")
	if p.secret == "" {
		p.stepRows[0].set("No API key on this computer: generate one first.", errors.New("no key"))
		p.testSummary.SetText("Not tested: this computer holds no API key.")
		return
	}
	p.test.Disable()
	// The key under test goes to a copy of the client: the session's own is left as it is.
	p.runStep(p.sess.Probe(p.secret), steps, 0, 0)
}

func (p *azurePage) runStep(pr Prober, steps []probeStep, i, failed int) {
	if i == len(steps) {
		p.test.Enable()
		var summary string
		switch tenant, public := publicTenant(p.sess.Service); {
		case failed > 0:
			summary = fmt.Sprintf("%d of %d checks failed.", failed, len(steps))
		case public:
			// The test reached the service directly; the proxy in front of it is Azure AD's to test.
			summary = fmt.Sprintf("All %d checks passed at %s. Azure AD calls %s: its own Test Connection also checks the way there.",
				len(steps), p.sess.Service.URL(), tenant)
		default:
			summary = fmt.Sprintf("All %d checks passed: Azure AD's Test Connection should succeed with this key.", len(steps))
		}
		p.testSummary.SetText(summary)
		p.notify() // the test's calls are the service's latest SCIM calls now
		p.record(hostsync.ActionConnectionTested, p.currentKeyID(), fmt.Sprintf("%d of %d checks passed", len(steps)-failed, len(steps)))
		return
	}
	p.stepRows[i].detail.SetText("running…")
	p.env.Run(func() func() {
		detail, err := steps[i].run(p.ctx, pr)
		return func() {
			if p.ctx.Err() != nil {
				return // the page was left: the test stops, nothing is recorded
			}
			if err != nil {
				detail = p.explainProbe(err)
				failed++
			}
			p.stepRows[i].set(detail, err)
			p.runStep(pr, steps, i+1, failed)
		}
	})
}

// explainProbe says what a failed step means for Azure AD; a 401 here is about the API key, not
// the admin credential.
func (p *azurePage) explainProbe(err error) string {
	switch {
	case scimclient.IsUnauthorized(err):
		return "The service refused the API key (401). Azure AD would fail the same way: give it the current key, or generate a new one. " + err.Error()
	case errors.Is(err, scimclient.ErrUnreachable):
		tenant, public := publicTenant(p.sess.Service)
		if public {
			// Behind a reverse proxy the test calls the service directly, not the public address.
			return "No answer from the service at " + p.sess.Service.URL() + ". Azure AD calls " + tenant + ", which must lead to it. " + err.Error()
		}
		return "No answer from " + tenant + ". Azure AD must be able to reach this address. " + err.Error()
	default:
		return err.Error()
	}
}
