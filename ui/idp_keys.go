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

// keysCard is API keys: the service's active keys with Revoke, Generate new key and, while more
// than one key is valid, the rotation guide.
type keysCard struct {
	p *idpPage

	generate    *widget.Button
	keyList     *fyne.Container
	keyRows     map[string]*keyRow
	revokedNote *widget.Label
	rotation    *widget.Card
	rotationTxt *widget.Label
}

func newKeysCard(p *idpPage) *keysCard {
	c := &keysCard{p: p, keyRows: map[string]*keyRow{}}
	c.generate = &widget.Button{Text: "Generate new key…", Icon: theme.ContentAddIcon(), Importance: widget.HighImportance, OnTapped: c.onGenerate}
	c.keyList = container.NewVBox()
	c.revokedNote = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	c.rotationTxt = widget.NewLabel("")
	c.rotationTxt.Wrapping = fyne.TextWrapWord
	return c
}

// build returns the rotation guide (hidden until a rotation) and the key list's card.
func (c *keysCard) build() (rotation, keys fyne.CanvasObject) {
	c.rotation = widget.NewCard("Key rotation", "", c.rotationTxt)
	c.rotation.Hide()
	return c.rotation, widget.NewCard("API keys", "Several keys can be valid at once, so a new key never interrupts a sync cycle",
		container.NewVBox(c.keyList, c.revokedNote, container.NewHBox(c.generate)))
}

// keyRow is one active key in the list.
type keyRow struct {
	box    fyne.CanvasObject
	title  *widget.Label
	detail *widget.Label
	revoke *widget.Button
}

func (c *keysCard) newKeyRow(k hostsync.Key) *keyRow {
	r := &keyRow{
		title:  widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		detail: widget.NewLabel(""),
	}
	r.title.Truncation = fyne.TextTruncateEllipsis // a long label must not widen the window
	r.revoke = &widget.Button{Text: "Revoke…", Icon: theme.DeleteIcon(), Importance: widget.DangerImportance,
		OnTapped: func() { c.onRevoke(k) }}
	title := fmt.Sprintf("#%s  %s", k.ID, k.Label)
	if k.Prefix != "" && strings.HasPrefix(c.p.secret, k.Prefix) {
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
func (c *keysCard) showKeys() {
	c.keyRows = map[string]*keyRow{}
	var rows []fyne.CanvasObject
	revoked := 0
	for _, k := range c.p.keys {
		if !k.Active() {
			revoked++
			continue
		}
		r := c.newKeyRow(k)
		c.keyRows[k.ID] = r
		if len(rows) > 0 {
			rows = append(rows, widget.NewSeparator())
		}
		rows = append(rows, r.box)
	}
	if len(rows) == 0 {
		none := widget.NewLabel("No active API key: " + c.p.idp.Name() + " cannot connect until you generate one.")
		none.Wrapping = fyne.TextWrapWord
		rows = append(rows, none)
	}
	c.keyList.Objects = rows
	c.keyList.Refresh()
	switch revoked {
	case 0:
		c.revokedNote.Hide()
	case 1:
		c.revokedNote.SetText("1 revoked key is not shown.")
		c.revokedNote.Show()
	default:
		c.revokedNote.SetText(fmt.Sprintf("%d revoked keys are not shown.", revoked))
		c.revokedNote.Show()
	}
	c.showRotation()
}

// showRotation guides a rotation while more than one key is active.
func (c *keysCard) showRotation() {
	if c.rotation == nil {
		return
	}
	var active []hostsync.Key
	for _, k := range c.p.keys {
		if k.Active() {
			active = append(active, k)
		}
	}
	if len(active) < 2 {
		c.rotation.Hide()
		return
	}
	newest := active[len(active)-1]
	var older []string
	for _, k := range active[:len(active)-1] {
		older = append(older, "#"+k.ID)
	}
	name := c.p.idp.Name()
	wait := "3. Wait for " + name + "'s first call with the new key (not yet; this page checks again every few seconds)."
	revoke := "4. Then revoke"
	if !newest.LastUsed.IsZero() {
		// The service records use, not who used it: Test connection counts too, so say what is known.
		wait = fmt.Sprintf("3. ✓ Key #%s is in use (last call %s).", newest.ID, hostsync.Ago(newest.LastUsed, time.Now()))
		revoke = "4. Now revoke"
	} else {
		// Watch for the new key's first use while the rotation waits on it.
		c.p.pollSoon()
	}
	c.rotationTxt.SetText(fmt.Sprintf("%d keys are valid. The newest is #%s (%s…).\n"+
		"1. Paste it into %s and Save.\n"+
		"2. Press %s in %s.\n%s\n%s %s: %s.",
		len(active), newest.ID, newest.Prefix, c.p.guide.keyWhere, c.p.guide.testName, name, wait, revoke, olderKeys(len(older)), strings.Join(older, ", ")))
	c.rotation.Show()
}

func (c *keysCard) onGenerate() {
	name := c.p.idp.Name()
	text := "The service creates a new API key for " + name + " and this computer keeps it in the OS keyring."
	if c.p.activeKeys() > 0 {
		text += "\n\n" + name + " keeps using its current key until you paste the new one into " + c.p.guide.keyLabel + ". " +
			"Older keys stay valid until you revoke them, so no sync cycle breaks."
	}
	msg := widget.NewLabel(text)
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm("Generate a new API key?", "Generate key", "Cancel", msg, func(ok bool) {
		if ok {
			c.doGenerate()
		}
	}, c.p.env.Window)
	d.Resize(fyne.NewSize(460, 0))
	ShowConfirm(c.p.env.Window, d) // Enter confirms, Escape cancels
}

func (c *keysCard) doGenerate() {
	name := c.p.idp.Name()
	c.generate.Disable()
	label := c.p.idp.Name() + " " + time.Now().Format("2006-01-02 15:04")
	c.p.env.Run(func() func() {
		// A confirmed change finishes even if the user leaves the page meanwhile.
		ctx := context.WithoutCancel(c.p.ctx)
		nk, err := c.p.sess.Service.CreateKey(ctx, label, c.p.idp)
		if err != nil {
			return func() {
				c.generate.Enable()
				ShowError(c.p.env.Window, err)
			}
		}
		setErr := c.p.env.Secrets.Set(c.p.keyAccount(), nk.Secret)
		keys, kerr := c.p.sess.Service.Keys(ctx)
		return func() {
			c.generate.Enable()
			c.p.secret = nk.Secret
			if nk.Key.IdP == "" {
				nk.Key.IdP = c.p.idp // a service too old to store it: the key is still this page's
			}
			if kerr == nil {
				c.p.keys = c.p.own(keys)
			} else {
				c.p.keys = append(c.p.keys, nk.Key)
			}
			if c.p.currentKey() == nil {
				c.p.keys = append(c.p.keys, nk.Key) // the service's list does not say whose it is yet
			}
			c.p.banner.hide()
			c.p.clearTest()
			c.showKeys()
			c.p.showWelcome()
			c.p.onRevealFresh()
			c.p.notify()
			if setErr != nil {
				ShowError(c.p.env.Window, fmt.Errorf("the new key %s… was created but could not be kept in the OS keyring; "+
					"copy it into %s now, it is gone when the console closes: %w", nk.Key.Prefix, name, setErr))
			}
		}
	})
}

// onRevealFresh shows a key just generated, then hides it like Reveal does.
func (c *keysCard) onRevealFresh() {
	if c.p.stopReveal != nil {
		c.p.stopReveal()
	}
	c.p.revealed = true
	c.p.showKey()
	c.p.stopReveal = c.p.env.After(c.p.env.Delays.RevealFor, c.p.hideKey)
}

func (c *keysCard) onRevoke(k hostsync.Key) {
	name := c.p.idp.Name()
	msg := widget.NewLabel(fmt.Sprintf("%s calls with key #%s (%s…) are refused from now on. "+
		"Revoke it only after %s uses a newer key.", name, k.ID, k.Prefix, name))
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(fmt.Sprintf("Revoke key #%s %q?", k.ID, k.Label), "Revoke", "Cancel", msg, func(ok bool) {
		if ok {
			c.doRevoke(k)
		}
	}, c.p.env.Window)
	d.SetConfirmImportance(widget.DangerImportance)
	d.Resize(fyne.NewSize(460, 0))
	ShowConfirm(c.p.env.Window, d) // Enter confirms, Escape cancels
}

func (c *keysCard) doRevoke(k hostsync.Key) {
	ours := k.Prefix != "" && strings.HasPrefix(c.p.secret, k.Prefix)
	c.p.env.Run(func() func() {
		ctx := context.WithoutCancel(c.p.ctx) // a confirmed change finishes even if the page is left
		if _, err := c.p.sess.Service.RevokeKey(ctx, k.ID); err != nil {
			return func() { ShowError(c.p.env.Window, err) }
		}
		var delErr error
		if ours {
			// A revoked key is useless; keep no copy of it.
			delErr = c.p.env.Secrets.Delete(c.p.keyAccount())
		}
		keys, kerr := c.p.sess.Service.Keys(ctx)
		return func() {
			if kerr == nil {
				c.p.keys = c.p.own(keys)
			} else {
				for i := range c.p.keys {
					if c.p.keys[i].ID == k.ID {
						c.p.keys[i].Revoked = time.Now()
					}
				}
			}
			if ours {
				c.p.secret = ""
				c.p.clearTest()
				c.p.hideKey()
				c.p.showState(nil, kerr)
			}
			c.showKeys()
			c.p.notify()
			if delErr != nil {
				ShowError(c.p.env.Window, delErr)
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
