package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
)

// credentialsCard is Admin Credentials: the Tenant URL and the API key this computer keeps, with
// Reveal and Copy, and the copy buttons of the setup checklist.
type credentialsCard struct {
	p *idpPage

	revealed   bool
	stopReveal func()
	stopClear  func()

	tenantURL    *widget.Label
	loopbackNote *widget.Label
	copyTenant   *widget.Button
	keyText      *widget.Label
	reveal       *widget.Button
	copyKey      *widget.Button

	checkCopyTenant, checkCopyKey *widget.Button
}

func newCredentialsCard(p *idpPage) *credentialsCard {
	c := &credentialsCard{p: p}
	c.tenantURL = widget.NewLabelWithStyle(p.sess.Service.TenantURL(), fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	c.tenantURL.Selectable = true
	c.tenantURL.Truncation = fyne.TextTruncateEllipsis
	c.loopbackNote = widget.NewLabel("")
	c.loopbackNote.Wrapping = fyne.TextWrapWord
	c.loopbackNote.Importance = widget.WarningImportance
	c.loopbackNote.Hide()
	c.copyTenant = newCopyButton("Copy", func() { c.copyTenantURL(c.copyTenant) })
	c.keyText = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	c.keyText.Truncation = fyne.TextTruncateEllipsis
	c.reveal = &widget.Button{Text: "Reveal", Icon: theme.VisibilityIcon(), OnTapped: c.onReveal}
	c.copyKey = newCopyButton("Copy", func() { c.copyAPIKey(c.copyKey) })
	c.checkCopyTenant = newCopyButton("Copy "+p.guide.urlLabel, func() { c.copyTenantURL(c.checkCopyTenant) })
	c.checkCopyKey = newCopyButton("Copy API key", func() { c.copyAPIKey(c.checkCopyKey) })
	return c
}

func (c *credentialsCard) build() fyne.CanvasObject {
	field := func(name string) *widget.Label {
		return widget.NewLabelWithStyle(name, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	}
	creds := container.New(layout.NewFormLayout(),
		field(c.p.guide.urlLabel), container.NewBorder(nil, nil, nil, c.copyTenant, c.tenantURL),
		field("API key"), container.NewBorder(nil, nil, nil, container.NewHBox(c.reveal, c.copyKey), c.keyText),
	)
	hint := widget.NewLabel(c.p.guide.pasteHint + ": the API key goes into " + c.p.guide.keyLabel + ".")
	hint.Wrapping = fyne.TextWrapWord
	return widget.NewCard("What "+c.p.idp.Name()+" needs", "", container.NewVBox(hint, creds, c.loopbackNote))
}

// showNote repeats, beside the address, that the IdP cannot use it and what to do.
func (c *credentialsCard) showNote(v verdict) {
	if v.ok {
		c.loopbackNote.Hide()
		return
	}
	name := c.p.idp.Name()
	c.loopbackNote.SetText("⚠ " + name + " cannot use this address: " + v.short + ". See \"How will " + name + " reach the host-sync service?\" above.")
	c.loopbackNote.Show()
}

// showKey renders the key field: masked, revealed or absent.
func (c *credentialsCard) showKey() {
	switch {
	case c.p.secret == "":
		c.keyText.SetText("No key on this computer")
		c.reveal.Disable()
		c.copyKey.Disable()
		c.checkCopyKey.Disable()
	case c.revealed:
		c.keyText.SetText(c.p.secret)
	default:
		c.keyText.SetText(mask(c.p.secret))
	}
	if c.p.secret != "" {
		c.reveal.Enable()
		c.copyKey.Enable()
		c.checkCopyKey.Enable()
	}
	if c.revealed {
		c.reveal.SetText("Hide")
		c.reveal.SetIcon(theme.VisibilityOffIcon())
	} else {
		c.reveal.SetText("Reveal")
		c.reveal.SetIcon(theme.VisibilityIcon())
	}
}

// mask keeps the key's public prefix (the service shows it too) and hides the rest.
func mask(secret string) string {
	n := min(8, len(secret))
	return secret[:n] + strings.Repeat("•", 24)
}

func (c *credentialsCard) onReveal() {
	if c.revealed {
		c.hideKey()
		return
	}
	if c.p.secret == "" {
		return
	}
	c.revealed = true
	c.showKey()
	c.stopReveal = c.p.env.After(c.p.env.Delays.RevealFor, c.hideKey)
	c.p.record(hostsync.ActionKeyRevealed, c.p.currentKeyID(), "API key for "+c.p.idp.Name()+" revealed in the console")
}

func (c *credentialsCard) hideKey() {
	if c.stopReveal != nil {
		c.stopReveal()
		c.stopReveal = nil
	}
	c.revealed = false
	c.showKey()
}

func (c *credentialsCard) onCopyTenant() { c.copyTenantURL(c.copyTenant) }

func (c *credentialsCard) onCopyKey() { c.copyAPIKey(c.copyKey) }

func (c *credentialsCard) copyTenantURL(b *widget.Button) {
	c.p.env.Clipboard.SetContent(c.p.sess.Service.TenantURL())
	flashCopied(c.p.env, b)
	c.p.record(hostsync.ActionTenantURLCopied, "", "")
}

// copyAPIKey copies without revealing, and clears the clipboard later if it still holds the key.
func (c *credentialsCard) copyAPIKey(b *widget.Button) {
	secret := c.p.secret
	if secret == "" {
		return
	}
	c.p.env.Clipboard.SetContent(secret)
	flashCopied(c.p.env, b)
	if c.stopClear != nil {
		c.stopClear()
	}
	c.stopClear = c.p.env.After(c.p.env.Delays.ClearClipboard, func() {
		if c.p.env.Clipboard.Content() == secret {
			c.p.env.Clipboard.SetContent("")
		}
	})
	c.p.record(hostsync.ActionKeyCopied, c.p.currentKeyID(), "API key for "+c.p.idp.Name()+" copied to the clipboard")
}

// guideCard is the numbered list of the IdP's own set-up steps with the copy buttons beside them.
func (p *idpPage) guideCard() fyne.CanvasObject {
	var rows []fyne.CanvasObject
	for i, st := range p.guide.steps {
		num := widget.NewLabelWithStyle(fmt.Sprintf("%d.", i+1), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		l := widget.NewLabel(st.text)
		l.Wrapping = fyne.TextWrapWord
		var extra fyne.CanvasObject
		switch st.copy {
		case copyURL:
			extra = container.NewVBox(p.checkCopyTenant)
		case copyKey:
			extra = container.NewVBox(p.checkCopyKey)
		}
		rows = append(rows, container.NewBorder(nil, nil, num, extra, l))
	}
	return widget.NewCard("Set up provisioning in "+p.idp.Name(), "", container.NewVBox(rows...))
}
