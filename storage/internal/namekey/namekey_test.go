package namekey

import (
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

func TestNamesPeopleCannotTellApartShareAKey(t *testing.T) {
	tests := []struct {
		name string
		a, b string
	}{
		{"case", "Ann@Contoso.example", "ann@contoso.example"},
		{"fullwidth letters", "\uff41nn", "ann"},
		{"a zero-width space", "an\u200bn", "ann"},
		{"a byte order mark", "\ufeffann", "ann"},
		{"a soft hyphen", "an\u00adn", "ann"},
		{"a right-to-left override", "ann\u202e", "ann"},
		{"precomposed and combining accents", "jos\u00e9", "jose\u0301"},
		{"sharp s", "Stra\u00dfe", "STRASSE"},
		{"capital sharp s", "\u1e9e", "ss"},
		{"Kelvin sign", "\u212a", "k"},
		{"long s", "\u017f", "s"},
		{"final sigma", "\u03c2", "\u03a3"},
		{"ligature", "\ufb01le", "FILE"},
		{"superscript digit", "x\u00b2", "x2"},
		{"Roman numeral", "\u2168", "ix"},
		{"ohm sign", "\u2126", "\u03c9"},
		{"circled letter", "\u24d0", "a"},
		{"variation selector", "\u2764\ufe0f", "\u2764"},
		{"Cherokee small and capital letters", "\uab70\u13f8", "\u13a0\u13f0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ka, kb := Key(tt.a), Key(tt.b); ka != kb {
				t.Errorf("Key(%+q) = %+q, Key(%+q) = %+q; want equal", tt.a, ka, tt.b, kb)
			}
		})
	}
}

func TestDifferentNamesKeepDifferentKeys(t *testing.T) {
	for _, pair := range [][2]string{
		{"ann", "anne"},
		{"ann@a.example", "ann@b.example"},
		{"e", "\u00e9"},            // an accent is a different letter
		{"a", "\u0430"},            // Latin a and Cyrillic а look alike but are not NFKC-equal
		{"\u0627\u0644", "\u0644"}, // visible Arabic letters are never dropped
		{"a b", "ab"},              // a space is not ignorable
		{"\u0600a", "a"},           // a prepended concatenation mark is visible
	} {
		if Key(pair[0]) == Key(pair[1]) {
			t.Errorf("Key(%+q) == Key(%+q) = %+q; want different", pair[0], pair[1], Key(pair[0]))
		}
	}
}

// The ASCII fast path must give what the full computation gives.
func TestASCIIFastPathAgrees(t *testing.T) {
	var b strings.Builder
	for c := rune(0); c < 0x80; c++ {
		b.WriteRune(c)
	}
	s := b.String()
	slow := norm.NFKC.String(cases.Fold().String(norm.NFKC.String(s)))
	if got := Key(s); got != slow {
		t.Errorf("Key(ASCII) = %+q, want %+q", got, slow)
	}
}

// A key is its own key, so that a store can recompute keys at any time
// (a migration, a PostgreSQL copy) and land on the same values. Every
// code point is tried, eight at a time, alone and before a combining accent.
func TestKeyIsStable(t *testing.T) {
	var chunk []rune
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF || r > 0x3FFFF && r < 0xE0000 {
			continue
		}
		if chunk = append(chunk, r); len(chunk) < 8 && r < unicode.MaxRune {
			continue
		}
		for _, s := range []string{string(chunk), string(chunk) + "\u0301"} {
			k := Key(s)
			if kk := Key(k); kk != k {
				t.Fatalf("Key(%+q) = %+q but Key of that is %+q", s, k, kk)
			}
		}
		chunk = chunk[:0]
	}
}

// Azure AD's userNames are ASCII and take the fast path; the others pay
// for normalization and folding.
func BenchmarkKey(b *testing.B) {
	for _, name := range []string{"Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee@contoso.example", "Jos\u00e9.M\u00fcller@contoso.example"} {
		b.Run(map[bool]string{true: "ASCII", false: "non-ASCII"}[isASCII(name)], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Key(name)
			}
		})
	}
}
