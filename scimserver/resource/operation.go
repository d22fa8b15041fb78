package resource

import (
	"maps"
	"slices"
)

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
		rmIndex := newElementIndex(def, rmList)
		list = slices.DeleteFunc(slices.Clone(list), func(e any) bool { return rmIndex.same(e) >= 0 })
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
			if nv, err = mergeUnknown(old, nv, rp.label); err != nil {
				return err
			}
		}
	case def.multi:
		if op == opAdd {
			oldList, _ := old.([]any)
			if nv, err = mergeElements(def, oldList, nv.([]any), rp.label); err != nil {
				return err
			}
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
		list, single = []any{t}, true
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
		if !single && len(list) >= MaxValues {
			return tooManyValues(rp.label, len(list)+1)
		}
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
		c := clean(v)
		m, ok := c.(map[string]any)
		if !ok && c != nil {
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
