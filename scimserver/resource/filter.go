package resource

import (
	"strings"
	"unicode/utf8"
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
// exact: the store indexes one email per host (UserIndex: the primary work
// email, else the first work one, else the primary or first email). A
// host's other work emails are not indexed: a filter on
// emails[type eq "work"].value that names one of them does not find it.
func (f *Filter) Exact() bool { return f.exact }

// UsesMembers reports whether the filter looks at a group's members, which
// the caller must then put in the resource given to Match.
func (f *Filter) UsesMembers() bool { return f.members }

func (f *Filter) String() string { return f.src }

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
