package resource

import (
	"slices"
	"strings"
)

// NormalizeGroup turns a POST or PUT body into the canonical stored group
// and its member ids (members are kept by the store, outside the document).
// Member ids are deduplicated and keep their order.
func NormalizeGroup(in Doc) (d Doc, members []string, err error) {
	rest := make(Doc, len(in))
	var mv any
	for k, v := range in {
		if strings.EqualFold(k, "members") {
			mv = v
			continue
		}
		rest[k] = v
	}
	if members, err = memberIDs(mv, "members"); err != nil {
		return nil, nil, err
	}
	if d, err = normalizeDoc(groupSpec, rest); err != nil {
		return nil, nil, err
	}
	return d, members, nil
}

// GroupIndex extracts the fields the store indexes from a canonical group.
func GroupIndex(d Doc) (displayName, externalID string) {
	displayName, _ = d["displayName"].(string)
	externalID, _ = d["externalId"].(string)
	return displayName, externalID
}

// MemberOps is what a group PATCH does to the member list. RemoveAll
// applies before Add, so RemoveAll with Add replaces the list; Add and
// Remove never share an id.
type MemberOps struct {
	Add, Remove []string
	RemoveAll   bool
}

func (m *MemberOps) add(ids []string) {
	for _, id := range ids {
		m.Remove = slices.DeleteFunc(m.Remove, func(s string) bool { return s == id })
		if !slices.Contains(m.Add, id) {
			m.Add = append(m.Add, id)
		}
	}
}

func (m *MemberOps) remove(ids []string) {
	for _, id := range ids {
		m.Add = slices.DeleteFunc(m.Add, func(s string) bool { return s == id })
		if !m.RemoveAll && !slices.Contains(m.Remove, id) {
			m.Remove = append(m.Remove, id)
		}
	}
}

func (m *MemberOps) removeAll() {
	*m = MemberOps{RemoveAll: true}
}

// PatchGroup applies an RFC 7644 PATCH body to the canonical group cur
// (without members). It returns the new canonical group and what to do to
// its members, following Azure AD: Remove "members" with a value list
// removes only those listed.
func PatchGroup(cur Doc, body []byte) (Doc, MemberOps, error) {
	d, ops, err := patchDoc(groupSpec, cur, body)
	if err != nil {
		return nil, MemberOps{}, err
	}
	if len(ops.Add) == 0 {
		ops.Add = nil
	}
	if len(ops.Remove) == 0 {
		ops.Remove = nil
	}
	return d, *ops, nil
}

// memberIDs reads member ids from what a client sends: [{"value":id,…}],
// a single {"value":id}, a bare "id" or ["id", …]. Nulls and empty values
// are skipped; "$ref", display and type are not kept.
func memberIDs(v any, where string) ([]string, error) {
	var in []any
	switch t := v.(type) {
	case nil:
		return nil, nil
	case []any:
		in = t
	case map[string]any, string:
		in = []any{t}
	default:
		return nil, InvalidValue("%s must be an array of {\"value\": id}, not %s", where, jsonType(v))
	}
	var ids []string
	for i, e := range in {
		w := elemWhere(where, i)
		var id any
		switch t := e.(type) {
		case nil:
			continue
		case string:
			id = t
		case map[string]any:
			k, _ := keyFold(t, "value")
			id = t[k]
		default:
			return nil, InvalidValue("%s must be an object, not %s", w, jsonType(e))
		}
		s, ok := id.(string)
		if !ok && id != nil {
			return nil, InvalidValue("%s.value must be a string id, not %s", w, jsonType(id))
		}
		if s != "" && !slices.Contains(ids, s) {
			ids = append(ids, s)
		}
	}
	return ids, nil
}
