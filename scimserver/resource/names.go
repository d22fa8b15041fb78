package resource

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

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
