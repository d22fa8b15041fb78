package resource

import (
	"errors"
	"strings"

	"github.com/scim2/filter-parser/v2"
)

// rpath is a PATCH path resolved against the schema and the document.
type rpath struct {
	label    string     // the path as sent, for details
	pathless bool       // the core schema URN itself: value is a set of attributes
	ignore   bool       // read-only and never stored (groups) or never stored (password)
	readOnly string     // "id", "meta" or "schemas": accepted only unchanged
	extKey   string     // key of the extension object holding the attribute; "" = top level
	ext      *schema    // known extension schema, if any
	name     string     // attribute key in its container; "" = the extension object itself
	def      *attribute // nil for an unknown attribute
	expr     filter.Expression
	match    node           // compiled value filter
	eqs      map[string]any // the filter's top-level eq conditions, to create an element
	sub      string
	subDef   *attribute
}

// pathError marks a path that does not parse, so that applyKey can fall
// back to a literal key. It unwraps to the *Error the client gets.
type pathError struct{ err *Error }

func (e *pathError) Error() string { return e.err.Error() }

func (e *pathError) Unwrap() error { return e.err }

func errorsIsParse(err error) bool {
	var pe *pathError
	return errors.As(err, &pe)
}

func (p *patcher) resolve(raw string) (rpath, error) {
	raw = strings.TrimSpace(raw)
	if strings.EqualFold(raw, p.spec.core.id) {
		return rpath{label: raw, pathless: true}, nil
	}
	if e := p.spec.ext(raw); e != nil {
		return rpath{label: raw, extKey: e.id, ext: e}, nil
	}
	if isURN(raw) {
		if k, ok := keyFold(p.doc, raw); ok {
			if _, obj := p.doc[k].(map[string]any); obj {
				return rpath{label: raw, extKey: k}, nil
			}
		}
	}
	parsed, perr := parsePath(raw)
	if perr != nil {
		return rpath{}, &pathError{InvalidPath("%s: %s", quote(raw), perr.Detail)}
	}
	ap := parsed.AttributePath
	sub := ap.SubAttributeName()
	if parsed.ValueExpression != nil && sub != "" {
		return rpath{}, InvalidPath("%s: a filter must follow the attribute name, as in emails[type eq \"work\"].value", quote(raw))
	}
	if parsed.SubAttribute != nil {
		sub = *parsed.SubAttribute
	}
	rp := rpath{label: raw}
	name := ap.AttributeName
	switch uri := ap.URI(); {
	case uri == "" || strings.EqualFold(uri, p.spec.core.id):
		switch ro := strings.ToLower(name); ro {
		case "id", "meta", "schemas":
			// Server-owned: a write that repeats the value is accepted (Azure
			// AD and Okta echo them), a change is refused.
			if parsed.ValueExpression != nil {
				return rpath{}, Mutability("%s is read-only; it cannot be filtered and changed", ro)
			}
			return rpath{label: raw, readOnly: ro, sub: sub}, nil
		}
		if ignoredInput(p.spec, name) {
			return rpath{label: raw, ignore: true}, nil // groups, read-only on a User
		}
		if uri == "" {
			var ext *schema
			if rp.def, ext = p.spec.lookup(name); ext != nil {
				rp.extKey, rp.ext = ext.id, ext
			}
		} else {
			rp.def = p.spec.core.attr(name)
		}
	case p.spec.ext(uri) != nil:
		rp.ext = p.spec.ext(uri)
		rp.extKey, rp.def = rp.ext.id, rp.ext.attr(name)
	default:
		rp.extKey, _ = keyFold(p.doc, uri) // an unknown extension
	}
	if rp.def != nil {
		if rp.def.dropped {
			return rpath{label: raw, ignore: true}, nil
		}
		rp.name = rp.def.name
	} else {
		rp.name = name
		if c := p.container(rp, false); c != nil {
			rp.name, _ = keyFold(c, name)
		}
	}
	if sub != "" {
		if rp.def != nil && rp.def.typ != tComplex {
			return rpath{}, InvalidPath("%s: %s has no sub-attributes", quote(raw), rp.def.name)
		}
		rp.sub = sub
		if rp.subDef = rp.def.sub(sub); rp.subDef != nil {
			rp.sub = rp.subDef.name
		}
	}
	if parsed.ValueExpression != nil {
		if rp.def != nil && rp.def.typ != tComplex {
			return rpath{}, InvalidPath("%s: %s is not a complex attribute and cannot take a filter", quote(raw), rp.def.name)
		}
		rp.expr = parsed.ValueExpression
		match, ferr := compileValueFilter(rp.def, parsed.ValueExpression)
		if ferr != nil {
			return rpath{}, InvalidPath("%s: %s", quote(raw), ferr.Detail)
		}
		rp.match = match
		rp.eqs = eqConds(rp.def, parsed.ValueExpression)
	}
	return rp, nil
}

// container returns the object holding rp's attribute: the document or an
// extension object (created when create is set).
func (p *patcher) container(rp rpath, create bool) map[string]any {
	if rp.extKey == "" {
		return p.doc
	}
	if m, ok := p.doc[rp.extKey].(map[string]any); ok {
		return m
	}
	if !create {
		return nil
	}
	m := map[string]any{}
	p.doc[rp.extKey] = m
	return m
}
