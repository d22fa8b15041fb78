// Package namekey computes the key under which the stores compare names that
// must be unique — a host's userName, a group's displayName — so that every
// store (SQLite, PostgreSQL) holds the same rule in the same code.
//
// Two names are the same when people cannot tell them apart: the key is the
// name's NFKC_Casefold form (Unicode Standard Annex #44, approximated as
// NFKC, then the default-ignorable characters removed, then full case
// folding, then NFKC again). So "ANN", "ann", "ａｎｎ" (fullwidth) and
// "an\u200bn" (a zero-width space) share a key, as do "é" precomposed and
// "e" followed by a combining acute accent, and "Straße" and "STRASSE".
//
// A key is for comparing only: the name itself is stored as sent.
package namekey

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Key returns the comparison key of a name.
func Key(s string) string {
	if isASCII(s) {
		// NFKC leaves ASCII alone and folding it is lower-casing: the
		// fast path for nearly every name Azure AD and Okta send.
		return strings.ToLower(s)
	}
	s = norm.NFKC.String(s)
	s = strings.Map(func(r rune) rune {
		if ignorable(r) {
			return -1
		}
		return r
	}, s)
	// A Caser keeps state between calls and must not be shared between
	// goroutines, so each call makes its own; it costs an allocation.
	s = cases.Fold().String(s)
	s = strings.Map(cherokeeFold, s)
	return norm.NFKC.String(s)
}

// cherokeeFold corrects x/text's folding of Cherokee, which swaps the two
// cases instead of folding both to one (golang/go#46101): CaseFolding.txt
// folds the small letters, added in Unicode 8, to the capital ones, which
// came first. Without it "\u13a0" and "\uab70" would share no key, and a
// key would not be its own key.
func cherokeeFold(r rune) rune {
	switch {
	case r >= 0xAB70 && r <= 0xABBF:
		return r - 0xAB70 + 0x13A0
	case r >= 0x13F8 && r <= 0x13FD:
		return r - 0x13F8 + 0x13F0
	}
	return r
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// ignorable reports whether r is a Default_Ignorable_Code_Point (UAX #44,
// DerivedCoreProperties.txt): characters that show nothing unless a font
// chooses to — zero-width spaces and joiners, bidirectional controls, the
// byte order mark, soft hyphens, variation selectors, tag characters.
// The derivation: Other_Default_Ignorable_Code_Point, Variation_Selector
// and format characters (Cf), minus white space, the interlinear
// annotation characters, the Egyptian hieroglyph format controls and the
// prepended concatenation marks (which are visible).
func ignorable(r rune) bool {
	switch {
	case unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r), unicode.Is(unicode.Variation_Selector, r):
		return true
	case !unicode.Is(unicode.Cf, r),
		unicode.IsSpace(r),
		r >= 0xFFF9 && r <= 0xFFFB,
		r >= 0x13430 && r <= 0x1343F,
		unicode.Is(unicode.Prepended_Concatenation_Mark, r):
		return false
	}
	return true
}
