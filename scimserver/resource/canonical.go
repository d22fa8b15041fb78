package resource

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// appendCanonical appends an encoding of a decoded JSON value that is equal
// for two values exactly when reflect.DeepEqual says they are: object keys
// sorted, every string length-prefixed. It is what duplicate detection hashes.
func appendCanonical(dst []byte, v any) []byte {
	switch t := v.(type) {
	case nil:
		return append(dst, 'n')
	case bool:
		if t {
			return append(dst, 't')
		}
		return append(dst, 'f')
	case string:
		return appendLenString(append(dst, 's'), t)
	case json.Number:
		return appendLenString(append(dst, 'N'), string(t))
	case []any:
		dst = strconv.AppendInt(append(dst, '['), int64(len(t)), 10)
		for _, e := range t {
			dst = appendCanonical(dst, e)
		}
		return append(dst, ']')
	case map[string]any:
		dst = strconv.AppendInt(append(dst, '{'), int64(len(t)), 10)
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			dst = appendLenString(dst, k)
			dst = appendCanonical(dst, t[k])
		}
		return append(dst, '}')
	}
	return appendLenString(append(dst, '?'), fmt.Sprintf("%T %#v", v, v))
}

func appendLenString(dst []byte, s string) []byte {
	dst = strconv.AppendInt(dst, int64(len(s)), 10)
	return append(append(dst, ':'), s...)
}

// foldKey maps s to a key shared by every string strings.EqualFold finds
// equal to it: each rune is replaced by the smallest rune of its simple
// case-folding orbit.
func foldKey(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToUpper(s) // the smallest of {a, A} is A
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}

// elementIndex finds, in constant time per lookup, the values of a
// multi-valued attribute that sameElement matches, or that have a type. It
// reads x.list as it is at lookup time: a value changed in place is
// re-added with add(i), and stale entries fail the check on lookup.
type elementIndex struct {
	def    *attribute
	list   []any
	byKey  map[string][]int
	byType map[string][]int
}

func newElementIndex(def *attribute, list []any) *elementIndex {
	x := &elementIndex{def: def, list: list, byKey: make(map[string][]int, len(list)), byType: map[string][]int{}}
	for i := range list {
		x.add(i)
	}
	return x
}

func (x *elementIndex) add(i int) {
	el := x.list[i]
	k := x.key(el)
	x.byKey[k] = append(x.byKey[k], i)
	if t := typeOf(el); t != "" {
		ft := foldKey(t)
		x.byType[ft] = append(x.byType[ft], i)
	}
}

// key is equal for any two values sameElement finds the same.
func (x *elementIndex) key(v any) string {
	if m, ok := v.(map[string]any); ok {
		if s, ok := m["value"].(string); ok {
			if x.def != nil && x.def.sub("value") != nil && x.def.sub("value").caseExact {
				return "v" + s
			}
			return "v" + foldKey(s)
		}
	}
	return "d" + string(appendCanonical(nil, v))
}

// same returns the first index holding the same value as v, or -1.
func (x *elementIndex) same(v any) int {
	best := -1
	for _, i := range x.byKey[x.key(v)] {
		if (best < 0 || i < best) && sameElement(x.def, x.list[i], v) {
			best = i
		}
	}
	return best
}

// ofType returns the first index whose type is t (ignoring case), or -1.
func (x *elementIndex) ofType(t string) int {
	best := -1
	for _, i := range x.byType[foldKey(t)] {
		if (best < 0 || i < best) && strings.EqualFold(typeOf(x.list[i]), t) {
			best = i
		}
	}
	return best
}

func typeOf(v any) string {
	m, _ := v.(map[string]any)
	t, _ := m["type"].(string)
	return t
}
