package resource

import (
	"context"
	"strings"
)

// NormalizeUser turns a POST or PUT body into the canonical stored form:
// attribute names in the schema's case, Azure AD's dialect translated
// (string booleans, flattened enterprise keys, manager as an id string),
// server-owned input (id, meta, schemas, groups) and password dropped,
// unassigned values removed, "active" defaulting to true, and "schemas"
// computed, text checked and normalised (text.go). Unknown attributes are
// kept as sent. Errors are *Error.
func NormalizeUser(in Doc) (Doc, error) {
	d, err := normalizeDoc(userSpec, in)
	if err != nil {
		return nil, err
	}
	if err := checkText(userSpec, d, nil); err != nil {
		return nil, err
	}
	return d, nil
}

// UserIndex extracts the fields the store indexes from a canonical user.
// email is the primary work email, else the first work email, else the
// primary one, else the first: a filter on emails[type eq "work"] finds a
// host by it.
func UserIndex(d Doc) (userName, externalID, displayName, email string, active bool) {
	userName, _ = d["userName"].(string)
	externalID, _ = d["externalId"].(string)
	displayName, _ = d["displayName"].(string)
	email = indexEmail(d["emails"])
	active = true
	if b, ok := d["active"].(bool); ok {
		active = b
	}
	return userName, externalID, displayName, email, active
}

func indexEmail(v any) string {
	list, _ := v.([]any)
	var work, primary, first string
	for _, e := range list {
		el, _ := e.(map[string]any)
		val, _ := el["value"].(string)
		if val == "" {
			continue
		}
		isWork := strings.EqualFold(typeOf(el), "work")
		if isWork && el["primary"] == true {
			return val
		}
		if isWork && work == "" {
			work = val
		}
		if el["primary"] == true && primary == "" {
			primary = val
		}
		if first == "" {
			first = val
		}
	}
	switch {
	case work != "":
		return work
	case primary != "":
		return primary
	}
	return first
}

// PatchUser applies an RFC 7644 PATCH body to the canonical user cur and
// returns the new canonical user. It is atomic: on any error nothing is
// returned and cur is never modified. self is the user's own metadata (its
// id at least), against which writes to id, meta and schemas are checked.
func PatchUser(ctx context.Context, cur Doc, self Meta, body []byte) (Doc, error) {
	d, _, err := patchDoc(ctx, userSpec, cur, self, body)
	return d, err
}

// ignoredInput says whether a top-level input key is server-owned and
// silently ignored (RFC 7643 §3.1: id, meta and schemas are not the client's;
// groups is read-only on a User).
func ignoredInput(spec *kindSpec, k string) bool {
	switch strings.ToLower(k) {
	case "id", "meta", "schemas":
		return true
	case "groups":
		return spec.kind == User
	}
	return false
}

// normalizeDoc is NormalizeUser/NormalizeGroup without the members; PATCH
// runs it again on its result, which re-validates everything.
func normalizeDoc(spec *kindSpec, in Doc) (Doc, error) {
	out := Doc{}
	type flat struct {
		ext   *schema // nil: the core schema
		key   string
		value any
	}
	var later []flat
	for _, k := range sortedKeys(in) {
		v := in[k]
		if ignoredInput(spec, k) {
			continue
		}
		if isURN(k) {
			e := spec.ext(k)
			fe, rest := flatExt(spec, k)
			switch {
			case strings.EqualFold(k, spec.core.id):
				m, ok := v.(map[string]any)
				if !ok && v != nil {
					return nil, InvalidValue("%s must be an object, not %s", spec.core.id, jsonType(v))
				}
				for _, sk := range sortedKeys(m) {
					later = append(later, flat{nil, sk, m[sk]})
				}
			case e != nil:
				if err := normalizeExt(e, v, out); err != nil {
					return nil, err
				}
			case rest != "":
				// "urn:…:enterprise:2.0:User:employeeNumber": "1" is moved in.
				later = append(later, flat{fe, rest, v})
			default:
				if c := clean(v); c != nil {
					out[k] = c // an unknown extension, kept as sent
				}
			}
			continue
		}
		def, ext := spec.lookup(k)
		if def == nil {
			if c := clean(v); c != nil {
				out[k] = c
			}
			continue
		}
		nv, err := normalizeValue(def, v, def.name)
		if err != nil {
			return nil, err
		}
		if nv == nil {
			continue
		}
		target := out
		if ext != nil {
			target = extObject(out, ext.id)
		}
		if err := setOnce(target, def.name, nv); err != nil {
			return nil, err
		}
	}
	if len(later) > 0 {
		p := &patcher{spec: spec, doc: out}
		for _, f := range later {
			if f.ext == nil && ignoredInput(spec, f.key) {
				continue // "urn:…:core:2.0:User:id" is server-owned like "id"
			}
			if err := p.applyKey(opReplace, f.ext, f.key, f.value); err != nil {
				return nil, err
			}
		}
	}
	return finalize(spec, out)
}

// flatExt splits a flattened key, a schema URN followed by an attribute
// path, into the schema (nil for the core one) and the path.
func flatExt(spec *kindSpec, k string) (*schema, string) {
	if hasPrefixFold(k, spec.core.id+":") {
		return nil, k[len(spec.core.id)+1:]
	}
	for _, e := range spec.exts {
		if hasPrefixFold(k, e.id+":") {
			return e, k[len(e.id)+1:]
		}
	}
	return nil, ""
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// normalizeExt normalises an extension object into out[e.id].
func normalizeExt(e *schema, v any, out Doc) error {
	if v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return InvalidValue("%s must be an object, not %s", e.id, jsonType(v))
	}
	for _, k := range sortedKeys(m) {
		def := e.attr(k)
		key := k
		if def != nil {
			key = def.name
		}
		nv, err := normalizeValue(def, m[k], e.id+":"+key)
		if err != nil {
			return err
		}
		if nv == nil {
			continue
		}
		if err := setOnce(extObject(out, e.id), key, nv); err != nil {
			return err
		}
	}
	return nil
}

func setOnce(target map[string]any, key string, v any) error {
	if _, dup := target[key]; dup {
		return InvalidSyntax("%s is given more than once (attribute names are case-insensitive)", key)
	}
	target[key] = v
	return nil
}

// extObject returns the extension object at key, creating it.
func extObject(d Doc, key string) map[string]any {
	if m, ok := d[key].(map[string]any); ok {
		return m
	}
	m := map[string]any{}
	d[key] = m
	return m
}

// finalize checks required attributes and computes "schemas": the core
// schema, then the known extensions present, then any other URN-keyed
// object present.
func finalize(spec *kindSpec, out Doc) (Doc, error) {
	for _, e := range spec.exts {
		if m, ok := out[e.id].(map[string]any); ok && len(m) == 0 {
			delete(out, e.id)
		}
	}
	for _, a := range spec.core.attrs {
		if a.required && out[a.name] == nil {
			return nil, InvalidValue("%s is required", a.name)
		}
	}
	if spec.kind == User {
		if _, ok := out["active"]; !ok {
			// Stored explicitly so that the document, the index and the
			// filters agree: a host nobody deactivated is active.
			out["active"] = true
		}
	}
	schemas := []any{spec.core.id}
	for _, e := range spec.exts {
		if out[e.id] != nil {
			schemas = append(schemas, e.id)
		}
	}
	for _, k := range sortedKeys(out) {
		if _, obj := out[k].(map[string]any); obj && isURN(k) && spec.ext(k) == nil {
			schemas = append(schemas, k)
		}
	}
	out["schemas"] = schemas
	return out, nil
}
