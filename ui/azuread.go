package ui

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
)

// azurePage is Host Synchronization › Azure AD: Tenant URL, API key, keys, Test connection, checklist.
type azurePage struct {
	ctx     context.Context
	env     *Env
	sess    *Session
	changed func() // tells the shell the service's state moved (the header re-reads it); may be nil

	secret     string // the API key this computer keeps in the keyring; "" when none
	keys       []hostsync.Key
	revealed   bool
	stopReveal func()
	stopClear  func()
	stopPoll   func() // pending key-list refresh during a rotation

	banner       *banner
	tenantURL    *widget.Label
	loopbackNote *widget.Label
	copyTenant   *widget.Button
	keyText      *widget.Label
	reveal       *widget.Button
	copyKey      *widget.Button

	generate    *widget.Button
	keyList     *fyne.Container
	keyRows     map[string]*keyRow
	revokedNote *widget.Label
	rotation    *widget.Card
	rotationTxt *widget.Label

	test        *widget.Button
	steps       *fyne.Container
	stepRows    []*stepRow
	testSummary *widget.Label

	checkCopyTenant, checkCopyKey *widget.Button
}

func newAzurePage(ctx context.Context, env *Env, sess *Session) *azurePage {
	p := &azurePage{ctx: ctx, env: env, sess: sess, keyRows: map[string]*keyRow{}}
	p.banner = newBanner()
	p.tenantURL = widget.NewLabelWithStyle(sess.Service.TenantURL(), fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	p.tenantURL.Selectable = true
	p.tenantURL.Truncation = fyne.TextTruncateEllipsis
	p.loopbackNote = widget.NewLabel(tenantNote(sess))
	p.loopbackNote.Wrapping = fyne.TextWrapWord
	p.loopbackNote.Importance = widget.WarningImportance
	if p.loopbackNote.Text == "" {
		p.loopbackNote.Hide()
	}
	p.copyTenant = newCopyButton("Copy", func() { p.copyTenantURL(p.copyTenant) })
	p.keyText = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	p.keyText.Truncation = fyne.TextTruncateEllipsis
	p.reveal = &widget.Button{Text: "Reveal", Icon: theme.VisibilityIcon(), OnTapped: p.onReveal}
	p.copyKey = newCopyButton("Copy", func() { p.copyAPIKey(p.copyKey) })
	p.generate = &widget.Button{Text: "Generate new key…", Icon: theme.ContentAddIcon(), Importance: widget.HighImportance, OnTapped: p.onGenerate}
	p.keyList = container.NewVBox()
	p.revokedNote = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	p.rotationTxt = widget.NewLabel("")
	p.rotationTxt.Wrapping = fyne.TextWrapWord
	p.test = &widget.Button{Text: "Test connection", Icon: theme.MediaPlayIcon(), OnTapped: p.onTest}
	p.steps = container.NewVBox()
	p.testSummary = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.checkCopyTenant = newCopyButton("Copy Tenant URL", func() { p.copyTenantURL(p.checkCopyTenant) })
	p.checkCopyKey = newCopyButton("Copy API key", func() { p.copyAPIKey(p.checkCopyKey) })
	p.showKey()
	return p
}

func (p *azurePage) build() fyne.CanvasObject {
	heading := pageHeading("Host Synchronization › Azure AD")
	intro := widget.NewLabel("Azure AD (Microsoft Entra ID) provisions your employees as Visitly hosts. Give it the Tenant URL and an API key.")
	intro.Wrapping = fyne.TextWrapWord

	field := func(name string) *widget.Label {
		return widget.NewLabelWithStyle(name, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	}
	creds := container.New(layout.NewFormLayout(),
		field("Tenant URL"), container.NewBorder(nil, nil, nil, p.copyTenant, p.tenantURL),
		field("API key"), container.NewBorder(nil, nil, nil, container.NewHBox(p.reveal, p.copyKey), p.keyText),
	)
	credCard := widget.NewCard("Admin Credentials", "Paste these into Azure AD › Provisioning › Admin Credentials",
		container.NewVBox(creds, p.loopbackNote))

	p.rotation = widget.NewCard("Key rotation", "", p.rotationTxt)
	p.rotation.Hide()
	keysCard := widget.NewCard("API keys", "Several keys can be valid at once, so a new key never interrupts a sync cycle",
		container.NewVBox(p.keyList, p.revokedNote, container.NewHBox(p.generate)))

	testCard := widget.NewCard("Test connection", "Makes the calls Azure AD's Test Connection makes, with this computer's API key",
		container.NewVBox(container.NewHBox(p.test), p.steps, p.testSummary))

	body := container.NewVBox(heading, intro, p.banner.box, credCard, p.rotation, keysCard, testCard, p.checklist())
	p.load()
	return container.NewVScroll(container.NewPadded(body))
}

// checklist is the numbered list of Azure AD steps with the copy buttons beside them.
func (p *azurePage) checklist() fyne.CanvasObject {
	step := func(n, text string, extra fyne.CanvasObject) fyne.CanvasObject {
		num := widget.NewLabelWithStyle(n, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		l := widget.NewLabel(text)
		l.Wrapping = fyne.TextWrapWord
		if extra == nil {
			return container.NewBorder(nil, nil, num, nil, l)
		}
		return container.NewBorder(nil, nil, num, container.NewVBox(extra), l)
	}
	return widget.NewCard("Set up provisioning in Azure AD", "", container.NewVBox(
		step("1.", "In the Azure portal open Enterprise applications › Visitly › Provisioning and set Provisioning Mode to Automatic.", nil),
		step("2.", "Under Admin Credentials, paste the Tenant URL.", p.checkCopyTenant),
		step("3.", "Paste the API key into Secret Token.", p.checkCopyKey),
		step("4.", "Press Test Connection, then Save. Use Test connection above if Azure AD reports an error.", nil),
		step("5.", "Mappings: keep userPrincipalName → userName and Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\") → active.", nil),
		step("6.", "Settings › Scope: \"Sync only assigned users and groups\", and assign the employees who should become hosts.", nil),
		step("7.", "Set Provisioning Status to On and Save. The header of this window shows the last SCIM call and the last rejected one.", nil),
	))
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

// showKey renders the key field: masked, revealed or absent.
func (p *azurePage) showKey() {
	switch {
	case p.secret == "":
		p.keyText.SetText("No key on this computer")
		p.reveal.Disable()
		p.copyKey.Disable()
		p.checkCopyKey.Disable()
	case p.revealed:
		p.keyText.SetText(p.secret)
	default:
		p.keyText.SetText(mask(p.secret))
	}
	if p.secret != "" {
		p.reveal.Enable()
		p.copyKey.Enable()
		p.checkCopyKey.Enable()
	}
	if p.revealed {
		p.reveal.SetText("Hide")
		p.reveal.SetIcon(theme.VisibilityOffIcon())
	} else {
		p.reveal.SetText("Reveal")
		p.reveal.SetIcon(theme.VisibilityIcon())
	}
}

// mask keeps the key's public prefix (the service shows it too) and hides the rest.
func mask(secret string) string {
	n := min(8, len(secret))
	return secret[:n] + strings.Repeat("•", 24)
}

func (p *azurePage) onReveal() {
	if p.revealed {
		p.hideKey()
		return
	}
	if p.secret == "" {
		return
	}
	p.revealed = true
	p.showKey()
	p.stopReveal = p.env.After(p.env.Delays.RevealFor, p.hideKey)
	p.record(hostsync.ActionKeyRevealed, p.currentKeyID(), "API key revealed in the console")
}

func (p *azurePage) hideKey() {
	if p.stopReveal != nil {
		p.stopReveal()
		p.stopReveal = nil
	}
	p.revealed = false
	p.showKey()
}

func (p *azurePage) onCopyTenant() { p.copyTenantURL(p.copyTenant) }

func (p *azurePage) onCopyKey() { p.copyAPIKey(p.copyKey) }

func (p *azurePage) copyTenantURL(b *widget.Button) {
	p.env.Clipboard.SetContent(p.sess.Service.TenantURL())
	flashCopied(p.env, b)
	p.record(hostsync.ActionTenantURLCopied, "", "")
}

// copyAPIKey copies without revealing, and clears the clipboard later if it still holds the key.
func (p *azurePage) copyAPIKey(b *widget.Button) {
	secret := p.secret
	if secret == "" {
		return
	}
	p.env.Clipboard.SetContent(secret)
	flashCopied(p.env, b)
	if p.stopClear != nil {
		p.stopClear()
	}
	p.stopClear = p.env.After(p.env.Delays.ClearClipboard, func() {
		if p.env.Clipboard.Content() == secret {
			p.env.Clipboard.SetContent("")
		}
	})
	p.record(hostsync.ActionKeyCopied, p.currentKeyID(), "API key copied to the clipboard")
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
