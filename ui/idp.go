package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
)

// idpPage is Host Synchronization › Azure AD, Okta or OneLogin: one page, parameterised by the
// identity provider, with the welcome checklist, how the IdP reaches the service, the credentials
// it needs, its set-up steps, its API keys and Test connection. Each card is its own struct with
// its widgets and onX handlers; the page holds what they share: the key this computer keeps for
// this IdP, the IdP's keys and the service's status.
type idpPage struct {
	ctx     context.Context // the page's: ends when the user leaves it
	env     *Env
	sess    *Session
	idp     hostsync.IdP
	guide   idpGuide
	changed func() // tells the shell the service's state moved (the header re-reads it); may be nil

	secret   string         // the API key this computer keeps for this IdP; "" when none
	keys     []hostsync.Key // this IdP's keys, revoked ones included
	status   *hostsync.Status
	banner   *banner
	scroll   *container.Scroll
	stopPoll func()    // the pending refresh while the page waits for the IdP (rotation, checklist)
	testedAt time.Time // when this page's own Test connection last called with the key

	*welcomeCard
	*reachCard
	*credentialsCard
	*keysCard
	*testCard
}

func newIdPPage(ctx context.Context, env *Env, sess *Session, idp hostsync.IdP) *idpPage {
	p := &idpPage{ctx: ctx, env: env, sess: sess, idp: idp.Or(), guide: guideFor(idp), banner: newBanner()}
	p.welcomeCard = newWelcomeCard(p)
	p.reachCard = newReachCard(p)
	p.credentialsCard = newCredentialsCard(p)
	p.keysCard = newKeysCard(p)
	p.testCard = newTestCard(p)
	p.showPath()
	p.showKey()
	return p
}

func (p *idpPage) build() fyne.CanvasObject {
	heading := pageHeading("Host Synchronization › " + p.idp.Name())
	intro := widget.NewLabel(p.intro())
	intro.Wrapping = fyne.TextWrapWord
	credCard := p.credentialsCard.build()
	rotation, keysCard := p.keysCard.build()
	body := container.NewVBox(heading, intro, p.banner.box, p.welcomeCard.build(), p.reachCard.build(), credCard,
		p.guideCard(), rotation, keysCard, p.testCard.build())
	p.load()
	p.scroll = container.NewVScroll(container.NewPadded(body))
	return p.scroll
}

func (p *idpPage) intro() string {
	switch p.idp {
	case hostsync.IdPOkta:
		return "Okta provisions your employees as Visitly hosts through a SCIM 2.0 app integration. Give it the SCIM connector base URL and an API key."
	case hostsync.IdPOneLogin:
		return "OneLogin provisions your employees as Visitly hosts through its SCIM provisioner app. Give it the SCIM Base URL and an API key."
	}
	return "Azure AD (Microsoft Entra ID) provisions your employees as Visitly hosts. Give it the Tenant URL and an API key."
}

// keyAccount is the keyring account of this IdP's key: Azure AD keeps the session's own account,
// so a console that kept a key before there were several IdPs still finds it.
func (p *idpPage) keyAccount() string { return p.sess.KeyAccount(p.idp) }

// load reads the key from the keyring, and the keys and the status from the service.
func (p *idpPage) load() { p.reload(true) }

// refresh re-reads the keys and the status while the page waits for the IdP's first calls.
func (p *idpPage) refresh() { p.reload(false) }

func (p *idpPage) reload(withSecret bool) {
	if p.ctx.Err() != nil {
		return // the page was left: no more polling
	}
	p.env.Run(func() func() {
		var secret string
		var serr error
		if withSecret {
			secret, serr = p.env.Secrets.Get(p.keyAccount())
		}
		keys, kerr := p.sess.Service.Keys(p.ctx)
		status, _ := p.sess.Service.Status(p.ctx) // the checklist only; the header reports errors
		return func() {
			if p.ctx.Err() != nil {
				return // the page was left
			}
			if kerr == nil {
				p.keys = p.own(keys)
			}
			if status != nil {
				p.status = status
			}
			if withSecret {
				p.takeSecret(secret, serr)
			}
			p.showKeys()
			if withSecret {
				p.showState(serr, kerr)
			}
			p.showWelcome()
		}
	})
}

// takeSecret shows the key read from the keyring (none when serr), clearing a Test connection
// result the key no longer matches.
func (p *idpPage) takeSecret(secret string, serr error) {
	old := p.secret
	if serr == nil {
		p.secret = secret
	} else {
		p.secret = ""
	}
	if p.secret != old {
		p.clearTest()
	}
	p.showKey()
	if serr != nil && !errors.Is(serr, hostsync.ErrSecretNotFound) {
		p.keyText.SetText("Unavailable: the OS keyring cannot be used")
	}
}

// pollSoon schedules one refresh, unless one is pending or the page was left.
func (p *idpPage) pollSoon() {
	if p.stopPoll != nil || p.ctx.Err() != nil {
		return
	}
	p.stopPoll = p.env.After(p.env.Delays.StatusEvery, func() {
		p.stopPoll = nil
		p.refresh()
	})
}

// own keeps the keys of this page's IdP; a key older than IdPs is Azure AD's.
func (p *idpPage) own(keys []hostsync.Key) []hostsync.Key {
	var out []hostsync.Key
	for _, k := range keys {
		if k.IdP.Or() == p.idp {
			out = append(out, k)
		}
	}
	return out
}

// activeKeys counts this IdP's keys that still authenticate.
func (p *idpPage) activeKeys() int {
	n := 0
	for _, k := range p.keys {
		if k.Active() {
			n++
		}
	}
	return n
}

// showState puts the page's problem, if any, in the banner. A first run (no key was ever made
// for this IdP) is no problem: the welcome checklist says what to do.
func (p *idpPage) showState(serr, kerr error) {
	switch {
	case kerr != nil:
		p.banner.show(Describe(kerr), "Retry", p.load)
	case errors.Is(serr, hostsync.ErrSecretNotFound) && len(p.keys) == 0:
		p.banner.hide()
	case errors.Is(serr, hostsync.ErrSecretNotFound):
		p.banner.show(p.keyLost(serr), "Generate new key…", p.onGenerate)
	case serr != nil:
		p.banner.show(Describe(serr), "Retry", p.load)
	case p.currentKey() == nil:
		p.banner.show(Problem{
			Title:   "The API key on this computer is no longer valid",
			Message: "The key kept in this computer's keyring was revoked or belongs to another service.",
			Hint:    "Generate a new key and give it to " + p.idp.Name() + ".",
		}, "Generate new key…", p.onGenerate)
	default:
		p.banner.hide()
	}
}

// keyLost explains a key that exists at the service but not in this computer's keyring; the raw
// error stays under Details.
func (p *idpPage) keyLost(err error) Problem {
	pr := Problem{
		Title:   "No API key on this computer",
		Message: "An API key for " + p.idp.Name() + " was made, but this computer's keyring holds no copy of it (it was generated on another computer, or the keyring was reset).",
		Hint:    "Generate a new key and paste it into " + p.idp.Name() + ".",
		Err:     err,
	}
	switch n := p.activeKeys(); {
	case n == 1:
		pr.Hint += " The existing key keeps working until you revoke it, so " + p.idp.Name() + " is not interrupted."
	case n > 1:
		pr.Hint += " The existing keys keep working until you revoke them, so " + p.idp.Name() + " is not interrupted."
	}
	return pr
}

// currentKey is the active key whose secret this computer holds.
func (p *idpPage) currentKey() *hostsync.Key {
	if p.secret == "" {
		return nil
	}
	for i, k := range p.keys {
		if k.Active() && k.Prefix != "" && strings.HasPrefix(p.secret, k.Prefix) {
			return &p.keys[i]
		}
	}
	return nil
}

func (p *idpPage) currentKeyID() string {
	if k := p.currentKey(); k != nil {
		return k.ID
	}
	return ""
}

// record writes a console action to the service's activity log; never the key itself.
func (p *idpPage) record(action, resourceID, detail string) {
	p.env.Run(func() func() {
		// Recorded even if the user leaves the page right after copying.
		_, err := p.sess.Service.RecordActivity(context.WithoutCancel(p.ctx), hostsync.ConsoleEvent{Action: action, ResourceID: resourceID, Detail: detail})
		if err == nil {
			return nil
		}
		p.env.log().Warn("activity not recorded", "action", action, "err", err)
		return func() { ShowError(p.env.Window, err) }
	})
}

func (p *idpPage) notify() {
	if p.changed != nil {
		p.changed()
	}
}

// scrollTo brings o, a card of the page, into view.
func (p *idpPage) scrollTo(o fyne.CanvasObject) {
	if p.scroll == nil {
		return
	}
	y := o.Position().Y
	if max := p.scroll.Content.MinSize().Height - p.scroll.Size().Height; y > max {
		y = max
	}
	if y < 0 {
		y = 0
	}
	p.scroll.ScrollToOffset(fyne.NewPos(0, y))
}

// publicTenant returns the Tenant URL and whether it lies under another address than the one the
// console calls (a Public URL in front of the service, e.g. a reverse proxy).
func publicTenant(svc Service) (tenant string, public bool) {
	tenant = svc.TenantURL()
	return tenant, !strings.HasPrefix(tenant, svc.URL()+"/")
}
