package resource

import (
	"maps"
	"slices"
	"strings"
)

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
// type of an existing one or the same value is merged into the first such
// value; others are appended. A new primary value demotes the others. The
// result may hold at most MaxValues values.
func mergeElements(def *attribute, list, added []any, where string) ([]any, error) {
	if len(list)+len(added) > MaxValues {
		return nil, tooManyValues(where, len(list)+len(added))
	}
	out := slices.Clone(list)
	x := newElementIndex(def, out)
	for _, a := range added {
		el, _ := a.(map[string]any)
		idx := x.same(el)
		if at, _ := el["type"].(string); at != "" {
			if t := x.ofType(at); t >= 0 && (idx < 0 || t < idx) {
				idx = t
			}
		}
		if idx < 0 {
			out = append(out, el)
			idx = len(out) - 1
		} else {
			merged := maps.Clone(out[idx].(map[string]any))
			maps.Copy(merged, el)
			out[idx] = merged
		}
		x.list = out
		x.add(idx)
		if el["primary"] == true {
			clearPrimary(out, idx)
		}
	}
	return out, nil
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

// mergeUnknown is add on an unknown attribute: arrays append the values
// not already there, objects merge. An array may not grow past the longest
// one Decode accepts, or the stored resource could no longer be read back.
func mergeUnknown(old, nv any, where string) (any, error) {
	switch o := old.(type) {
	case []any:
		if n, ok := nv.([]any); ok {
			out := slices.Clone(o)
			seen := make(map[string]bool, len(o)+len(n))
			var key []byte
			for _, e := range o {
				key = appendCanonical(key[:0], e)
				seen[string(key)] = true
			}
			for _, e := range n {
				key = appendCanonical(key[:0], e)
				if !seen[string(key)] {
					seen[string(key)] = true
					out = append(out, e)
				}
			}
			if len(out) > maxArray {
				return nil, InvalidValue("%s would hold %d values; at most %d are kept (tooMany)", where, len(out), maxArray)
			}
			return out, nil
		}
	case map[string]any:
		if n, ok := nv.(map[string]any); ok {
			out := maps.Clone(o)
			maps.Copy(out, n)
			return out, nil
		}
	}
	return nv, nil
}

// deleteIndexes returns list without the values at idx, which is sorted.
func deleteIndexes(list []any, idx []int) []any {
	out := list[:0:0]
	for i, e := range list {
		if len(idx) > 0 && idx[0] == i {
			idx = idx[1:]
			continue
		}
		out = append(out, e)
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
