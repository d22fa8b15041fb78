package resource

import (
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Text that looks like one thing and is another. A NUL or an escape
// sequence in a name reaches whatever prints it (a console, a badge
// printer, a CSV); a right-to-left override makes "ann\u202Egpj.exe"
// display as "annexe.jpg"; a zero-width space or a byte order mark makes
// two userNames that look alike two hosts. So:
//
//   - every string of a known attribute refuses the C0 and C1 control
//     characters and DEL, except tabs and line breaks in a postal address
//     (addresses.formatted and streetAddress, which RFC 7643 §4.1.2 says
//     may hold newlines, and which Azure AD's own examples send so);
//   - identifying text (userName, displayName, the parts of name, nickName,
//     emails, externalId, a group's displayName and externalId) also
//     refuses every invisible format character (Unicode category Cf:
//     bidirectional controls U+202A–U+202E and U+2066–U+2069, zero-width
//     characters U+200B–U+200D, U+2060, U+FEFF, the soft hyphen…) and the
//     line and paragraph separators, and is at most MaxNameBytes long;
//   - strings people read that are not identifiers are stored in Unicode
//     normalization form C, so that "é" sent precomposed or as e plus a
//     combining accent is stored, shown and compared the same way.
//
// Attributes this service does not know are kept as sent: it has no rule
// for their text.

// nfc reports whether a's values are stored in normalization form C: text
// people read, but not identifiers a client matches byte for byte
// (externalId, manager.value: caseExact) nor URLs and base64.
func (a *attribute) nfc() bool { return a.typ == tString && !a.caseExact }

// toNFC returns s in normalization form C, without allocating when it is
// already (as nearly every name is).
func toNFC(s string) string {
	if norm.NFC.IsNormalString(s) {
		return s
	}
	return norm.NFC.String(s)
}

// hasText reports whether a's values are strings checkText looks at.
func (a *attribute) hasText() bool {
	return a.typ == tString || a.typ == tReference || a.typ == tBinary
}

// checkText checks every string of the canonical document d against its
// attribute's rules. A string that prev (the stored resource a PATCH
// starts from; nil otherwise) already holds for the same attribute is not
// checked again: a host stored before a rule existed can still be
// deactivated by a PATCH that does not touch the offending name.
func checkText(spec *kindSpec, d, prev Doc) error {
	var held map[*attribute]map[string]bool
	if prev != nil {
		held = map[*attribute]map[string]bool{}
		walkText(spec, prev, func(a *attribute, s, _ string) error {
			if held[a] == nil {
				held[a] = map[string]bool{}
			}
			held[a][s] = true
			return nil
		})
	}
	return walkText(spec, d, func(a *attribute, s, where string) error {
		if held[a][s] {
			return nil
		}
		return checkString(a, s, where)
	})
}

// walkText calls fn for every string of a known attribute in d, with the
// attribute and its place (emails[1].value) for error details.
func walkText(spec *kindSpec, d Doc, fn func(a *attribute, s, where string) error) error {
	for _, a := range spec.core.attrs {
		if err := walkValue(a, d[a.name], a.name, fn); err != nil {
			return err
		}
	}
	for _, e := range spec.exts {
		m, _ := d[e.id].(map[string]any)
		for _, a := range e.attrs {
			if err := walkValue(a, m[a.name], e.id+":"+a.name, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

func walkValue(a *attribute, v any, where string, fn func(a *attribute, s, where string) error) error {
	switch t := v.(type) {
	case string:
		if a.hasText() {
			return fn(a, t, where)
		}
	case map[string]any:
		for _, s := range a.subs {
			if err := walkValue(s, t[s.name], where+"."+s.name, fn); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range t {
			if err := walkValue(a, e, elemWhere(where, i), fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkString applies a's rules to s. Details name the attribute, the
// code point and its place, never the value.
func checkString(a *attribute, s, where string) error {
	if a.identifying && len(s) > MaxNameBytes {
		return InvalidValue("%s is %d bytes long; at most %d bytes are accepted", where, len(s), MaxNameBytes)
	}
	n := 0
	for _, r := range s {
		n++
		switch {
		case r < 0x20 || r >= 0x7F && r <= 0x9F:
			if a.multiline && (r == '\t' || r == '\n' || r == '\r') {
				continue
			}
			hint := "send printable text"
			if a.multiline {
				hint = "only tabs and line breaks are accepted here"
			}
			return InvalidValue("%s contains %U at character %d: a control character (a tab, a line break, NUL…); %s", where, r, n, hint)
		case a.identifying && (unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'):
			return InvalidValue("%s contains %U at character %d: %s; send the name without it", where, r, n, formatKind(r))
		}
	}
	return nil
}

// formatKind says what an invisible character does, for error details.
func formatKind(r rune) string {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return "a bidirectional control, which changes the order in which the text around it is displayed"
	case r >= 0x200B && r <= 0x200D, r == 0x2060, r == 0xFEFF:
		return "a zero-width character, which shows nothing"
	case r == '\u2028' || r == '\u2029':
		return "a line or paragraph separator"
	}
	return "an invisible format character"
}
