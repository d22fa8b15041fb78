package resource

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// normalizeValue returns the canonical form of v for the attribute def, or
// nil when v means "unassigned" (null, "", [] or {} — RFC 7643 §2.5). An
// unknown attribute (def nil) is kept as sent, minus its empty parts. where
// names the attribute in error details. The result never shares maps or
// slices with v.
func normalizeValue(def *attribute, v any, where string) (any, error) {
	switch {
	case def == nil:
		return clean(v), nil
	case def.dropped:
		return nil, nil
	case def.multi:
		return normalizeMulti(def, v, where)
	case def.typ == tComplex:
		return normalizeComplex(def, v, where)
	}
	return normalizeSimple(def, v, where)
}

func normalizeSimple(def *attribute, v any, where string) (any, error) {
	if v == nil {
		return nil, nil
	}
	if def.typ == tBoolean {
		switch b := v.(type) {
		case bool:
			return b, nil
		case string:
			// Azure AD sends "True"/"False" for active (AzureAD/SCIMReferenceCode#21).
			switch {
			case b == "":
				return nil, nil
			case strings.EqualFold(b, "true"):
				return true, nil
			case strings.EqualFold(b, "false"):
				return false, nil
			}
		}
		return nil, InvalidValue("%s must be a boolean (true or false), not %s", where, describe(v))
	}
	s, ok := v.(string)
	if !ok {
		return nil, InvalidValue("%s must be a string, not %s", where, jsonType(v))
	}
	if s == "" {
		return nil, nil
	}
	if def.nfc() {
		s = toNFC(s)
	}
	if def.visible {
		return visibleName(s, where)
	}
	return s, nil
}

// describe names a value's type, and for strings says that they are not a
// boolean without quoting them (details never echo values).
func describe(v any) string {
	if _, ok := v.(string); ok {
		return "a string other than \"true\" or \"false\""
	}
	return jsonType(v)
}

// normalizeComplex handles a single-valued complex attribute (name, manager).
func normalizeComplex(def *attribute, v any, where string) (any, error) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case string:
		if !def.hasValue() {
			return nil, InvalidValue("%s must be an object, not a string", where)
		}
		// manager as a plain id string, as Azure AD sends it.
		if t == "" {
			return nil, nil
		}
		return map[string]any{"value": t}, nil
	case []any:
		// Azure AD's tutorial sends manager as [{"$ref":…,"value":id}].
		switch len(t) {
		case 0:
			return nil, nil
		case 1:
			return normalizeComplex(def, t[0], where)
		}
		return nil, InvalidValue("%s is single-valued; an array of %d values was sent", where, len(t))
	case map[string]any:
		out, err := normalizeObject(def, t, where)
		if err != nil || out == nil {
			return nil, err
		}
		for _, s := range def.subs {
			if s.required && out[s.name] == nil {
				// A manager without a value points at no one: unassigned.
				return nil, nil
			}
		}
		return out, nil
	}
	return nil, InvalidValue("%s must be an object, not %s", where, jsonType(v))
}

// normalizeObject normalises the sub-attributes of one complex value.
func normalizeObject(def *attribute, m map[string]any, where string) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for _, k := range sortedKeys(m) {
		sd := def.sub(k)
		key := k
		if sd != nil {
			key = sd.name
		}
		nv, err := normalizeValue(sd, m[k], where+"."+key)
		if err != nil {
			return nil, err
		}
		if nv == nil {
			continue
		}
		if _, dup := out[key]; dup {
			return nil, InvalidSyntax("%s is given more than once (attribute names are case-insensitive)", where+"."+key)
		}
		out[key] = nv
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// normalizeElement normalises one value of a multi-valued complex attribute;
// a bare string stands for {"value": string}.
func normalizeElement(def *attribute, v any, where string) (map[string]any, error) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case string:
		if !def.hasValue() {
			return nil, InvalidValue("%s must be an object, not a string", where)
		}
		if t == "" {
			return nil, nil
		}
		return map[string]any{"value": t}, nil
	case map[string]any:
		out, err := normalizeObject(def, t, where)
		if err != nil || out == nil {
			return nil, err
		}
		if junk(out) {
			return nil, nil
		}
		return out, nil
	}
	return nil, InvalidValue("%s must be an object, not %s", where, jsonType(v))
}

// junk reports whether an element says nothing but its label: {"type":"work"}
// is what is left of a work email whose value was cleared.
func junk(el map[string]any) bool {
	for k := range el {
		if k != "type" && k != "primary" {
			return false
		}
	}
	return true
}

// normalizeMulti handles a multi-valued complex attribute: a list of at
// most MaxValues elements, identical ones merged, at most one primary.
func normalizeMulti(def *attribute, v any, where string) (any, error) {
	var in []any
	switch t := v.(type) {
	case nil:
		return nil, nil
	case []any:
		in = t
	case map[string]any:
		in = []any{t} // one value sent without its array
	default:
		return nil, InvalidValue("%s must be an array, not %s", where, jsonType(v))
	}
	if len(in) > MaxValues {
		return nil, tooManyValues(where, len(in))
	}
	out := make([]any, 0, len(in))
	seen := make(map[string]bool, len(in))
	var key []byte
	for i, e := range in {
		el, err := normalizeElement(def, e, elemWhere(where, i))
		if err != nil {
			return nil, err
		}
		if el == nil {
			continue
		}
		// Identical values are found by their canonical form, not by
		// comparing each with all the others: 8,000 emails once cost
		// seconds of CPU.
		key = appendCanonical(key[:0], el)
		if seen[string(key)] {
			continue
		}
		seen[string(key)] = true
		out = append(out, el)
	}
	if len(out) == 0 {
		return nil, nil
	}
	if err := checkMulti(out, where); err != nil {
		return nil, err
	}
	return out, nil
}

func elemWhere(where string, i int) string {
	return where + "[" + strconv.Itoa(i) + "]"
}

// checkMulti enforces RFC 7643 §2.4: at most one value is primary. Types
// may repeat (two "work" emails): the RFC does not limit them, and Okta,
// OneLogin and Microsoft's own Postman suite send such lists.
func checkMulti(list []any, where string) error {
	primaries := 0
	for _, e := range list {
		el, _ := e.(map[string]any)
		if el["primary"] == true {
			primaries++
		}
	}
	if primaries > 1 {
		return InvalidValue("%s has %d values marked primary; at most one may be", where, primaries)
	}
	return nil
}

// clean copies an unknown value, dropping nulls, empty strings and empty
// arrays/objects at every level; it returns nil when nothing is left.
func clean(v any) any {
	switch t := v.(type) {
	case string:
		if t == "" {
			return nil
		}
		return t
	case []any:
		out := make([]any, 0, len(t))
		for _, e := range t {
			if c := clean(e); c != nil {
				out = append(out, c)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			if c := clean(e); c != nil {
				out[k] = c
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return v
}

func deepEqual(a, b any) bool { return reflect.DeepEqual(a, b) }

// deepCopy copies maps and slices so that a PATCH never touches its input.
func deepCopy(v any) any {
	switch t := v.(type) {
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = deepCopy(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = deepCopy(e)
		}
		return out
	}
	return v
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// keyFold finds the key of m equal to name ignoring case, preferring an
// exact match (then the smallest, for determinism); it returns name itself
// when there is none.
func keyFold(m map[string]any, name string) (string, bool) {
	if _, ok := m[name]; ok {
		return name, true
	}
	found, ok := name, false
	for k := range m {
		if strings.EqualFold(k, name) && (!ok || k < found) {
			found, ok = k, true
		}
	}
	return found, ok
}

// empty reports whether a normalised value is unassigned.
func empty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return t == ""
	case []any:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	}
	return false
}
