package resource

import "strings"

// The server-owned attributes id, meta and schemas (RFC 7643 §3.1) are
// read-only. Clients echo them back — Azure AD re-sends some unchanged, Okta
// puts the group's own id in every membership PATCH, Microsoft's Postman
// suite PUTs a stale meta — so a write is refused with 400 mutability only
// when it would change something a client can see:
//
//   - id: any value other than the resource's own id;
//   - meta: a resourceType other than the resource's (created, lastModified,
//     location and version are the service's to compute and are ignored);
//   - schemas: a list that does not name the resource's core schema (the
//     rest of "schemas" is computed from the attributes present).

// CheckReadOnly checks the id, meta and schemas of a PUT body against the
// resource it replaces, described by self (ID and ResourceType). It returns
// a 400 mutability *Error for a change and nil otherwise.
func CheckReadOnly(k Kind, in Doc, self Meta) error {
	spec := specOf(k)
	for _, key := range sortedKeys(in) {
		ro := strings.ToLower(key)
		switch ro {
		case "id", "meta", "schemas":
			if in[key] == nil {
				continue // null is unassigned: nothing is being set
			}
			if err := checkUnchanged(spec, self, ro, "", in[key]); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkReadOnly is a PATCH operation on id, meta or schemas.
func (p *patcher) checkReadOnly(op string, rp rpath, value any) error {
	if op == opRemove {
		return Mutability("%s is read-only and cannot be removed", rp.readOnly)
	}
	if op == opAdd && rp.readOnly == "schemas" && rp.sub == "" {
		if _, ok := stringList(value); ok {
			return nil // adding URIs changes nothing: schemas is computed
		}
	}
	return checkUnchanged(p.spec, p.self, rp.readOnly, rp.sub, value)
}

// checkUnchanged reports a mutability error unless value, written to
// attr (.sub), leaves the resource as it is.
func checkUnchanged(spec *kindSpec, self Meta, attr, sub string, value any) error {
	switch attr {
	case "id":
		if s, ok := value.(string); ok && sub == "" && self.ID != "" && s == self.ID {
			return nil
		}
		return Mutability("id is assigned by the service and never changes; send the resource's own id or none")
	case "meta":
		rt := self.ResourceType
		if rt == "" {
			rt = spec.kind.String()
		}
		var given any
		switch {
		case sub == "":
			m, ok := value.(map[string]any)
			if !ok {
				return Mutability("meta is read-only; it must be the resource's own meta object, not %s", jsonType(value))
			}
			k, _ := keyFold(m, "resourceType")
			given = m[k]
		case strings.EqualFold(sub, "resourceType"):
			given = value
		default:
			return nil // created, lastModified, location, version: the service's own
		}
		if s, ok := given.(string); given != nil && (!ok || !strings.EqualFold(s, rt)) {
			return Mutability("meta.resourceType is read-only; this resource is a %s", rt)
		}
		return nil
	}
	list, ok := stringList(value)
	if ok && sub == "" {
		for _, s := range list {
			if strings.EqualFold(s, spec.core.id) {
				return nil
			}
		}
	}
	return Mutability("schemas is read-only; it must name %s", spec.core.id)
}

// stringList reads a JSON array of strings (or one string).
func stringList(v any) ([]string, bool) {
	switch t := v.(type) {
	case string:
		return []string{t}, true
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}
