package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// newCopyButton is a Copy button; flashCopied gives it "Copied" feedback.
func newCopyButton(text string, onTapped func()) *widget.Button {
	return &widget.Button{Text: text, Icon: theme.ContentCopyIcon(), OnTapped: onTapped}
}

// flashCopied shows a check mark and "Copied" on b for a moment.
func flashCopied(env *Env, b *widget.Button) {
	text := b.Text
	if text == "Copied" {
		return // already flashing; the pending timer restores the text
	}
	b.SetText("Copied")
	b.SetIcon(theme.ConfirmIcon())
	env.After(env.Delays.CopiedFeedback, func() {
		b.SetText(text)
		b.SetIcon(theme.ContentCopyIcon())
	})
}

// pageHeading is a page's title, in the theme's heading size.
func pageHeading(text string) fyne.CanvasObject {
	return widget.NewRichText(&widget.TextSegment{Text: text, Style: widget.RichTextStyleHeading})
}
