package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
)

// keyRow is one active key in the list.
type keyRow struct {
	box    fyne.CanvasObject
	title  *widget.Label
	detail *widget.Label
	revoke *widget.Button
}

func (p *azurePage) newKeyRow(k hostsync.Key) *keyRow {
	r := &keyRow{
		title:  widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		detail: widget.NewLabel(""),
	}
	r.revoke = &widget.Button{Text: "Revoke…", Icon: theme.DeleteIcon(), Importance: widget.DangerImportance,
		OnTapped: func() { p.onRevoke(k) }}
	title := fmt.Sprintf("#%s  %s", k.ID, k.Label)
	if k.Prefix != "" && strings.HasPrefix(p.secret, k.Prefix) {
		title += "  · kept on this computer"
	}
	r.title.SetText(title)
	used := "never used"
	if !k.LastUsed.IsZero() {
		used = "last used " + hostsync.Ago(k.LastUsed, time.Now())
	}
	r.detail.SetText(fmt.Sprintf("%s…   created %s   %s", k.Prefix, k.Created.Local().Format("2 Jan 2006 15:04"), used))
	r.box = container.NewBorder(nil, nil, nil, container.NewCenter(r.revoke), container.NewVBox(r.title, r.detail))
	return r
}

// showKeys rebuilds the list of active keys and the rotation guide.
func (p *azurePage) showKeys() {
	p.keyRows = map[string]*keyRow{}
	var rows []fyne.CanvasObject
	revoked := 0
	for _, k := range p.keys {
		if !k.Active() {
			revoked++
			continue
		}
		r := p.newKeyRow(k)
		p.keyRows[k.ID] = r
		if len(rows) > 0 {
			rows = append(rows, widget.NewSeparator())
		}
		rows = append(rows, r.box)
	}
	if len(rows) == 0 {
		rows = append(rows, widget.NewLabel("No active API key: Azure AD cannot connect until you generate one."))
	}
	p.keyList.Objects = rows
	p.keyList.Refresh()
	switch revoked {
	case 0:
		p.revokedNote.Hide()
	case 1:
		p.revokedNote.SetText("1 revoked key is not shown.")
		p.revokedNote.Show()
	default:
		p.revokedNote.SetText(fmt.Sprintf("%d revoked keys are not shown.", revoked))
		p.revokedNote.Show()
	}
	p.showRotation()
}

// showRotation guides a rotation while more than one key is active.
func (p *azurePage) showRotation() {
	if p.rotation == nil {
		return
	}
	var active []hostsync.Key
	for _, k := range p.keys {
		if k.Active() {
			active = append(active, k)
		}
	}
	if len(active) < 2 {
		p.rotation.Hide()
		return
	}
	newest := active[len(active)-1]
	var older []string
	for _, k := range active[:len(active)-1] {
		older = append(older, "#"+k.ID)
	}
	wait := "3. Wait for Azure AD's first call with the new key (not yet; this page checks again every few seconds)."
	revoke := "4. Then revoke"
	if !newest.LastUsed.IsZero() {
		// The service records use, not who used it: Test connection counts too, so say what is known.
		wait = fmt.Sprintf("3. ✓ Key #%s is in use (last call %s).", newest.ID, hostsync.Ago(newest.LastUsed, time.Now()))
		revoke = "4. Now revoke"
	} else if p.stopPoll == nil && p.ctx.Err() == nil {
		// Watch for the new key's first use while the rotation waits on it.
		p.stopPoll = p.env.After(p.env.Delays.StatusEvery, func() {
			p.stopPoll = nil
			p.reloadKeys()
		})
	}
	p.rotationTxt.SetText(fmt.Sprintf("%d keys are valid. The newest is #%s (%s…).\n"+
		"1. Paste it into Azure AD › Provisioning › Admin Credentials › Secret Token and Save.\n"+
		"2. Press Test Connection in Azure AD.\n%s\n%s %s: %s.",
		len(active), newest.ID, newest.Prefix, wait, revoke, olderKeys(len(older)), strings.Join(older, ", ")))
	p.rotation.Show()
}

// reloadKeys refreshes the key list from the service while the page is on display.
func (p *azurePage) reloadKeys() {
	if p.ctx.Err() != nil {
		return // the page was left: no more polling
	}
	p.env.Run(func() func() {
		keys, err := p.sess.Service.Keys(p.ctx)
		return func() {
			if err == nil && p.ctx.Err() == nil {
				p.keys = keys
				p.showKeys()
			}
		}
	})
}

func (p *azurePage) onGenerate() {
	msg := widget.NewLabel("The service creates a new API key and this computer keeps it in the OS keyring.\n\n" +
		"Azure AD keeps using its current key until you paste the new one into Secret Token. " +
		"Older keys stay valid until you revoke them, so no sync cycle breaks.")
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm("Generate a new API key?", "Generate key", "Cancel", msg, func(ok bool) {
		if ok {
			p.doGenerate()
		}
	}, p.env.Window)
	d.Resize(fyne.NewSize(460, 0))
	d.Show()
}

func (p *azurePage) doGenerate() {
	p.generate.Disable()
	label := "Azure AD " + time.Now().Format("2006-01-02 15:04")
	p.env.Run(func() func() {
		// A confirmed change finishes even if the user leaves the page meanwhile.
		ctx := context.WithoutCancel(p.ctx)
		nk, err := p.sess.Service.CreateKey(ctx, label)
		if err != nil {
			return func() {
				p.generate.Enable()
				ShowError(p.env.Window, err)
			}
		}
		setErr := p.env.Secrets.Set(p.sess.APIKeyAccount, nk.Secret)
		keys, kerr := p.sess.Service.Keys(ctx)
		return func() {
			p.generate.Enable()
			p.secret = nk.Secret
			if kerr == nil {
				p.keys = keys
			} else {
				p.keys = append(p.keys, nk.Key)
			}
			p.banner.hide()
			p.showKeys()
			p.onRevealFresh()
			p.notify()
			if setErr != nil {
				ShowError(p.env.Window, fmt.Errorf("the new key %s… was created but could not be kept in the OS keyring; "+
					"copy it into Azure AD now, it is gone when the console closes: %w", nk.Key.Prefix, setErr))
			}
		}
	})
}

// onRevealFresh shows a key just generated, then hides it like Reveal does.
func (p *azurePage) onRevealFresh() {
	if p.stopReveal != nil {
		p.stopReveal()
	}
	p.revealed = true
	p.showKey()
	p.stopReveal = p.env.After(p.env.Delays.RevealFor, p.hideKey)
}

func (p *azurePage) onRevoke(k hostsync.Key) {
	msg := widget.NewLabel(fmt.Sprintf("Azure AD calls with key #%s (%s…) are refused from now on. "+
		"Revoke it only after Azure AD uses a newer key.", k.ID, k.Prefix))
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(fmt.Sprintf("Revoke key #%s %q?", k.ID, k.Label), "Revoke", "Cancel", msg, func(ok bool) {
		if ok {
			p.doRevoke(k)
		}
	}, p.env.Window)
	d.SetConfirmImportance(widget.DangerImportance)
	d.Resize(fyne.NewSize(460, 0))
	d.Show()
}

func (p *azurePage) doRevoke(k hostsync.Key) {
	ours := k.Prefix != "" && strings.HasPrefix(p.secret, k.Prefix)
	p.env.Run(func() func() {
		ctx := context.WithoutCancel(p.ctx) // a confirmed change finishes even if the page is left
		if _, err := p.sess.Service.RevokeKey(ctx, k.ID); err != nil {
			return func() { ShowError(p.env.Window, err) }
		}
		var delErr error
		if ours {
			// A revoked key is useless; keep no copy of it.
			delErr = p.env.Secrets.Delete(p.sess.APIKeyAccount)
		}
		keys, kerr := p.sess.Service.Keys(ctx)
		return func() {
			if kerr == nil {
				p.keys = keys
			} else {
				for i := range p.keys {
					if p.keys[i].ID == k.ID {
						p.keys[i].Revoked = time.Now()
					}
				}
			}
			if ours {
				p.secret = ""
				p.hideKey()
				p.showState(nil, kerr)
			}
			p.showKeys()
			p.notify()
			if delErr != nil {
				ShowError(p.env.Window, delErr)
			}
		}
	})
}

// olderKeys names the keys to revoke: "the older key", "the 2 older keys".
func olderKeys(n int) string {
	if n == 1 {
		return "the older key"
	}
	return "the " + hostsync.Plural(n, "older key", "older keys")
}
