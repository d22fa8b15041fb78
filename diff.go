package hostsync

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// diffAttrs returns the field-level changes between two attribute documents,
// sorted by field. Fields are SCIM paths: nested objects as name.givenName,
// extension objects as URN:attr (the manager as its value string), arrays of
// typed objects as emails[type eq "work"].value, other arrays whole.
// "schemas" is left out: it follows from the other attributes.
func diffAttrs(oldAttrs, newAttrs []byte) ([]FieldChange, error) {
	o, err := decodeAttrs(oldAttrs)
	if err != nil {
		return nil, err
	}
	n, err := decodeAttrs(newAttrs)
	if err != nil {
		return nil, err
	}
	return diffDecoded(o, n)
}

// decodeAttrs decodes an attribute document with decodeJSON; empty is {}.
func decodeAttrs(attrs []byte) (any, error) {
	if len(attrs) == 0 {
		return map[string]any{}, nil
	}
	v, err := decodeJSON(attrs)
	if err != nil {
		return nil, fmt.Errorf("decode attributes: %w", err)
	}
	return v, nil
}

// diffDecoded is diffAttrs of two documents already decoded (decodeAttrs).
func diffDecoded(oldDoc, newDoc any) ([]FieldChange, error) {
	o, err := flattenDoc(oldDoc)
	if err != nil {
		return nil, err
	}
	n, err := flattenDoc(newDoc)
	if err != nil {
		return nil, err
	}
	var fields []string
	for f := range o {
		fields = append(fields, f)
	}
	for f := range n {
		if _, ok := o[f]; !ok {
			fields = append(fields, f)
		}
	}
	sort.Strings(fields)
	var ch []FieldChange
	for _, f := range fields {
		if !reflect.DeepEqual(o[f], n[f]) {
			ch = append(ch, FieldChange{Field: f, Old: o[f], New: n[f]})
		}
	}
	return ch, nil
}

func flattenDoc(v any) (map[string]any, error) {
	out := map[string]any{}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("attributes are not a JSON object")
	}
	for k, v := range doc {
		if k == "schemas" {
			continue
		}
		ext, isObj := v.(map[string]any)
		if !isObj || !strings.HasPrefix(strings.ToLower(k), "urn:") {
			flatten(out, k, v)
			continue
		}
		for sk, sv := range ext {
			path := k + ":" + sk
			if m, ok := sv.(map[string]any); ok && strings.EqualFold(sk, "manager") {
				if val, ok := m["value"]; ok {
					out[path] = val
					continue
				}
			}
			flatten(out, path, sv)
		}
	}
	return out, nil
}

func flatten(out map[string]any, path string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, sv := range v {
			flatten(out, path+"."+k, sv)
		}
	case []any:
		types, ok := elementTypes(v)
		if !ok {
			out[path] = v
			return
		}
		for i, e := range v {
			prefix := fmt.Sprintf("%s[type eq %q]", path, types[i])
			for k, sv := range e.(map[string]any) {
				if k != "type" {
					flatten(out, prefix+"."+k, sv)
				}
			}
		}
	default:
		out[path] = v
	}
}

// elementTypes returns the "type" of each element when every element is an
// object with a distinct string type, so that the array can be diffed per type.
func elementTypes(a []any) ([]string, bool) {
	if len(a) == 0 {
		return nil, false
	}
	types := make([]string, len(a))
	seen := map[string]bool{}
	for i, e := range a {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		t, ok := m["type"].(string)
		if !ok || seen[t] {
			return nil, false
		}
		seen[t] = true
		types[i] = t
	}
	return types, true
}
