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

// memberChanges builds MemberOps in time linear in the ids a request names:
// each id remembers when it was last added or removed, and MemberOps lists
// them in that order.
type memberChanges struct {
	add, remove map[string]int // id → sequence number
	removeAll   bool
	seq, named  int
}

func newMemberChanges() *memberChanges {
	return &memberChanges{add: map[string]int{}, remove: map[string]int{}}
}

// count adds n to the ids the request named, refusing more than MaxMembers.
func (m *memberChanges) count(n int) error {
	m.named += n
	if m.named > MaxMembers {
		return tooManyMembers(m.named)
	}
	return nil
}

func (m *memberChanges) addIDs(ids []string) {
	for _, id := range ids {
		delete(m.remove, id)
		if _, ok := m.add[id]; !ok {
			m.add[id] = m.seq
			m.seq++
		}
	}
}

func (m *memberChanges) removeIDs(ids []string) {
	for _, id := range ids {
		delete(m.add, id)
		if _, ok := m.remove[id]; !m.removeAll && !ok {
			m.remove[id] = m.seq
			m.seq++
		}
	}
}

func (m *memberChanges) clear() {
	clear(m.add)
	clear(m.remove)
	m.removeAll = true
}

// ops lists the changes; empty lists are nil.
func (m *memberChanges) ops() MemberOps {
	return MemberOps{Add: inOrder(m.add), Remove: inOrder(m.remove), RemoveAll: m.removeAll}
}

func inOrder(ids map[string]int) []string {
	if len(ids) == 0 {
		return nil
	}
	out := make([]string, 0, len(ids))
	for id := range ids {
		out = append(out, id)
	}
	slices.SortFunc(out, func(a, b string) int { return ids[a] - ids[b] })
	return out
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
	if len(in) > MaxMembers {
		return nil, tooManyMembers(len(in))
	}
	var ids []string
	seen := make(map[string]bool, len(in))
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
		if s != "" && !seen[s] {
			seen[s] = true
			ids = append(ids, s)
		}
	}
	return ids, nil
}

// applyMembers turns a write to a group's members into member changes.
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
	m := p.members
	if err := m.count(len(filtered)); err != nil {
		return err
	}
	read := func() ([]string, error) {
		ids, err := memberIDs(value, "members")
		if err == nil {
			err = m.count(len(ids))
		}
		return ids, err
	}
	switch op {
	case opAdd:
		if filtered != nil {
			m.addIDs(filtered)
			return nil
		}
		ids, err := read()
		if err != nil {
			return err
		}
		m.addIDs(ids)
		return nil
	case opReplace:
		ids, err := read()
		if err != nil {
			return err
		}
		if filtered != nil {
			if len(ids) > 0 {
				m.removeIDs(filtered)
				m.addIDs(ids)
			}
			return nil
		}
		m.clear()
		m.addIDs(ids)
		return nil
	}
	switch {
	case filtered != nil:
		m.removeIDs(filtered)
	case value == nil:
		m.clear()
	default:
		// Azure AD's default: the members to remove are in value, not in
		// path. Removing them all here would empty the group.
		ids, err := read()
		if err != nil {
			return err
		}
		m.removeIDs(ids)
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
