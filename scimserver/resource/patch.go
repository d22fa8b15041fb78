package resource

import (
	"context"
	"fmt"
	"slices"
	"strings"
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
	d, err := DecodeRequest(body)
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
// re-validates every attribute (the text of those the PATCH changed: see
// checkText): the request is atomic because the copy is thrown away on the
// first error. self is the resource's own metadata, to
// tell an unchanged read-only value from a change. It stops between
// operations once ctx is done.
func patchDoc(ctx context.Context, spec *kindSpec, cur Doc, self Meta, body []byte) (Doc, *memberChanges, error) {
	ops, err := parsePatch(body)
	if err != nil {
		return nil, nil, err
	}
	work, _ := deepCopy(cur).(map[string]any)
	if work == nil {
		work = Doc{}
	}
	p := &patcher{spec: spec, doc: work, self: self}
	if spec.kind == Group {
		p.members = newMemberChanges()
		if k, ok := keyFold(work, "members"); ok {
			delete(work, k)
		}
	}
	for i, o := range ops {
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("resource: patch stopped: %w", err)
		}
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
	if err := checkText(spec, out, cur); err != nil {
		return nil, nil, err
	}
	return out, p.members, nil
}

// patcher applies operations to a working copy of a document.
type patcher struct {
	spec    *kindSpec
	doc     Doc
	self    Meta
	members *memberChanges // groups only: member changes go here, not in doc
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

func (p *patcher) applyPath(op string, rp rpath, value any) error {
	switch {
	case rp.ignore:
		return nil
	case rp.readOnly != "":
		return p.checkReadOnly(op, rp, value)
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
