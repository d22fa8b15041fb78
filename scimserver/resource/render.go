package resource

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// Meta is the server-owned metadata of a resource (RFC 7643 §3.1). Empty
// fields are left out of the rendered "meta".
type Meta struct {
	ResourceType, ID, Location, Version string
	Created, LastModified               time.Time
}

// metaTime is RFC 3339 in UTC with milliseconds, the precision the store
// keeps.
const metaTime = "2006-01-02T15:04:05.000Z07:00"

// AppendResource appends the resource a client gets: `{"id":…, <attrs>,
// "meta":{…}}`. It splices into the stored canonical JSON object (as made
// by Marshal, without id and meta) without decoding it, which is what makes
// GETs and list pages cheap. attrs that is not a JSON object is treated as
// empty.
func AppendResource(dst []byte, attrs json.RawMessage, m Meta) []byte {
	dst = appendHead(dst, attrs, m)
	return appendMeta(dst, m)
}

// Member is one member of a group as rendered (RFC 7643 §4.2).
type Member struct {
	Value, Ref, Display, Type string
}

// AppendGroup is AppendResource for a group with its members. A nil members
// leaves "members" out (excludedAttributes=members); an empty, non-nil one
// renders "members":[].
func AppendGroup(dst []byte, attrs json.RawMessage, members []Member, m Meta) []byte {
	dst = appendHead(dst, attrs, m)
	if members != nil {
		dst = append(dst, `,"members":[`...)
		for i, mb := range members {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"value":`...)
			dst = AppendString(dst, mb.Value)
			for _, f := range [...]struct{ k, v string }{{"$ref", mb.Ref}, {"display", mb.Display}, {"type", mb.Type}} {
				if f.v != "" {
					dst = append(dst, ',', '"')
					dst = append(dst, f.k...)
					dst = append(dst, '"', ':')
					dst = AppendString(dst, f.v)
				}
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return appendMeta(dst, m)
}

// appendHead writes `{"id":…` and the stored attributes, leaving the object
// open.
func appendHead(dst []byte, attrs json.RawMessage, m Meta) []byte {
	dst = append(dst, `{"id":`...)
	dst = AppendString(dst, m.ID)
	inner := bytes.TrimSpace(attrs)
	if len(inner) >= 2 && inner[0] == '{' && inner[len(inner)-1] == '}' {
		inner = bytes.TrimSpace(inner[1 : len(inner)-1])
		if len(inner) > 0 {
			dst = append(dst, ',')
			dst = append(dst, inner...)
		}
	}
	return dst
}

func appendMeta(dst []byte, m Meta) []byte {
	dst = append(dst, `,"meta":{`...)
	n := 0
	field := func(k, v string) {
		if v == "" {
			return
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = append(dst, '"')
		dst = append(dst, k...)
		dst = append(dst, '"', ':')
		dst = AppendString(dst, v)
	}
	field("resourceType", m.ResourceType)
	if !m.Created.IsZero() {
		field("created", m.Created.UTC().Format(metaTime))
	}
	if !m.LastModified.IsZero() {
		field("lastModified", m.LastModified.UTC().Format(metaTime))
	}
	field("location", m.Location)
	field("version", m.Version)
	return append(dst, '}', '}')
}

// AppendString appends s as a JSON string exactly as encoding/json does
// with HTML escaping off: invalid UTF-8 becomes U+FFFD, and U+2028 and
// U+2029 are escaped.
func AppendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Project applies attributes / excludedAttributes (RFC 7644 §3.4.2.5, §3.9)
// to a rendered resource and returns a new Doc; res is not modified. Names
// are case-insensitive and may be URN-prefixed
// ("urn:…:enterprise:2.0:User:department", or an extension URN alone) or
// dotted ("name.givenName", "emails.value"). id and schemas are always
// returned. With neither list, res itself is returned.
func Project(res Doc, attributes, excludedAttributes []string) Doc {
	if len(attributes) == 0 && len(excludedAttributes) == 0 {
		return res
	}
	out := res
	if len(attributes) > 0 {
		sel := selection(res, attributes)
		sel.child("id").all = true
		sel.child("schemas").all = true
		out, _ = include(res, sel).(map[string]any)
		if out == nil {
			out = Doc{}
		}
	}
	if len(excludedAttributes) > 0 {
		sel := selection(res, excludedAttributes)
		delete(sel.children, "id")
		delete(sel.children, "schemas")
		out, _ = exclude(out, sel).(map[string]any)
	}
	return out
}

// sel is a tree of selected attribute names, lower-cased.
type sel struct {
	all      bool
	children map[string]*sel
}

func (s *sel) child(name string) *sel {
	if s.children == nil {
		s.children = map[string]*sel{}
	}
	k := strings.ToLower(name)
	c := s.children[k]
	if c == nil {
		c = &sel{}
		s.children[k] = c
	}
	return c
}

// selection parses attribute names into a tree; a URN prefix selects the
// core attributes (core schemas) or the extension object it names.
func selection(res Doc, names []string) *sel {
	root := &sel{}
	for _, name := range names {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		node := root
		if isURN(name) {
			name = splitURN(res, name, &node)
			if name == "" {
				node.all = true
				continue
			}
		}
		parts := strings.Split(name, ".")
		for _, p := range parts {
			node = node.child(p)
		}
		node.all = true
	}
	return root
}

// splitURN strips a schema URN from name, moving *node into the extension
// object it names; it returns what is left of the name.
func splitURN(res Doc, name string, node **sel) string {
	for _, core := range []string{UserSchema, GroupSchema} {
		if hasPrefixFold(name, core+":") {
			return name[len(core)+1:]
		}
	}
	ext := []string{EnterpriseSchema}
	for k := range res {
		if isURN(k) {
			ext = append(ext, k)
		}
	}
	best := ""
	for _, e := range ext {
		if (strings.EqualFold(name, e) || hasPrefixFold(name, e+":")) && len(e) > len(best) {
			best = e
		}
	}
	if best == "" {
		*node = (*node).child(name) // an unknown URN-keyed attribute, as a whole
		return ""
	}
	*node = (*node).child(best)
	if len(name) == len(best) {
		return ""
	}
	return name[len(best)+1:]
}

func include(v any, s *sel) any {
	if s.all {
		return v
	}
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range t {
			if c := s.children[strings.ToLower(k)]; c != nil {
				if r := include(e, c); !empty(r) {
					out[k] = r
				}
			}
		}
		return out
	case []any:
		out := make([]any, 0, len(t))
		for _, e := range t {
			if r := include(e, s); !empty(r) {
				out = append(out, r)
			}
		}
		return out
	}
	return nil // a sub-attribute asked of a simple value
}

func exclude(v any, s *sel) any {
	if s.all {
		return nil
	}
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			c := s.children[strings.ToLower(k)]
			if c == nil {
				out[k] = e
				continue
			}
			if r := exclude(e, c); !empty(r) {
				out[k] = r
			}
		}
		return out
	case []any:
		out := make([]any, 0, len(t))
		for _, e := range t {
			if r := exclude(e, s); !empty(r) {
				out = append(out, r)
			}
		}
		return out
	}
	return v
}
