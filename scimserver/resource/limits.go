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

// Bounds on one request. Duplicate detection and merging are linear, but a
// request is still refused before it makes the service do much: no client
// has a reason to send more.
const (
	// MaxValues is the most values one multi-valued attribute (emails,
	// phoneNumbers, …) may hold.
	MaxValues = 1000
	// MaxMembers is the most group members one request may name.
	MaxMembers = 10000
)

func tooManyValues(where string, n int) *Error {
	return InvalidValue("%s has %d values; at most %d are accepted (tooMany)", where, n, MaxValues)
}

func tooManyMembers(n int) *Error {
	return InvalidValue("the request names %d or more group members; at most %d are accepted in one request (tooMany)", n, MaxMembers)
}

// maxArray is the most values any JSON array in a request may hold: the
// largest of the limits above. checkArrays enforces it before decoding, so
// that a body of 100,000 emails is refused in the time it takes to scan it,
// not to decode it.
const maxArray = max(MaxValues, MaxMembers)

// checkArrays refuses a body holding an array of more than maxArray values.
// It only counts commas outside strings; malformed JSON is left to the
// decoder to describe.
func checkArrays(data []byte) error {
	var stack []int // per open bracket: commas so far, or -1 for an object
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '[':
			stack = append(stack, 0)
		case '{':
			stack = append(stack, -1)
		case ']', '}':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ',':
			if n := len(stack); n > 0 && stack[n-1] >= 0 {
				stack[n-1]++
				if stack[n-1] >= maxArray {
					return InvalidValue("the body holds an array of more than %d values; at most %d values per attribute and %d group members are accepted in one request (tooMany)", maxArray, MaxValues, MaxMembers)
				}
			}
		}
	}
	return nil
}

// visibleName checks a name people read (userName, displayName): control
// characters anywhere are refused, surrounding spaces (and invisible format
// characters) are trimmed, and a name with nothing visible left is refused.
// " a@x " and "a@x" are then the same userName.
func visibleName(s, where string) (any, error) {
	if !utf8.ValidString(s) {
		return nil, InvalidValue("%s is not valid UTF-8", where)
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return nil, InvalidValue("%s contains a control character (a tab, a line break, NUL…); send printable text", where)
	}
	t := strings.TrimFunc(s, invisible)
	if strings.IndexFunc(t, func(r rune) bool { return !invisible(r) }) < 0 {
		return nil, InvalidValue("%s is blank; send a visible value", where)
	}
	return t, nil
}

// invisible reports whether a rune shows nothing: white space and format
// characters such as U+200B ZERO WIDTH SPACE.
func invisible(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r)
}

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
