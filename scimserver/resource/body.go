package resource

import (
	"bytes"
	"unicode/utf8"
)

// What encoding/json forgives in a body and a SCIM service should not: it
// turns every byte that is not UTF-8, and every \u escape that is half of
// a surrogate pair, into U+FFFD, and of a name given twice in one object
// it keeps the last. The first stores a userName the client never sent;
// the last lets two readers of one body (a proxy that checks the first
// "userName", the service that keeps the second) disagree about what it
// says. So a request body with any of them is refused whole.

// checkUTF8 refuses a body that is not UTF-8 (RFC 8259 §8.1: JSON
// exchanged between systems MUST be UTF-8).
func checkUTF8(data []byte) error {
	if utf8.Valid(data) {
		return nil
	}
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			line, col := lineCol(data, int64(i))
			return InvalidSyntax("the body is not valid UTF-8: byte 0x%02X at line %d, column %d does not begin a character; JSON text must be UTF-8 (RFC 8259 §8.1)", data[i], line, col)
		}
		i += size
	}
	return nil
}

// member is a name seen in an object being scanned.
type member struct {
	name []byte // unescaped
	at   int    // offset of its opening quote
}

// scope is an object or array being scanned. The names of all open
// objects share one slice: an object's are contiguous from first, since a
// nested object's names come after its parent's and go when it closes.
type scope struct {
	object  bool
	wantKey bool              // the next string of an object is a name
	first   int               // where the object's names start in the shared slice
	index   map[string]member // names by name, once there are many
}

// manyNames is the number of names past which an object's are looked up
// in a map instead of compared one by one.
const manyNames = 16

// checkMembers refuses a body in which an object names a member twice
// (names compared after unescaping, so "a" and "\u0061" are the same
// name), at any depth, or in which a string holds a lone surrogate escape.
// data is JSON that Decode has accepted, so the scan need not check syntax.
func checkMembers(data []byte) error {
	var (
		stackBuf [16]scope
		namesBuf [64]member
	)
	stack, names := stackBuf[:0], namesBuf[:0]
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '{', '[':
			stack = append(stack, scope{object: data[i] == '{', wantKey: data[i] == '{', first: len(names)})
		case '}', ']':
			names = names[:stack[len(stack)-1].first]
			stack = stack[:len(stack)-1]
		case ',':
			if s := &stack[len(stack)-1]; s.object {
				s.wantKey = true
			}
		case '"':
			end := stringEnd(data, i)
			text, err := stringText(data, i, end)
			if err != nil {
				return err
			}
			if n := len(stack); n > 0 && stack[n-1].wantKey {
				s := &stack[n-1]
				s.wantKey = false
				m := member{name: text, at: i}
				if err := s.check(data, names[s.first:], m); err != nil {
					return err
				}
				names = append(names, m)
				if s.index != nil || len(names)-s.first > manyNames {
					s.indexNames(names[s.first:])
				}
			}
			i = end - 1
		}
	}
	return nil
}

// check refuses m if the object s, whose names so far are seen, has it.
func (s *scope) check(data []byte, seen []member, m member) error {
	var first member
	dup := false
	if s.index != nil {
		first, dup = s.index[string(m.name)]
	} else {
		for _, o := range seen {
			if bytes.Equal(o.name, m.name) {
				first, dup = o, true
				break
			}
		}
	}
	if !dup {
		return nil
	}
	l1, c1 := lineCol(data, int64(first.at))
	l2, c2 := lineCol(data, int64(m.at))
	return InvalidSyntax("the name %s is given twice in one object, at line %d, column %d and at line %d, column %d; "+
		"each name may appear once (RFC 8259 §4), since which one counts would be a guess", quote(string(m.name)), l1, c1, l2, c2)
}

// indexNames keeps the index of a large object up to date with its names,
// the last of which was just added.
func (s *scope) indexNames(names []member) {
	if s.index == nil {
		s.index = make(map[string]member, 2*len(names))
		for _, o := range names {
			s.index[string(o.name)] = o
		}
		return
	}
	last := names[len(names)-1]
	s.index[string(last.name)] = last
}

// stringEnd returns the index just after the string starting at data[i] == '"'.
func stringEnd(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(data)
}

// stringText returns the text of the string data[start:end], quotes
// included, unescaped; a \u escape that is half of a surrogate pair without
// its other half is an error.
func stringText(data []byte, start, end int) ([]byte, error) {
	raw := data[start+1 : end-1]
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw, nil
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			out = append(out, raw[i])
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := hex4(raw[i+1 : i+5])
			i += 4
			if r >= 0xD800 && r <= 0xDBFF && i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				if lo := hex4(raw[i+3 : i+7]); lo >= 0xDC00 && lo <= 0xDFFF {
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
					i += 6
				}
			}
			if r >= 0xD800 && r <= 0xDFFF {
				line, col := lineCol(data, int64(start+1+i-5))
				return nil, InvalidSyntax("the string at line %d, column %d holds \\u%04X, half of a UTF-16 surrogate pair without its other half: it is no character (RFC 8259 §8.2)", line, col, r)
			}
			out = utf8.AppendRune(out, r)
		default: // " \ /
			out = append(out, raw[i])
		}
	}
	return out, nil
}

// hex4 reads four hex digits, which Decode has checked.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}
