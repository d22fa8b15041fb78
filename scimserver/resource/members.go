package resource

import (
	"slices"
	"strings"

	"github.com/scim2/filter-parser/v2"
)

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
