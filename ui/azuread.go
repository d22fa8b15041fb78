package ui

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
)

// azurePage is Host Synchronization › Azure AD: the credentials Azure AD needs, the service's API
// keys, Test connection and the setup checklist. Each card is its own struct with its widgets and
// onX handlers; the page holds what they share: the key this computer keeps and the key list.
type azurePage struct {
	ctx     context.Context // the page's: ends when the user leaves it
	env     *Env
	sess    *Session
	changed func() // tells the shell the service's state moved (the header re-reads it); may be nil

	secret string // the API key this computer keeps in the keyring; "" when none
	keys   []hostsync.Key
	banner *banner

	*credentialsCard
	*keysCard
	*testCard
}

func newAzurePage(ctx context.Context, env *Env, sess *Session) *azurePage {
	p := &azurePage{ctx: ctx, env: env, sess: sess, banner: newBanner()}
	p.credentialsCard = newCredentialsCard(p)
	p.keysCard = newKeysCard(p)
	p.testCard = newTestCard(p)
	p.showKey()
	return p
}

func (p *azurePage) build() fyne.CanvasObject {
	heading := pageHeading("Host Synchronization › Azure AD")
	intro := widget.NewLabel("Azure AD (Microsoft Entra ID) provisions your employees as Visitly hosts. Give it the Tenant URL and an API key.")
	intro.Wrapping = fyne.TextWrapWord
	credCard := p.credentialsCard.build()
	rotation, keysCard := p.keysCard.build()
	body := container.NewVBox(heading, intro, p.banner.box, credCard, rotation, keysCard, p.testCard.build(), p.checklist())
	p.load()
	return container.NewVScroll(container.NewPadded(body))
}

// load reads the key from the keyring and the key list from the service.
func (p *azurePage) load() {
	p.env.Run(func() func() {
		secret, serr := p.env.Secrets.Get(p.sess.APIKeyAccount)
		keys, kerr := p.sess.Service.Keys(p.ctx)
		return func() {
			if p.ctx.Err() != nil {
				return // the page was left
			}
			if serr == nil {
				p.secret = secret
			} else {
				p.secret = ""
			}
			if kerr == nil {
				p.keys = keys
			}
			p.showKey()
			if serr != nil && !errors.Is(serr, hostsync.ErrSecretNotFound) {
				p.keyText.SetText("Unavailable: the OS keyring cannot be used")
			}
			p.showKeys()
			p.showState(serr, kerr)
		}
	})
}

// showState puts the page's problem, if any, in the banner.
func (p *azurePage) showState(serr, kerr error) {
	switch {
	case kerr != nil:
		p.banner.show(Describe(kerr), "Retry", p.load)
	case errors.Is(serr, hostsync.ErrSecretNotFound):
		p.banner.show(Describe(serr), "Generate new key…", p.onGenerate)
	case serr != nil:
		p.banner.show(Describe(serr), "Retry", p.load)
	case p.currentKey() == nil:
		p.banner.show(Problem{
			Title:   "The API key on this computer is no longer valid",
			Message: "The key kept in this computer's keyring was revoked or belongs to another service.",
			Hint:    "Generate a new key and give it to Azure AD.",
		}, "Generate new key…", p.onGenerate)
	default:
		p.banner.hide()
	}
}

// currentKey is the active key whose secret this computer holds.
func (p *azurePage) currentKey() *hostsync.Key {
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

func (p *azurePage) currentKeyID() string {
	if k := p.currentKey(); k != nil {
		return k.ID
	}
	return ""
}

// record writes a console action to the service's activity log; never the key itself.
func (p *azurePage) record(action, resourceID, detail string) {
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

func (p *azurePage) notify() {
	if p.changed != nil {
		p.changed()
	}
}

// tenantNote warns when Azure AD cannot use the Tenant URL as shown; "" when it can.
func tenantNote(sess *Session) string {
	const loopback = "This address is reachable from this computer only. Azure AD needs a public HTTPS address: "
	tenant := sess.Service.TenantURL()
	switch {
	case isLoopback(tenant) && sess.Embedded:
		return loopback + "put a reverse proxy or tunnel in front of it and enter its address as the Public URL in Settings."
	case isLoopback(tenant):
		return loopback + "put a reverse proxy or tunnel in front of the service."
	case strings.HasPrefix(tenant, "http:"):
		return "Azure AD accepts only https:// Tenant URLs (TLS 1.2 or newer): put an HTTPS reverse proxy in front of the service, " +
			"or give it a TLS certificate, and use its https:// address."
	}
	return ""
}

// publicTenant returns the Tenant URL and whether it lies under another address than the one the
// console calls (a Public URL in front of the service, e.g. a reverse proxy).
func publicTenant(svc Service) (tenant string, public bool) {
	tenant = svc.TenantURL()
	return tenant, !strings.HasPrefix(tenant, svc.URL()+"/")
}

// isLoopback reports whether a service URL names this computer only.
func isLoopback(serviceURL string) bool {
	u, err := url.Parse(serviceURL)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
