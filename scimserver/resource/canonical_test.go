package resource

import (
	"reflect"
	"strings"
	"testing"
)

func TestFoldKeyAgreesWithEqualFold(t *testing.T) {
	words := []string{"", "a", "A", "k", "K", "\u212a", "s", "S", "\u017f", "ss", "ß", "ẞ", "σ", "Σ", "ς",
		"i", "I", "İ", "ı", "work", "WORK", "Work", "wor\u212a", "e@x", "E@X", "é", "É", "ǅ", "ǆ", "Ǆ"}
	for _, a := range words {
		for _, b := range words {
			if got, want := foldKey(a) == foldKey(b), strings.EqualFold(a, b); got != want {
				t.Errorf("foldKey(%q) == foldKey(%q) is %v; EqualFold says %v", a, b, got, want)
			}
		}
	}
}

func TestCanonicalAgreesWithDeepEqual(t *testing.T) {
	values := []any{nil, true, false, "", "a", "1", Doc{}, []any{}, []any{"a"}, []any{"a", "b"}, []any{"b", "a"},
		Doc{"value": "a"}, Doc{"value": "a", "type": "work"}, Doc{"type": "work", "value": "a"}, Doc{"value": "a", "type": "Work"},
		Doc{"a": []any{"b"}}, Doc{"a": "b"}, Doc{"1:": "a"}, Doc{"1": ":a"}, doc(t, `{"n":1}`), doc(t, `{"n":1.0}`), doc(t, `{"n":"1"}`)}
	for _, a := range values {
		for _, b := range values {
			got := string(appendCanonical(nil, a)) == string(appendCanonical(nil, b))
			if want := reflect.DeepEqual(a, b); got != want {
				t.Errorf("canonical(%#v) == canonical(%#v) is %v; DeepEqual says %v", a, b, got, want)
			}
		}
	}
}

func TestElementIndexFindsWhatSameElementFinds(t *testing.T) {
	emails := userSchema.attr("emails")
	list := []any{
		Doc{"value": "a@x", "type": "work"}, Doc{"value": "A@X", "type": "home"}, Doc{"value": "b@x"},
		Doc{"display": "no value"}, Doc{"value": "\u212a@x", "type": "WORK"}, Doc{"value": "c@x", "type": "other"},
	}
	probes := append(list[:len(list):len(list)], Doc{"value": "a@X"}, Doc{"value": "k@x", "type": "work"}, Doc{"value": "b@x", "type": "x"},
		Doc{"display": "no value"}, Doc{"display": "other"}, Doc{"value": "z@x"})
	x := newElementIndex(emails, list)
	for _, p := range probes {
		want := -1
		for i, e := range list {
			if sameElement(emails, e, p) {
				want = i
				break
			}
		}
		if got := x.same(p); got != want {
			t.Errorf("same(%v) = %d, want %d", p, got, want)
		}
		if ty := typeOf(p); ty != "" {
			want := -1
			for i, e := range list {
				if strings.EqualFold(typeOf(e), ty) {
					want = i
					break
				}
			}
			if got := x.ofType(ty); got != want {
				t.Errorf("ofType(%q) = %d, want %d", ty, got, want)
			}
		}
	}
}
