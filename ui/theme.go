package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// consoleTheme is Fyne's default theme (light or dark as the OS says) with Visitly's teal accent.
type consoleTheme struct{ fyne.Theme }

// Theme returns the console's theme.
func Theme() fyne.Theme { return consoleTheme{theme.DefaultTheme()} }

func (t consoleTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNamePrimary, theme.ColorNameHyperlink:
		if v == theme.VariantDark {
			return color.NRGBA{R: 0x3c, G: 0xc4, B: 0xbd, A: 0xff}
		}
		return color.NRGBA{R: 0x0b, G: 0x7f, B: 0x7a, A: 0xff}
	case theme.ColorNameFocus:
		return color.NRGBA{R: 0x1a, G: 0xa3, B: 0x9c, A: 0x66}
	case theme.ColorNameSelection:
		return color.NRGBA{R: 0x1a, G: 0xa3, B: 0x9c, A: 0x40}
	}
	return t.Theme.Color(n, v)
}
