package resource

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/scim2/filter-parser/v2"
)

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
	// Some comparisons are wrong whatever the attribute, known or not.
	switch v := e.CompareValue.(type) {
	case bool:
		if e.Operator != filter.EQ && e.Operator != filter.NE {
			return nil, InvalidFilter("booleans have no order or substrings; only eq and ne compare with %v, not %s", v, e.Operator)
		}
	case nil:
		if e.Operator != filter.EQ && e.Operator != filter.NE && e.Operator != filter.PR {
			return nil, InvalidFilter("null can only be compared with eq or ne, not %s", e.Operator)
		}
	}
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
	if def.typ == tBinary && ordering(e.Operator) {
		return nil, InvalidFilter("%s is binary; it has no order, so %s does not apply to it", name, e.Operator)
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
		// No attribute here is an RFC 7643 integer or decimal: a number is
		// a type error, never a comparison with the attribute's text
		// (userName gt 5 would match every name that sorts after "5").
		return nil, InvalidFilter("%s is a %s; it cannot be compared with a number", name, def.typ)
	case string:
		s, err := unescape(v)
		if err != nil {
			return nil, InvalidFilter("the value compared with %s is not a valid JSON string", name)
		}
		if def.nfc() {
			s = toNFC(s) // stored values are NFC (text.go)
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

// ordering reports whether op compares by order (RFC 7644 §3.4.2.2: an error
// for booleans and binary values).
func ordering(op filter.CompareOperator) bool {
	return op == filter.GT || op == filter.GE || op == filter.LT || op == filter.LE
}
