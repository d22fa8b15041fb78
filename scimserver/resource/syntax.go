package resource

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/q-uint/parser"
	"github.com/scim2/filter-parser/v2"
)

// The library's parser is slow — a few hundred microseconds and thousands
// of allocations for `userName eq "x"` — while clients send a handful of
// filter and path shapes with ever different values (Azure AD matches each
// user with userName eq "<that user>"). So the library parses each shape
// once, the text with every string literal emptied, and the literals are put
// back into a copy of its tree. Literals are checked to be valid JSON string
// contents first, which is exactly what the library's string grammar
// accepts, so the result is the library's parse of the text as sent.
const maxShapes = 1024

type shapeCache struct {
	mu sync.RWMutex
	m  map[string]any // filter.Expression or filter.Path, never modified
}

func (c *shapeCache) get(k string) (any, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *shapeCache) put(k string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxShapes {
		clear(c.m) // crude, but a flood of shapes only costs parse time
	}
	c.m[k] = v
}

var (
	filterShapes = &shapeCache{m: map[string]any{}}
	pathShapes   = &shapeCache{m: map[string]any{}}
)

// shape returns s with the contents of its string literals removed, and
// those contents still escaped, as the library hands them over. ok is false
// when a literal is unclosed or not valid JSON string content.
func shape(s string) (tmpl string, lits []string, ok bool) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '"')
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		b.WriteString(s[i : i+j])
		i += j
		end := literalEnd(s, i)
		if end-i < 2 || s[end-1] != '"' {
			return "", nil, false
		}
		lit := s[i+1 : end-1]
		if !validLiteral(lit) {
			return "", nil, false
		}
		lits = append(lits, lit)
		b.WriteString(`""`)
		i = end
	}
	return b.String(), lits, true
}

func validLiteral(lit string) bool {
	if strings.Contains(lit, `\`) {
		_, err := unescape(lit)
		return err == nil
	}
	for i := 0; i < len(lit); i++ {
		if lit[i] < 0x20 {
			return false
		}
	}
	return true
}

// fill copies the parts of a cached tree that hold string compare values,
// putting the literals back in source order.
func fill(e filter.Expression, lits []string, i *int) filter.Expression {
	switch t := e.(type) {
	case *filter.LogicalExpression:
		c := *t
		c.Left = fill(t.Left, lits, i)
		c.Right = fill(t.Right, lits, i)
		return &c
	case *filter.NotExpression:
		c := *t
		c.Expression = fill(t.Expression, lits, i)
		return &c
	case *filter.ValuePath:
		c := *t
		c.ValueFilter = fill(t.ValueFilter, lits, i)
		return &c
	case *filter.AttributeExpression:
		c := *t
		if _, ok := t.CompareValue.(string); ok {
			if *i < len(lits) {
				c.CompareValue = lits[*i]
			}
			*i++
		}
		return &c
	}
	return e
}

// parseFilterExpr parses a filter with the library, through the shape cache.
func parseFilterExpr(s string) (filter.Expression, *Error) {
	tmpl, lits, ok := shape(s)
	if !ok {
		return parseFilterText(s)
	}
	v, hit := filterShapes.get(tmpl)
	if !hit {
		e, err := parseFilterText(tmpl)
		if err != nil {
			return parseFilterText(s) // for a detail about the text as sent
		}
		filterShapes.put(tmpl, e)
		v = e
	}
	i := 0
	e := fill(v.(filter.Expression), lits, &i)
	if i != len(lits) {
		return parseFilterText(s)
	}
	return e, nil
}

// parseFilterText runs the library's parser, turning its errors (and, as a
// last defence, its panics) into invalidFilter.
func parseFilterText(s string) (expr filter.Expression, err *Error) {
	defer func() {
		if r := recover(); r != nil {
			expr, err = nil, InvalidFilter("the filter could not be parsed")
		}
	}()
	e, perr := filter.ParseFilterNumber([]byte(s))
	if perr != nil {
		return nil, InvalidFilter("%s", syntaxDetail("filter", s, perr))
	}
	return e, nil
}

// parsePath parses a PATCH path with the library, through the shape cache.
func parsePath(s string) (filter.Path, *Error) {
	if !utf8.ValidString(s) {
		return filter.Path{}, InvalidPath("the path is not valid UTF-8")
	}
	s = rewriteFilter(s, false)
	tmpl, lits, ok := shape(s)
	if !ok {
		return parsePathText(s)
	}
	v, hit := pathShapes.get(tmpl)
	if !hit {
		p, err := parsePathText(tmpl)
		if err != nil {
			return parsePathText(s)
		}
		pathShapes.put(tmpl, p)
		v = p
	}
	p := v.(filter.Path)
	if p.ValueExpression != nil {
		i := 0
		p.ValueExpression = fill(p.ValueExpression, lits, &i)
		if i != len(lits) {
			return parsePathText(s)
		}
	} else if len(lits) > 0 {
		return parsePathText(s)
	}
	return p, nil
}

// parsePathText runs the library's PATCH path parser.
func parsePathText(s string) (p filter.Path, err *Error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = filter.Path{}, InvalidPath("the path could not be parsed")
		}
	}()
	pp, perr := filter.ParsePathNumber([]byte(s))
	if perr != nil {
		return filter.Path{}, InvalidPath("%s", syntaxDetail("path", s, perr))
	}
	return pp, nil
}

// syntaxDetail makes the library's parse error readable. The library
// reports a useful position only when a prefix of the input parsed.
func syntaxDetail(what, s string, err error) string {
	detail := "the " + what + " is not valid SCIM syntax (RFC 7644 §3.4.2.2"
	if what == "path" {
		detail = "the path is not valid SCIM syntax (RFC 7644 §3.5.2"
	}
	col := 0
	var pe *parser.ExpectedParseError
	if errors.As(err, &pe) {
		_, col = pe.Conflict.Position()
	}
	runes := []rune(s)
	switch {
	case col > 1 && col < len(runes):
		detail += "): unexpected " + quote(string(runes[col:min(col+24, len(runes))])) + " at character " + strconv.Itoa(col+1)
	case what == "path":
		detail += `); expected an attribute path such as name.givenName or emails[type eq "work"].value`
	default:
		detail += `); expected comparisons such as userName eq "bjensen", joined by and, or, not and ( )`
	}
	if strings.Contains(s, "[") {
		detail += "; a [ ] value filter holds one comparison, or two joined by and/or"
	}
	return detail
}

// unescape decodes a compare value the library hands over still
// JSON-escaped (`a \"q\" b`).
func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var out string
	if err := json.Unmarshal([]byte(`"`+s+`"`), &out); err != nil {
		return "", err
	}
	return out, nil
}

// rewriteFilter prepares a filter for the library: Azure AD's
// `emails[type eq "work"].value eq "x"` becomes
// `emails[type eq "work" and value eq "x"]` (when subOps is set), and
// lower-case hex digits in \u escapes (valid JSON, refused by the library)
// are upper-cased. String literals are never touched otherwise.
func rewriteFilter(s string, subOps bool) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		switch s[i] {
		case '"':
			end := literalEnd(s, i)
			b.WriteString(fixEscapes(s[i:end]))
			i = end
		case ']':
			if name, op, val, n, ok := subOpAfter(s[i+1:]); ok && subOps {
				b.WriteString(" and " + name + " " + op)
				if val != "" {
					b.WriteString(" " + fixEscapes(val))
				}
				b.WriteByte(']')
				i += 1 + n
				continue
			}
			b.WriteByte(']')
			i++
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}

// depth is the deepest nesting of ( and [ outside string literals.
func depth(s string) int {
	d, deepest := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			i = literalEnd(s, i) - 1
		case '(', '[':
			d++
			deepest = max(deepest, d)
		case ')', ']':
			d--
		}
	}
	return deepest
}

// literalEnd returns the index just after the string literal starting at
// s[i] == '"', or len(s) when it is not closed.
func literalEnd(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(s)
}

func fixEscapes(lit string) string {
	if !strings.Contains(lit, `\u`) {
		return lit
	}
	b := []byte(lit)
	for i := 0; i < len(b)-1; i++ {
		if b[i] != '\\' {
			continue
		}
		if b[i+1] == 'u' {
			for j := i + 2; j < i+6 && j < len(b); j++ {
				if b[j] >= 'a' && b[j] <= 'f' {
					b[j] -= 'a' - 'A'
				}
			}
		}
		i++
	}
	return string(b)
}

// subOpAfter matches `.name op value` (or `.name pr`) right after a `]`.
func subOpAfter(t string) (name, op, val string, n int, ok bool) {
	if len(t) < 2 || t[0] != '.' || !isAlpha(t[1]) {
		return
	}
	k := 2
	for k < len(t) && isNameChar(t[k]) {
		k++
	}
	name = t[1:k]
	m := k
	for m < len(t) && t[m] == ' ' {
		m++
	}
	if m == k || m+2 > len(t) {
		return
	}
	op = t[m : m+2]
	switch strings.ToLower(op) {
	case "pr":
		if m+2 < len(t) && isNameChar(t[m+2]) {
			return
		}
		return name, op, "", m + 2, true
	case "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le":
	default:
		return
	}
	q := m + 2
	for q < len(t) && t[q] == ' ' {
		q++
	}
	if q == m+2 || q == len(t) {
		return
	}
	if t[q] == '"' {
		end := literalEnd(t, q)
		return name, op, t[q:end], end, true
	}
	v := q
	for v < len(t) && t[v] != ' ' && t[v] != ')' && t[v] != ']' {
		v++
	}
	return name, op, t[q:v], v, true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isNameChar(c byte) bool { return isAlpha(c) || c >= '0' && c <= '9' || c == '_' || c == '-' }
