package resource

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/scim2/filter-parser/v2"
)

// node is a compiled filter expression evaluated on a JSON object: the
// resource, or one value of a multi-valued attribute inside [ ].
type node interface {
	eval(m map[string]any) bool
}

type andNode struct{ l, r node }

func (n andNode) eval(m map[string]any) bool { return n.l.eval(m) && n.r.eval(m) }

type orNode struct{ l, r node }

func (n orNode) eval(m map[string]any) bool { return n.l.eval(m) || n.r.eval(m) }

type notNode struct{ x node }

func (n notNode) eval(m map[string]any) bool { return !n.x.eval(m) }

// never stands for a comparison on an unknown attribute: it is unassigned,
// so it matches nothing (and "not" of it matches everything).
type never struct{}

func (never) eval(map[string]any) bool { return false }

// cmpNode is `attr op value`. Every comparison on an unassigned attribute is
// false, ne included; a multi-valued attribute matches if any value does.
type cmpNode struct {
	path      []string
	typ       attrType
	caseExact bool
	op        filter.CompareOperator
	raw       string // the compare value as sent (unescaped)
	str       string // raw, lower-cased unless caseExact
	b         bool
	t         time.Time
	null      bool
	cond      string
}

func (n *cmpNode) eval(m map[string]any) bool {
	if n.null {
		present := anyLeaf(m, n.path, func(v any) bool { return !empty(v) })
		return present == (n.op == filter.NE)
	}
	return anyLeaf(m, n.path, n.test)
}

func (n *cmpNode) test(v any) bool {
	if n.op == filter.PR {
		return !empty(v)
	}
	switch n.typ {
	case tBoolean:
		b, ok := v.(bool)
		if !ok {
			return false
		}
		return (b == n.b) == (n.op == filter.EQ)
	case tDateTime:
		s, _ := v.(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return false
		}
		return ordered(t.Compare(n.t), n.op)
	}
	var s string
	switch t := v.(type) {
	case string:
		s = t
	case json.Number:
		s = t.String()
	default:
		return false
	}
	if !n.caseExact {
		s = strings.ToLower(s)
	}
	switch n.op {
	case filter.CO:
		return strings.Contains(s, n.str)
	case filter.SW:
		return strings.HasPrefix(s, n.str)
	case filter.EW:
		return strings.HasSuffix(s, n.str)
	}
	return ordered(strings.Compare(s, n.str), n.op)
}

// ordered applies eq ne gt ge lt le to the result of a comparison.
func ordered(c int, op filter.CompareOperator) bool {
	switch op {
	case filter.EQ:
		return c == 0
	case filter.NE:
		return c != 0
	case filter.GT:
		return c > 0
	case filter.GE:
		return c >= 0
	case filter.LT:
		return c < 0
	case filter.LE:
		return c <= 0
	}
	return false
}

// anyLeaf walks path from v, fanning out over arrays, and reports whether f
// holds for any value found at its end.
func anyLeaf(v any, path []string, f func(any) bool) bool {
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			if anyLeaf(e, path, f) {
				return true
			}
		}
		return false
	case map[string]any:
		if len(path) == 0 {
			return f(t)
		}
		return anyLeaf(field(t, path[0]), path[1:], f)
	case nil:
		return false
	}
	return len(path) == 0 && f(v)
}

// field reads a key, falling back to a case-insensitive match.
func field(m map[string]any, key string) any {
	if v, ok := m[key]; ok {
		return v
	}
	k, ok := keyFold(m, key)
	if !ok {
		return nil
	}
	return m[k]
}

// valuePathNode is attr[filter]: true if some value of attr satisfies the
// inner filter.
type valuePathNode struct {
	path  []string
	inner node
	email string // X when this is emails[type eq "work" and value eq X]
}

func (n *valuePathNode) eval(m map[string]any) bool {
	var v any = m
	for _, k := range n.path {
		o, ok := v.(map[string]any)
		if !ok {
			return false
		}
		v = field(o, k)
	}
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			if el, ok := e.(map[string]any); ok && n.inner.eval(el) {
				return true
			}
		}
	case map[string]any:
		return n.inner.eval(t)
	}
	return false
}
