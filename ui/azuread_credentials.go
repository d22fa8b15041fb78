package ui

import (
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
	p *azurePage

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

func newCredentialsCard(p *azurePage) *credentialsCard {
	c := &credentialsCard{p: p}
	c.tenantURL = widget.NewLabelWithStyle(p.sess.Service.TenantURL(), fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	c.tenantURL.Selectable = true
	c.tenantURL.Truncation = fyne.TextTruncateEllipsis
	c.loopbackNote = widget.NewLabel(tenantNote(p.sess))
	c.loopbackNote.Wrapping = fyne.TextWrapWord
	c.loopbackNote.Importance = widget.WarningImportance
	if c.loopbackNote.Text == "" {
		c.loopbackNote.Hide()
	}
	c.copyTenant = newCopyButton("Copy", func() { c.copyTenantURL(c.copyTenant) })
	c.keyText = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	c.keyText.Truncation = fyne.TextTruncateEllipsis
	c.reveal = &widget.Button{Text: "Reveal", Icon: theme.VisibilityIcon(), OnTapped: c.onReveal}
	c.copyKey = newCopyButton("Copy", func() { c.copyAPIKey(c.copyKey) })
	c.checkCopyTenant = newCopyButton("Copy Tenant URL", func() { c.copyTenantURL(c.checkCopyTenant) })
	c.checkCopyKey = newCopyButton("Copy API key", func() { c.copyAPIKey(c.checkCopyKey) })
	return c
}

func (c *credentialsCard) build() fyne.CanvasObject {
	field := func(name string) *widget.Label {
		return widget.NewLabelWithStyle(name, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	}
	creds := container.New(layout.NewFormLayout(),
		field("Tenant URL"), container.NewBorder(nil, nil, nil, c.copyTenant, c.tenantURL),
		field("API key"), container.NewBorder(nil, nil, nil, container.NewHBox(c.reveal, c.copyKey), c.keyText),
	)
	return widget.NewCard("Admin Credentials", "Paste these into Azure AD › Provisioning › Admin Credentials",
		container.NewVBox(creds, c.loopbackNote))
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
	c.p.record(hostsync.ActionKeyRevealed, c.p.currentKeyID(), "API key revealed in the console")
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
	c.p.record(hostsync.ActionKeyCopied, c.p.currentKeyID(), "API key copied to the clipboard")
}

// checklist is the numbered list of Azure AD steps with the copy buttons beside them.
func (c *credentialsCard) checklist() fyne.CanvasObject {
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
		step("2.", "Under Admin Credentials, paste the Tenant URL.", c.checkCopyTenant),
		step("3.", "Paste the API key into Secret Token.", c.checkCopyKey),
		step("4.", "Press Test Connection, then Save. Use Test connection above if Azure AD reports an error.", nil),
		step("5.", "Mappings: keep userPrincipalName → userName and Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\") → active.", nil),
		step("6.", "Settings › Scope: \"Sync only assigned users and groups\", and assign the employees who should become hosts.", nil),
		step("7.", "Set Provisioning Status to On and Save. The header of this window shows the last SCIM call and the last rejected one.", nil),
	))
}
