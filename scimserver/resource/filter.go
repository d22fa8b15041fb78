package resource

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/q-uint/parser"
	"github.com/scim2/filter-parser/v2"
)

// maxFilterLen and maxFilterDepth bound the work one query can ask for: the
// library's parser is quadratic in the nesting of parentheses (4,000 of
// them cost a second of CPU).
const (
	maxFilterLen   = 4096
	maxFilterDepth = 32
)

// Filter is a parsed SCIM filter (RFC 7644 §3.4.2.2), compiled against the
// attribute table of one resource type. It is safe for concurrent use.
type Filter struct {
	src     string
	root    node
	conds   []Cond
	exact   bool
	members bool
}

// Cond is an equality condition the store can serve from an index. Attr is
// one of "id", "userName", "externalId", "displayName", "email" (the work
// email: emails[type eq "work"].value) and "active" (Value "true"/"false").
type Cond struct{ Attr, Value string }

// ParseFilter parses and compiles a filter for resources of the given kind.
// Attribute names and URN prefixes are case-insensitive; unknown attributes
// are unassigned and match nothing. Azure AD's non-standard
// `emails[type eq "work"].value eq "x"` is accepted. Errors are *Error
// invalidFilter.
func ParseFilter(kind Kind, s string) (*Filter, error) {
	if len(s) > maxFilterLen {
		return nil, InvalidFilter("the filter is %d bytes long; at most %d are accepted", len(s), maxFilterLen)
	}
	src := strings.TrimSpace(s)
	if src == "" {
		return nil, InvalidFilter("the filter is empty")
	}
	if !utf8.ValidString(src) {
		return nil, InvalidFilter("the filter is not valid UTF-8")
	}
	if d := depth(src); d > maxFilterDepth {
		return nil, InvalidFilter("the filter nests parentheses %d deep; at most %d are accepted", d, maxFilterDepth)
	}
	expr, err := parseFilterExpr(rewriteFilter(src, true))
	if err != nil {
		return nil, err
	}
	c := &compiler{spec: specOf(kind)}
	root, cerr := c.compile(expr, nil, true)
	if cerr != nil {
		return nil, cerr
	}
	f := &Filter{src: src, root: root, members: c.members}
	f.conds, f.exact = collectConds(root)
	return f, nil
}

// Match reports whether a rendered resource (id, meta.created and
// meta.lastModified as RFC 3339, attributes; for a group "members" as
// [{"value": id}] when UsesMembers) satisfies the filter.
func (f *Filter) Match(res Doc) bool { return f.root.eval(res) }

// Conds returns the equality conditions ANDed at the top level of the
// filter, for the store's indexes. They narrow the candidates; Match decides
// unless Exact says the conditions are the whole filter.
func (f *Filter) Conds() []Cond { return f.conds }

// Exact reports whether Conds express the whole filter with the store's
// semantics (case-insensitive userName and displayName, exact id and
// externalId), so that Match need not run. An email condition is never
// exact: the store indexes the primary or first email when there is no
// work email.
func (f *Filter) Exact() bool { return f.exact }

// UsesMembers reports whether the filter looks at a group's members, which
// the caller must then put in the resource given to Match.
func (f *Filter) UsesMembers() bool { return f.members }

func (f *Filter) String() string { return f.src }

// parseFilterExpr runs the library's parser, turning its errors (and, as a
// last defence, its panics) into invalidFilter.
func parseFilterExpr(s string) (expr filter.Expression, err *Error) {
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

// parsePath runs the library's PATCH path parser.
func parsePath(s string) (p filter.Path, err *Error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = filter.Path{}, InvalidPath("the path could not be parsed")
		}
	}()
	if !utf8.ValidString(s) {
		return filter.Path{}, InvalidPath("the path is not valid UTF-8")
	}
	pp, perr := filter.ParsePathNumber([]byte(rewriteFilter(s, false)))
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

// compiler turns the library's AST into evaluable nodes, resolving names
// against the attribute table once, at parse time.
type compiler struct {
	spec    *kindSpec // nil inside a PATCH path filter
	members bool
}

// compileValueFilter compiles the filter of a PATCH path such as
// emails[type eq "work"], relative to the values of def.
func compileValueFilter(def *attribute, e filter.Expression) (node, *Error) {
	c := &compiler{}
	n, err := c.compile(e, def, false)
	if err != nil {
		var se *Error
		if errors.As(err, &se) {
			return nil, se
		}
		return nil, InvalidFilter("%s", err.Error())
	}
	return n, nil
}

// eqConds collects the `sub eq value` conditions ANDed at the top of a
// PATCH path filter: the element that Add or Replace creates when none
// matches (addresses[type eq "work"].formatted → {"type":"work",…}).
func eqConds(def *attribute, e filter.Expression) map[string]any {
	out := map[string]any{}
	var walk func(filter.Expression)
	walk = func(e filter.Expression) {
		switch t := e.(type) {
		case *filter.LogicalExpression:
			if strings.EqualFold(string(t.Operator), string(filter.AND)) {
				walk(t.Left)
				walk(t.Right)
			}
		case *filter.AttributeExpression:
			ap := t.AttributePath
			if t.Operator != filter.EQ || ap.URIPrefix != nil || ap.SubAttribute != nil {
				return
			}
			sd := def.sub(ap.AttributeName)
			name, v := ap.AttributeName, t.CompareValue
			if sd != nil {
				name = sd.name
			}
			if s, ok := v.(string); ok {
				u, err := unescape(s)
				if err != nil {
					return
				}
				v = u
			}
			if nv, err := normalizeValue(sd, v, name); err == nil && nv != nil {
				out[name] = nv
			}
		}
	}
	walk(e)
	if len(out) == 0 {
		return nil
	}
	return out
}

// compile compiles e; top says whether names resolve against the resource
// (true) or against the sub-attributes of parent (inside [ ]).
func (c *compiler) compile(e filter.Expression, parent *attribute, top bool) (node, error) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		l, err := c.compile(e.Left, parent, top)
		if err != nil {
			return nil, err
		}
		r, err := c.compile(e.Right, parent, top)
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(string(e.Operator), string(filter.OR)) {
			return orNode{l, r}, nil
		}
		return andNode{l, r}, nil
	case *filter.NotExpression:
		x, err := c.compile(e.Expression, parent, top)
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	case *filter.AttributeExpression:
		return c.compileCmp(e, parent, top)
	case *filter.ValuePath:
		return c.compileValuePath(e, parent, top)
	}
	return nil, InvalidFilter("unsupported filter expression")
}

// resolve finds an attribute path; ok is false for an unknown attribute.
func (c *compiler) resolve(ap filter.AttributePath, parent *attribute, top bool) (path []string, def *attribute, ok bool) {
	name := ap.AttributeName
	if !top {
		if ap.URIPrefix != nil || ap.SubAttribute != nil {
			return nil, nil, false
		}
		if def = parent.sub(name); def == nil {
			return nil, nil, false
		}
		return []string{def.name}, def, true
	}
	switch uri := ap.URI(); {
	case uri == "" || strings.EqualFold(uri, c.spec.core.id):
		if def = commonSchema.attr(name); def == nil {
			if uri == "" {
				var ext *schema
				if def, ext = c.spec.lookup(name); ext != nil {
					path = []string{ext.id}
				}
			} else {
				def = c.spec.core.attr(name)
			}
		}
	case c.spec.ext(uri) != nil:
		e := c.spec.ext(uri)
		def, path = e.attr(name), []string{e.id}
	}
	if def == nil || def.dropped {
		return nil, nil, false
	}
	if def == groupMembers {
		c.members = true
	}
	path = append(path, def.name)
	if ap.SubAttribute != nil {
		if def = def.sub(*ap.SubAttribute); def == nil {
			return nil, nil, false
		}
		path = append(path, def.name)
	}
	return path, def, true
}

func (c *compiler) compileValuePath(e *filter.ValuePath, parent *attribute, top bool) (node, error) {
	if e.AttributePath.SubAttribute != nil {
		return nil, InvalidFilter("%s: a [ ] filter must follow the attribute name", e.AttributePath.String())
	}
	path, def, ok := c.resolve(e.AttributePath, parent, top)
	if !ok {
		return never{}, nil
	}
	if def.typ != tComplex {
		return nil, InvalidFilter("%s is not a complex attribute; [ ] filters apply to attributes such as emails", def.name)
	}
	inner, err := c.compile(e.ValueFilter, def, false)
	if err != nil {
		return nil, err
	}
	n := &valuePathNode{path: path, inner: inner}
	if top && def == userSchema.attr("emails") {
		n.email = workEmail(inner)
	}
	return n, nil
}

// workEmail recognises emails[type eq "work" and value eq X] and returns X.
func workEmail(inner node) string {
	and, ok := inner.(andNode)
	if !ok {
		return ""
	}
	l, lok := and.l.(*cmpNode)
	r, rok := and.r.(*cmpNode)
	if !lok || !rok {
		return ""
	}
	if l.path[0] == "value" {
		l, r = r, l
	}
	if l.path[0] == "type" && l.op == filter.EQ && !l.null && l.str == "work" &&
		r.path[0] == "value" && r.op == filter.EQ && !r.null {
		return r.raw
	}
	return ""
}

func (c *compiler) compileCmp(e *filter.AttributeExpression, parent *attribute, top bool) (node, error) {
	path, def, ok := c.resolve(e.AttributePath, parent, top)
	if !ok {
		return never{}, nil
	}
	name := strings.Join(path, ".")
	if def.typ == tComplex {
		if !def.hasValue() {
			if e.Operator == filter.PR {
				return &cmpNode{path: path, typ: tComplex, op: filter.PR}, nil
			}
			return nil, InvalidFilter("%s is a complex attribute; compare one of its sub-attributes, such as %s.%s", def.name, def.name, def.subs[0].name)
		}
		def = def.sub("value") // emails co "x" compares emails.value
		path = append(path, def.name)
	}
	n := &cmpNode{path: path, typ: def.typ, caseExact: def.caseExact, op: e.Operator}
	if def.typ == tBoolean && e.Operator != filter.EQ && e.Operator != filter.NE && e.Operator != filter.PR {
		return nil, InvalidFilter("%s is a boolean; only eq, ne and pr apply to it, not %s", name, e.Operator)
	}
	if e.Operator == filter.PR {
		return n, nil
	}
	switch v := e.CompareValue.(type) {
	case nil:
		if e.Operator != filter.EQ && e.Operator != filter.NE {
			return nil, InvalidFilter("null can only be compared with eq or ne, not %s", e.Operator)
		}
		n.null = true
	case bool:
		if def.typ != tBoolean {
			return nil, InvalidFilter("%s is a %s; compare it with a quoted string, not a boolean", name, def.typ)
		}
		n.b = v
	case json.Number:
		if def.typ == tBoolean || def.typ == tDateTime {
			return nil, InvalidFilter("%s is a %s; it cannot be compared with a number", name, def.typ)
		}
		n.raw = v.String()
	case string:
		s, err := unescape(v)
		if err != nil {
			return nil, InvalidFilter("the value compared with %s is not a valid JSON string", name)
		}
		n.raw = s
		switch def.typ {
		case tBoolean:
			switch {
			case strings.EqualFold(s, "true"):
				n.b = true
			case strings.EqualFold(s, "false"):
				n.b = false
			default:
				return nil, InvalidFilter("%s is a boolean; compare it with true or false", name)
			}
		case tDateTime:
			if e.Operator == filter.CO || e.Operator == filter.SW || e.Operator == filter.EW {
				n.typ = tString // substring tests on a dateTime compare its text
				break
			}
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return nil, InvalidFilter("%s is a dateTime; compare it with an RFC 3339 time such as \"2011-05-13T04:42:34Z\"", name)
			}
			n.t = t
		}
	default:
		return nil, InvalidFilter("unsupported compare value for %s", name)
	}
	n.str = n.raw
	if !n.caseExact {
		n.str = strings.ToLower(n.raw)
	}
	if top && e.Operator == filter.EQ && !n.null && len(path) == 1 {
		n.cond = condAttr(c.spec, path[0])
		if def.typ == tBoolean {
			n.raw = "false"
			if n.b {
				n.raw = "true"
			}
		}
	}
	return n, nil
}

// condAttr maps an indexed attribute to its Cond name.
func condAttr(spec *kindSpec, name string) string {
	switch name {
	case "id", "externalId", "displayName":
		return name
	case "userName", "active":
		if spec.kind == User {
			return name
		}
	}
	return ""
}

// collectConds walks the top-level AND chain.
func collectConds(n node) (conds []Cond, exact bool) {
	switch t := n.(type) {
	case andNode:
		l, le := collectConds(t.l)
		r, re := collectConds(t.r)
		return append(l, r...), le && re
	case *cmpNode:
		if t.cond != "" {
			return []Cond{{Attr: t.cond, Value: t.raw}}, true
		}
	case *valuePathNode:
		if t.email != "" {
			return []Cond{{Attr: "email", Value: t.email}}, false
		}
	}
	return nil, false
}
