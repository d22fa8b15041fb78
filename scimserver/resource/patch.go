package resource

import (
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/scim2/filter-parser/v2"
)

// PATCH operations (RFC 7644 §3.5.2); Azure AD capitalises them.
const (
	opAdd     = "add"
	opReplace = "replace"
	opRemove  = "remove"
)

type patchOp struct {
	op, path string
	value    any
	hasValue bool
}

// parsePatch reads a PatchOp body. Member names are matched
// case-insensitively ("Operations", "operations", "OP"), and an empty
// Operations list is accepted as a no-op (Microsoft's validator sends one).
func parsePatch(body []byte) ([]patchOp, error) {
	d, err := Decode(body)
	if err != nil {
		return nil, err
	}
	if k, ok := keyFold(d, "schemas"); ok {
		list, _ := d[k].([]any)
		if !slices.ContainsFunc(list, func(v any) bool { s, _ := v.(string); return strings.EqualFold(s, PatchOpSchema) }) {
			return nil, InvalidSyntax("schemas must contain %s", PatchOpSchema)
		}
	}
	k, ok := keyFold(d, "Operations")
	if !ok {
		return nil, InvalidSyntax("the PatchOp has no Operations")
	}
	list, ok := d[k].([]any)
	if !ok {
		return nil, InvalidSyntax("Operations must be an array, not %s", jsonType(d[k]))
	}
	ops := make([]patchOp, 0, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, InvalidSyntax("Operations[%d] must be an object, not %s", i, jsonType(e))
		}
		var o patchOp
		if k, ok := keyFold(m, "op"); ok {
			s, _ := m[k].(string)
			o.op = strings.ToLower(strings.TrimSpace(s))
		}
		switch o.op {
		case opAdd, opReplace, opRemove:
		case "":
			return nil, InvalidSyntax("Operations[%d] has no op; use add, replace or remove", i)
		default:
			return nil, InvalidSyntax("Operations[%d] has an unknown op %s; use add, replace or remove", i, quote(o.op))
		}
		if k, ok := keyFold(m, "path"); ok && m[k] != nil {
			s, ok := m[k].(string)
			if !ok {
				return nil, InvalidPath("Operations[%d].path must be a string, not %s", i, jsonType(m[k]))
			}
			o.path = strings.TrimSpace(s)
		}
		if k, ok := keyFold(m, "value"); ok {
			o.value, o.hasValue = m[k], true
		}
		if o.op != opRemove && !o.hasValue {
			return nil, InvalidSyntax("Operations[%d] (%s) needs a value", i, o.op)
		}
		ops = append(ops, o)
	}
	return ops, nil
}

// quote quotes client text for a detail, cut short.
func quote(s string) string {
	const max = 120
	if len(s) > max {
		s = s[:max] + "…"
	}
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

// patchDoc runs a PATCH on a copy of cur and re-normalises the result, which
// re-validates every attribute: the request is atomic because the copy is
// thrown away on the first error.
func patchDoc(spec *kindSpec, cur Doc, body []byte) (Doc, *MemberOps, error) {
	ops, err := parsePatch(body)
	if err != nil {
		return nil, nil, err
	}
	work, _ := deepCopy(cur).(map[string]any)
	if work == nil {
		work = Doc{}
	}
	p := &patcher{spec: spec, doc: work}
	if spec.kind == Group {
		p.members = &MemberOps{}
		if k, ok := keyFold(work, "members"); ok {
			delete(work, k)
		}
	}
	for i, o := range ops {
		if err := p.apply(o); err != nil {
			label := o.op
			if o.path != "" {
				label += " " + o.path
			}
			return nil, nil, prefixed(err, "Operations[%d] (%s)", i, label)
		}
	}
	out, err := normalizeDoc(spec, p.doc)
	if err != nil {
		return nil, nil, err
	}
	return out, p.members, nil
}

// patcher applies operations to a working copy of a document.
type patcher struct {
	spec    *kindSpec
	doc     Doc
	members *MemberOps // groups only: member changes go here, not in doc
}

func (p *patcher) apply(o patchOp) error {
	if o.path == "" {
		if o.op == opRemove {
			return NoTarget("remove needs a path that says what to remove")
		}
		return p.applyPathless(o.op, o.value)
	}
	rp, err := p.resolve(o.path)
	if err != nil {
		return err
	}
	return p.applyPath(o.op, rp, o.value)
}

// applyPathless applies {"op":"replace","value":{…}}: each key is applied as
// if it were a path, so Azure AD's dotted ("name.givenName") and
// URN-prefixed keys work as well as nested objects.
func (p *patcher) applyPathless(op string, value any) error {
	m, ok := value.(map[string]any)
	if !ok {
		return InvalidValue("%s without a path needs an object of attributes as its value, not %s", op, jsonType(value))
	}
	for _, k := range sortedKeys(m) {
		if err := p.applyKey(op, nil, k, m[k]); err != nil {
			return err
		}
	}
	return nil
}

// applyKey applies one key of an attribute object (path-less value,
// extension object, flattened input key). A key that is not a valid path is
// an unknown attribute, kept as sent.
func (p *patcher) applyKey(op string, ext *schema, key string, value any) error {
	path := key
	if ext != nil {
		path = ext.id + ":" + key
	}
	rp, err := p.resolve(path)
	if err != nil {
		if !errorsIsParse(err) {
			return err
		}
		rp = rpath{name: key, label: key}
		if ext != nil {
			rp.extKey, rp.ext = ext.id, ext
		}
		if c := p.container(rp, false); c != nil {
			rp.name, _ = keyFold(c, key)
		}
	}
	return p.applyPath(op, rp, value)
}

// rpath is a PATCH path resolved against the schema and the document.
type rpath struct {
	label    string     // the path as sent, for details
	pathless bool       // the core schema URN itself: value is a set of attributes
	ignore   bool       // server-owned (meta, schemas, groups) or never stored (password)
	extKey   string     // key of the extension object holding the attribute; "" = top level
	ext      *schema    // known extension schema, if any
	name     string     // attribute key in its container; "" = the extension object itself
	def      *attribute // nil for an unknown attribute
	expr     filter.Expression
	match    node           // compiled value filter
	eqs      map[string]any // the filter's top-level eq conditions, to create an element
	sub      string
	subDef   *attribute
}

// pathError marks a path that does not parse, so that applyKey can fall
// back to a literal key. It unwraps to the *Error the client gets.
type pathError struct{ err *Error }

func (e *pathError) Error() string { return e.err.Error() }
func (e *pathError) Unwrap() error { return e.err }

func errorsIsParse(err error) bool {
	var pe *pathError
	return errors.As(err, &pe)
}

func (p *patcher) resolve(raw string) (rpath, error) {
	raw = strings.TrimSpace(raw)
	if strings.EqualFold(raw, p.spec.core.id) {
		return rpath{label: raw, pathless: true}, nil
	}
	if e := p.spec.ext(raw); e != nil {
		return rpath{label: raw, extKey: e.id, ext: e}, nil
	}
	if isURN(raw) {
		if k, ok := keyFold(p.doc, raw); ok {
			if _, obj := p.doc[k].(map[string]any); obj {
				return rpath{label: raw, extKey: k}, nil
			}
		}
	}
	parsed, perr := parsePath(raw)
	if perr != nil {
		return rpath{}, &pathError{InvalidPath("%s: %s", quote(raw), perr.Detail)}
	}
	ap := parsed.AttributePath
	sub := ap.SubAttributeName()
	if parsed.ValueExpression != nil && sub != "" {
		return rpath{}, InvalidPath("%s: a filter must follow the attribute name, as in emails[type eq \"work\"].value", quote(raw))
	}
	if parsed.SubAttribute != nil {
		sub = *parsed.SubAttribute
	}
	rp := rpath{label: raw}
	name := ap.AttributeName
	switch uri := ap.URI(); {
	case uri == "" || strings.EqualFold(uri, p.spec.core.id):
		if strings.EqualFold(name, "id") {
			return rpath{}, Mutability("id is assigned by the service and never changes")
		}
		if commonSchema.attr(name) != nil || ignoredInput(p.spec, name) {
			// meta is server-owned and schemas is computed: writes to them are
			// ignored rather than refused, so a client that echoes a whole
			// resource back still works.
			return rpath{label: raw, ignore: true}, nil
		}
		if uri == "" {
			var ext *schema
			if rp.def, ext = p.spec.lookup(name); ext != nil {
				rp.extKey, rp.ext = ext.id, ext
			}
		} else {
			rp.def = p.spec.core.attr(name)
		}
	case p.spec.ext(uri) != nil:
		rp.ext = p.spec.ext(uri)
		rp.extKey, rp.def = rp.ext.id, rp.ext.attr(name)
	default:
		rp.extKey, _ = keyFold(p.doc, uri) // an unknown extension
	}
	if rp.def != nil {
		if rp.def.dropped {
			return rpath{label: raw, ignore: true}, nil
		}
		rp.name = rp.def.name
	} else {
		rp.name = name
		if c := p.container(rp, false); c != nil {
			rp.name, _ = keyFold(c, name)
		}
	}
	if sub != "" {
		if rp.def != nil && rp.def.typ != tComplex {
			return rpath{}, InvalidPath("%s: %s has no sub-attributes", quote(raw), rp.def.name)
		}
		rp.sub = sub
		if rp.subDef = rp.def.sub(sub); rp.subDef != nil {
			rp.sub = rp.subDef.name
		}
	}
	if parsed.ValueExpression != nil {
		if rp.def != nil && rp.def.typ != tComplex {
			return rpath{}, InvalidPath("%s: %s is not a complex attribute and cannot take a filter", quote(raw), rp.def.name)
		}
		rp.expr = parsed.ValueExpression
		match, ferr := compileValueFilter(rp.def, parsed.ValueExpression)
		if ferr != nil {
			return rpath{}, InvalidPath("%s: %s", quote(raw), ferr.Detail)
		}
		rp.match = match
		rp.eqs = eqConds(rp.def, parsed.ValueExpression)
	}
	return rp, nil
}

// container returns the object holding rp's attribute: the document or an
// extension object (created when create is set).
func (p *patcher) container(rp rpath, create bool) map[string]any {
	if rp.extKey == "" {
		return p.doc
	}
	if m, ok := p.doc[rp.extKey].(map[string]any); ok {
		return m
	}
	if !create {
		return nil
	}
	m := map[string]any{}
	p.doc[rp.extKey] = m
	return m
}

func (p *patcher) applyPath(op string, rp rpath, value any) error {
	switch {
	case rp.ignore:
		return nil
	case rp.pathless:
		if op == opRemove {
			return NoTarget("remove needs an attribute path, not the schema URN alone")
		}
		return p.applyPathless(op, value)
	case p.members != nil && rp.def == groupMembers:
		return p.applyMembers(op, rp, value)
	case rp.name == "":
		return p.applyExt(op, rp, value)
	case rp.match != nil:
		return p.applyFiltered(op, rp, value)
	case rp.sub != "":
		return p.applySub(op, rp, value)
	}
	return p.applyWhole(op, rp, value)
}

// applyExt handles a path that names an extension object itself.
func (p *patcher) applyExt(op string, rp rpath, value any) error {
	if op == opRemove || empty(value) {
		delete(p.doc, rp.extKey)
		return nil
	}
	m, ok := value.(map[string]any)
	if !ok {
		return InvalidValue("%s must be an object of attributes, not %s", rp.label, jsonType(value))
	}
	if rp.ext != nil {
		for _, k := range sortedKeys(m) {
			if err := p.applyKey(op, rp.ext, k, m[k]); err != nil {
				return err
			}
		}
		return nil
	}
	c := p.container(rp, true)
	for k, v := range m {
		key, _ := keyFold(c, k)
		if cv := clean(v); cv != nil {
			c[key] = cv
		} else {
			delete(c, key)
		}
	}
	return nil
}

// applyWhole handles a path naming a whole attribute.
func (p *patcher) applyWhole(op string, rp rpath, value any) error {
	def := rp.def
	if op == opRemove {
		c := p.container(rp, false)
		if c == nil {
			return nil
		}
		list, isList := c[rp.name].([]any)
		if !isList || value == nil || (def != nil && !def.multi) {
			delete(c, rp.name)
			return nil
		}
		// Remove with a value list removes only the listed values (Azure
		// AD's form for members, applied to every multi-valued attribute).
		rm, err := normalizeValue(def, value, rp.label)
		if err != nil {
			return err
		}
		rmList, ok := rm.([]any)
		if !ok && rm != nil {
			rmList = []any{rm}
		}
		list = slices.DeleteFunc(slices.Clone(list), func(e any) bool {
			return slices.ContainsFunc(rmList, func(r any) bool { return sameElement(def, e, r) })
		})
		setOrDelete(c, rp.name, list)
		return nil
	}
	nv, err := normalizeValue(def, value, rp.label)
	if err != nil {
		return err
	}
	c := p.container(rp, nv != nil)
	if c == nil {
		return nil
	}
	if nv == nil {
		delete(c, rp.name) // "" or null clears (RFC 7643 §2.5)
		return nil
	}
	old := c[rp.name]
	switch {
	case def == nil:
		if op == opAdd {
			nv = mergeUnknown(old, nv)
		}
	case def.multi:
		if op == opAdd {
			oldList, _ := old.([]any)
			nv = mergeElements(def, oldList, nv.([]any))
		}
	case def.typ == tComplex && !def.hasValue():
		// Sub-attributes not given are left unchanged (RFC 7644 §3.5.2.1,
		// §3.5.2.3). manager (which has a value) is replaced whole instead:
		// its sub-attributes all describe one referenced user.
		if om, ok := old.(map[string]any); ok {
			merged := maps.Clone(om)
			maps.Copy(merged, nv.(map[string]any))
			nv = merged
		}
	}
	c[rp.name] = nv
	return nil
}

// applySub handles attr.sub without a filter: on a multi-valued attribute it
// acts on every value.
func (p *patcher) applySub(op string, rp rpath, value any) error {
	c := p.container(rp, op != opRemove)
	if c == nil {
		return nil
	}
	cur := c[rp.name]
	if list, ok := cur.([]any); ok || (rp.def != nil && rp.def.multi) {
		if op == opRemove {
			for _, e := range list {
				if el, ok := e.(map[string]any); ok {
					delete(el, rp.sub)
				}
			}
			return nil
		}
		nv, err := normalizeValue(rp.subDef, value, rp.label)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			if nv != nil {
				c[rp.name] = []any{map[string]any{rp.sub: nv}}
			}
			return nil
		}
		for _, e := range list {
			if el, ok := e.(map[string]any); ok {
				setOrDelete(el, rp.sub, nv)
			}
		}
		return nil
	}
	obj, _ := cur.(map[string]any)
	if op == opRemove {
		if obj != nil {
			delete(obj, rp.sub)
		}
		return nil
	}
	nv, err := normalizeValue(rp.subDef, value, rp.label)
	if err != nil {
		return err
	}
	if nv == nil {
		if obj != nil {
			delete(obj, rp.sub)
		}
		return nil
	}
	if obj == nil {
		obj = map[string]any{}
		c[rp.name] = obj
	}
	obj[rp.sub] = nv
	return nil
}

// applyFiltered handles attr[filter] and attr[filter].sub. Add and Replace
// create the element from the filter's eq conditions when none matches
// (Azure AD's expectation, against RFC 7644's noTarget for replace), keeping
// the other elements.
func (p *patcher) applyFiltered(op string, rp rpath, value any) error {
	c := p.container(rp, op != opRemove)
	if c == nil {
		return nil
	}
	var list []any
	single := rp.def != nil && !rp.def.multi
	switch t := c[rp.name].(type) {
	case []any:
		list, single = slices.Clone(t), false
	case map[string]any:
		list = []any{t}
	}
	var hits []int
	for i, e := range list {
		if el, ok := e.(map[string]any); ok && rp.match.eval(el) {
			hits = append(hits, i)
		}
	}
	write := func() {
		if single {
			if len(list) == 0 {
				delete(c, rp.name)
			} else {
				c[rp.name] = list[len(list)-1]
			}
			return
		}
		setOrDelete(c, rp.name, list)
	}
	if op == opRemove {
		if rp.sub == "" {
			list = deleteIndexes(list, hits)
		} else {
			for _, i := range hits {
				delete(list[i].(map[string]any), rp.sub)
			}
		}
		write()
		return nil
	}
	var nv map[string]any
	if rp.sub == "" {
		v, err := normalizeElementOf(rp.def, value, rp.label)
		if err != nil {
			return err
		}
		if v == nil {
			list = deleteIndexes(list, hits) // replacing with "" or null clears
			write()
			return nil
		}
		nv = v
	} else {
		v, err := normalizeValue(rp.subDef, value, rp.label)
		if err != nil {
			return err
		}
		if v == nil {
			for _, i := range hits {
				delete(list[i].(map[string]any), rp.sub)
			}
			write()
			return nil
		}
		nv = map[string]any{rp.sub: v}
	}
	if len(hits) == 0 {
		el := maps.Clone(rp.eqs)
		if el == nil {
			el = map[string]any{}
		}
		maps.Copy(el, nv)
		list = append(list, el)
		hits = []int{len(list) - 1}
	} else {
		for _, i := range hits {
			var el map[string]any
			if op == opReplace && rp.sub == "" {
				el = maps.Clone(rp.eqs) // the matching values are replaced
				if el == nil {
					el = map[string]any{}
				}
			} else {
				el = maps.Clone(list[i].(map[string]any))
			}
			maps.Copy(el, nv)
			list[i] = el
		}
	}
	if nv["primary"] == true && len(hits) == 1 {
		clearPrimary(list, hits[0])
	}
	write()
	return nil
}

// normalizeElementOf normalises the value written to attr[filter]: an
// element of a multi-valued attribute, or the object of a single one.
func normalizeElementOf(def *attribute, v any, where string) (map[string]any, error) {
	switch {
	case def == nil:
		m, _ := clean(v).(map[string]any)
		if m == nil && clean(v) != nil {
			return nil, InvalidValue("%s must be an object, not %s", where, jsonType(v))
		}
		return m, nil
	case def.multi:
		return normalizeElement(def, v, where)
	}
	nv, err := normalizeComplex(def, v, where)
	m, _ := nv.(map[string]any)
	return m, err
}

// applyMembers turns a write to a group's members into MemberOps.
func (p *patcher) applyMembers(op string, rp rpath, value any) error {
	var filtered []string
	if rp.expr != nil {
		ids, err := memberFilterIDs(rp.expr)
		if err != nil {
			return err
		}
		filtered = ids
		if rp.sub != "" {
			return nil // a member's display or type is not kept
		}
	} else if rp.sub != "" {
		return InvalidPath("members.%s cannot be changed on its own; send member ids", rp.sub)
	}
	switch op {
	case opAdd:
		if filtered != nil {
			p.members.add(filtered)
			return nil
		}
		ids, err := memberIDs(value, "members")
		p.members.add(ids)
		return err
	case opReplace:
		ids, err := memberIDs(value, "members")
		if err != nil {
			return err
		}
		if filtered != nil {
			if len(ids) > 0 {
				p.members.remove(filtered)
				p.members.add(ids)
			}
			return nil
		}
		p.members.removeAll()
		p.members.add(ids)
		return nil
	}
	switch {
	case filtered != nil:
		p.members.remove(filtered)
	case value == nil:
		p.members.removeAll()
	default:
		// Azure AD's default: the members to remove are in value, not in
		// path. Removing them all here would empty the group.
		ids, err := memberIDs(value, "members")
		if err != nil {
			return err
		}
		p.members.remove(ids)
	}
	return nil
}

// memberFilterIDs reads the ids of members[value eq "id" or value eq "id2"].
func memberFilterIDs(expr filter.Expression) ([]string, error) {
	switch e := expr.(type) {
	case *filter.AttributeExpression:
		s, ok := e.CompareValue.(string)
		if e.Operator == filter.EQ && ok && e.AttributePath.URIPrefix == nil && e.AttributePath.SubAttribute == nil &&
			strings.EqualFold(e.AttributePath.AttributeName, "value") {
			id, err := unescape(s)
			if err == nil {
				return []string{id}, nil
			}
		}
	case *filter.LogicalExpression:
		if e.Operator == filter.OR {
			l, err := memberFilterIDs(e.Left)
			if err != nil {
				return nil, err
			}
			r, err := memberFilterIDs(e.Right)
			return append(l, r...), err
		}
	}
	return nil, InvalidPath("a members filter can only select members by id, as in members[value eq \"id\"]")
}

// sameElement reports whether two values of a multi-valued attribute are
// the same value: equal "value" (per caseExact) and type, or deeply equal.
func sameElement(def *attribute, a, b any) bool {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok {
		return deepEqual(a, b)
	}
	av, aHas := am["value"].(string)
	bv, bHas := bm["value"].(string)
	if !aHas || !bHas {
		return deepEqual(a, b)
	}
	exact := def != nil && def.sub("value") != nil && def.sub("value").caseExact
	if exact && av != bv || !exact && !strings.EqualFold(av, bv) {
		return false
	}
	at, _ := am["type"].(string)
	bt, _ := bm["type"].(string)
	return at == "" || bt == "" || strings.EqualFold(at, bt)
}

// mergeElements adds values to a multi-valued attribute: a value with the
// type of an existing one (types are unique) or the same value is merged
// into it; others are appended. A new primary value demotes the others.
func mergeElements(def *attribute, list, added []any) []any {
	out := slices.Clone(list)
	for _, a := range added {
		el, _ := a.(map[string]any)
		at, _ := el["type"].(string)
		idx := slices.IndexFunc(out, func(o any) bool {
			om, _ := o.(map[string]any)
			if ot, _ := om["type"].(string); at != "" && strings.EqualFold(at, ot) {
				return true
			}
			return sameElement(def, om, el)
		})
		if idx < 0 {
			out = append(out, el)
			idx = len(out) - 1
		} else {
			merged := maps.Clone(out[idx].(map[string]any))
			maps.Copy(merged, el)
			out[idx] = merged
		}
		if el["primary"] == true {
			clearPrimary(out, idx)
		}
	}
	return out
}

// clearPrimary sets primary to false on every value but keep (RFC 7644
// §3.5.2: a new primary value makes the others non-primary).
func clearPrimary(list []any, keep int) {
	for i, e := range list {
		if el, ok := e.(map[string]any); ok && i != keep && el["primary"] == true {
			el = maps.Clone(el)
			el["primary"] = false
			list[i] = el
		}
	}
}

// mergeUnknown is add on an unknown attribute: arrays append, objects merge.
func mergeUnknown(old, nv any) any {
	switch o := old.(type) {
	case []any:
		if n, ok := nv.([]any); ok {
			out := slices.Clone(o)
			for _, e := range n {
				if !slices.ContainsFunc(out, func(x any) bool { return deepEqual(x, e) }) {
					out = append(out, e)
				}
			}
			return out
		}
	case map[string]any:
		if n, ok := nv.(map[string]any); ok {
			out := maps.Clone(o)
			maps.Copy(out, n)
			return out
		}
	}
	return nv
}

func deleteIndexes(list []any, idx []int) []any {
	out := list[:0:0]
	for i, e := range list {
		if !slices.Contains(idx, i) {
			out = append(out, e)
		}
	}
	return out
}

func setOrDelete(m map[string]any, key string, v any) {
	if empty(v) {
		delete(m, key)
		return
	}
	m[key] = v
}
