package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
)

// welcomeCard is the first run's set-up checklist (#12.2): five steps that tick themselves as the
// service sees them happen. It shows when no key was ever made for this IdP and stays, ticking,
// until the first hosts have arrived.
type welcomeCard struct {
	p *idpPage

	card       *widget.Card
	steps      []*welcomeStep
	welcomeGen *widget.Button // step 1's own Generate button, so the first step is one click
	shown      bool           // once shown, it stays until every step is done
}

type welcomeStep struct {
	icon  *widget.Icon
	label *widget.Label
	done  bool
}

func newWelcomeCard(p *idpPage) *welcomeCard {
	name, g := p.idp.Name(), p.guide
	c := &welcomeCard{p: p}
	for _, text := range []string{
		"Generate the API key.",
		"Paste the " + g.urlLabel + " and the API key (as " + g.keyLabel + ") into " + name + ": see \"What " + name + " needs\" below.",
		"Press " + g.testName + " in " + name + ". This ticks when the service sees " + name + "'s first call with the key.",
		"Turn provisioning on in " + name + " and assign the people who should become hosts.",
		"The first hosts arrive (" + name + " sends them within minutes, then on its own schedule).",
	} {
		s := &welcomeStep{icon: widget.NewIcon(theme.RadioButtonIcon()), label: widget.NewLabel(text)}
		s.label.Wrapping = fyne.TextWrapWord
		c.steps = append(c.steps, s)
	}
	c.welcomeGen = &widget.Button{Text: "Generate key…", Icon: theme.ContentAddIcon(), Importance: widget.HighImportance,
		OnTapped: func() { p.onGenerate() }}
	return c
}

func (c *welcomeCard) build() fyne.CanvasObject {
	var rows []fyne.CanvasObject
	for i, s := range c.steps {
		var extra fyne.CanvasObject
		if i == 0 {
			extra = container.NewVBox(c.welcomeGen)
		}
		rows = append(rows, container.NewBorder(nil, nil, container.NewVBox(s.icon), extra, s.label))
	}
	c.card = widget.NewCard("Welcome: set up "+c.p.idp.Name()+" in five steps",
		"Each step ticks itself when it has happened.", container.NewVBox(rows...))
	c.card.Hide() // until load knows whether this is a first run
	return c.card
}

// welcomeState is which steps have happened, from the IdP's keys and the service's status.
func (p *idpPage) welcomeState() [5]bool {
	var st [5]bool
	st[0] = p.activeKeys() > 0
	// The service counts every call made with the key, this console's own Test connection too:
	// a use no later than that test is the console's, not the IdP's.
	idpCall := func(at time.Time) bool { return !at.IsZero() && at.After(p.testedAt) }
	for _, k := range p.keys {
		if k.Active() && idpCall(k.LastUsed) {
			st[2] = true
		}
	}
	var idp *hostsync.IdPStatus
	if p.status != nil {
		for i := range p.status.IdPs {
			if p.status.IdPs[i].IdP.Or() == p.idp {
				idp = &p.status.IdPs[i]
			}
		}
	}
	if idp != nil {
		st[2] = st[2] || (idp.LastSuccessfulCall != nil && idpCall(idp.LastSuccessfulCall.At))
		st[3] = idp.LastChange != nil
	}
	if p.status != nil {
		h := p.status.Hosts
		st[4] = st[3] && h.Active+h.Deactivated+h.Deleted > 0
		if idp == nil && p.status.IdPs == nil && st[2] {
			// A service too old to tell IdPs apart: any hosts mean provisioning runs.
			st[3] = h.Active+h.Deactivated+h.Deleted > 0
			st[4] = st[3]
		}
	}
	st[1] = st[2] // pasting is seen only through the first call
	return st
}

// showWelcome ticks the steps, shows the card while it helps and keeps checking while it shows.
func (c *welcomeCard) showWelcome() {
	if c.card == nil {
		return
	}
	st := c.p.welcomeState()
	all := true
	for i, s := range c.steps {
		s.done = st[i]
		if s.done {
			s.icon.SetResource(theme.NewSuccessThemedResource(theme.CheckButtonCheckedIcon()))
		} else {
			all = false
			s.icon.SetResource(theme.CheckButtonIcon())
		}
	}
	if st[0] {
		c.welcomeGen.Hide()
	} else {
		c.welcomeGen.Show()
	}
	if all || !(c.shown || len(c.p.keys) == 0) {
		c.card.Hide()
		return
	}
	c.shown = true
	c.card.Show()
	c.p.pollSoon()
}
