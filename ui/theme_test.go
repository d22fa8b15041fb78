package ui

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// contrast is WCAG 2.2's contrast ratio of two opaque colours, (L1+0.05)/(L2+0.05).
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// over2 is colour a drawn over the opaque colour b.
func over2(a, b color.Color) color.Color {
	x, y := color.NRGBAModel.Convert(a).(color.NRGBA), color.NRGBAModel.Convert(b).(color.NRGBA)
	k := float64(x.A) / 255
	mix := func(p, q uint8) uint8 { return uint8(math.Round(k*float64(p) + (1-k)*float64(q))) }
	return color.NRGBA{R: mix(x.R, y.R), G: mix(x.G, y.G), B: mix(x.B, y.B), A: 0xff}
}

func luminance(c color.Color) float64 {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(n.R) + 0.7152*lin(n.G) + 0.0722*lin(n.B)
}

func TestContrastOfWCAGExamples(t *testing.T) {
	for _, c := range []struct {
		a, b color.Color
		want float64
	}{
		{color.White, color.Black, 21},
		{rgb(0x767676), color.White, 4.54},
		{rgb(0x43f436), color.White, 1.48}, // Fyne's green, as the issue measured it
	} {
		if got := contrast(c.a, c.b); math.Abs(got-c.want) > 0.01 {
			t.Errorf("contrast(%v, %v) = %.2f, want %.2f", c.a, c.b, got, c.want)
		}
	}
}

// Every colour the console draws text in reaches WCAG 2.2 AA (4.5:1 for body text) on every
// background that text sits on, in both variants.
func TestEveryTextColourMeetsWCAGAA(t *testing.T) {
	test.NewTempApp(t) // the default theme reads the app's primary colour setting
	th := Theme()
	// Text on the window's surfaces: labels by importance (Medium, Low=disabled, High=primary,
	// Success, Warning, Danger=error), hyperlinks, entries' placeholders, table and header rows.
	texts := []fyne.ThemeColorName{theme.ColorNameForeground, theme.ColorNameDisabled, theme.ColorNamePlaceHolder,
		theme.ColorNamePrimary, theme.ColorNameHyperlink, theme.ColorNameSuccess, theme.ColorNameWarning, theme.ColorNameError}
	surfaces := []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameHeaderBackground,
		theme.ColorNameInputBackground, theme.ColorNameOverlayBackground, theme.ColorNameMenuBackground}
	// Text on a filled button, as Fyne's button picks them by importance.
	buttons := [][2]fyne.ThemeColorName{
		{theme.ColorNameForeground, theme.ColorNameButton},
		{theme.ColorNameDisabled, theme.ColorNameDisabledButton},
		{theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary},
		{theme.ColorNameForegroundOnError, theme.ColorNameError},
		{theme.ColorNameForegroundOnSuccess, theme.ColorNameSuccess},
		{theme.ColorNameForegroundOnWarning, theme.ColorNameWarning},
	}
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		name := map[fyne.ThemeVariant]string{theme.VariantLight: "light", theme.VariantDark: "dark"}[v]
		check := func(fg, bg fyne.ThemeColorName) {
			t.Helper()
			r := contrast(th.Color(fg, v), th.Color(bg, v))
			if r < 4.5 {
				t.Errorf("%s: %s text on %s: %.2f:1, want at least 4.5:1", name, fg, bg, r)
			}
		}
		for _, fg := range texts {
			for _, bg := range surfaces {
				check(fg, bg)
			}
			// A selected or hovered table row: the translucent colour over the background.
			for _, over := range []fyne.ThemeColorName{theme.ColorNameSelection, theme.ColorNameHover} {
				bg := over2(th.Color(over, v), th.Color(theme.ColorNameBackground, v))
				if r := contrast(th.Color(fg, v), bg); r < 4.5 {
					t.Errorf("%s: %s text on a row under %s: %.2f:1, want at least 4.5:1", name, fg, over, r)
				}
			}
		}
		for _, p := range buttons {
			check(p[0], p[1])
		}
	}
}

// Focus is clearly visible: a focused control stands out from the page background around it by
// 3:1 (WCAG 2.2 non-text contrast, 1.4.11), and text drawn over it (a focused button) still
// reads at 4.5:1.
func TestFocusIsClearlyVisible(t *testing.T) {
	test.NewTempApp(t)
	th := Theme()
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		bg := th.Color(theme.ColorNameBackground, v)
		for _, under := range []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameButton, theme.ColorNameInputBackground} {
			base := over2(th.Color(under, v), bg)
			focused := over2(th.Color(theme.ColorNameFocus, v), base)
			if c := contrast(focused, bg); c < 3 {
				t.Errorf("variant %v: a focused %s is %.2f:1 against the background, want ≥ 3", v, under, c)
			}
			if c := contrast(th.Color(theme.ColorNameForeground, v), focused); c < 4.5 {
				t.Errorf("variant %v: text on a focused %s is %.2f:1, want ≥ 4.5", v, under, c)
			}
		}
	}
}
