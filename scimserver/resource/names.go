package resource

import (
	"strings"
	"unicode"
)

// visibleName trims a name people read (userName, displayName) of
// surrounding white space and refuses one with nothing visible left, so
// that " a@x " and "a@x" are the same userName. Tabs and line breaks are
// not trimmed: they are control characters, which checkText refuses.
func visibleName(s, where string) (any, error) {
	t := strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) && !unicode.IsControl(r) })
	if strings.IndexFunc(t, func(r rune) bool { return !invisible(r) || unicode.IsControl(r) }) < 0 {
		return nil, InvalidValue("%s is blank; send a visible value", where)
	}
	return t, nil
}

// invisible reports whether a rune shows nothing: white space and format
// characters such as U+200B ZERO WIDTH SPACE.
func invisible(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r)
}
