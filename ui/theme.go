package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// consoleTheme is Fyne's default theme (light or dark as the OS says) with Visitly's teal accent and
// text colours that meet WCAG 2.2 AA (4.5:1) on every background they sit on, a selected table row
// included: Fyne's own green, orange, red and grey text measure 1.3–3.7:1 on its light theme
// (theme_test.go computes it).
type consoleTheme struct{ fyne.Theme }

// Theme returns the console's theme.
func Theme() fyne.Theme { return consoleTheme{theme.DefaultTheme()} }

// palette holds the colours the console changes, per variant; the rest are Fyne's.
var palette = map[fyne.ThemeVariant]map[fyne.ThemeColorName]color.Color{
	theme.VariantLight: {
		theme.ColorNamePrimary:             rgb(0x0a6f6a), // teal: white on it 6.0:1
		theme.ColorNameHyperlink:           rgb(0x0a6f6a),
		theme.ColorNameForegroundOnPrimary: rgb(0xffffff),
		theme.ColorNameForeground:          rgb(0x1f1f1f), // darker than Fyne's #565656, so disabled grey stays distinct
		theme.ColorNameDisabled:            rgb(0x5e5e5e), // also the colour of Low-importance (help) labels
		theme.ColorNamePlaceHolder:         rgb(0x5e5e5e),
		theme.ColorNameSuccess:             rgb(0x1a6b2c),
		theme.ColorNameWarning:             rgb(0x8f4700),
		theme.ColorNameError:               rgb(0xb3261e),
		theme.ColorNameForegroundOnSuccess: rgb(0xffffff),
		theme.ColorNameForegroundOnWarning: rgb(0xffffff),
		theme.ColorNameForegroundOnError:   rgb(0xffffff),
	},
	theme.VariantDark: {
		theme.ColorNamePrimary:             rgb(0x3cc4bd),
		theme.ColorNameHyperlink:           rgb(0x3cc4bd),
		theme.ColorNameForegroundOnPrimary: rgb(0x171718), // dark text: white on this light teal is 2.1:1
		theme.ColorNameDisabled:            rgb(0xa8a8a8),
		theme.ColorNameError:               rgb(0xff7b70),
		theme.ColorNameForegroundOnError:   rgb(0x171718),
	},
}

func (t consoleTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNameFocus:
		// The focus ring and the focused button's tint: 3:1 against the background (WCAG 2.2's
		// non-text contrast) while the text over it keeps 4.5:1 (theme_test.go measures both).
		if v == theme.VariantDark {
			return color.NRGBA{R: 0x26, G: 0x7a, B: 0x75, A: 0xff}
		}
		return color.NRGBA{R: 0x0a, G: 0x6f, B: 0x6a, A: 0xb3}
	case theme.ColorNameSelection:
		return color.NRGBA{R: 0x1a, G: 0xa3, B: 0x9c, A: 0x40}
	}
	if v != theme.VariantDark {
		v = theme.VariantLight
	}
	if c, ok := palette[v][n]; ok {
		return c
	}
	return t.Theme.Color(n, v)
}

func rgb(v uint32) color.NRGBA {
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}
