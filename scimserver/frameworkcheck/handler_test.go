package frameworkcheck

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	filter "github.com/scim2/filter-parser/v2"
)

// memory is the in-memory store behind both resource types.
type memory struct {
	mu   sync.Mutex
	next int
	data map[string]map[string]any // id → attributes as elimity validated them
}

func newMemory() *memory { return &memory{data: map[string]map[string]any{}} }

// handler is the minimal scim.ResourceHandler one would write on top of
// elimity: it stores what elimity validated and applies the PATCH operations
// elimity hands over, generically (no Azure AD special cases beyond reading a
// Remove's value and creating the element an Add's filter names, both of
// which only work on what elimity let through).
type handler struct {
	store *memory
	kind  string
}

func (h handler) resource(id string, attrs map[string]any) scim.Resource {
	now := time.Now()
	r := scim.Resource{ID: id, Attributes: attrs, Meta: scim.Meta{Created: &now, LastModified: &now}}
	if ext, ok := attrs["externalId"].(string); ok {
		r.ExternalID = optional.NewString(ext)
	}
	return r
}

func (h handler) Create(_ *http.Request, attrs scim.ResourceAttributes) (scim.Resource, error) {
	h.store.mu.Lock()
	defer h.store.mu.Unlock()
	h.store.next++
	id := fmt.Sprintf("%s-%d", strings.ToLower(h.kind), h.store.next)
	h.store.data[id] = attrs
	return h.resource(id, attrs), nil
}

func (h handler) Get(_ *http.Request, id string) (scim.Resource, error) {
	h.store.mu.Lock()
	defer h.store.mu.Unlock()
	attrs, ok := h.store.data[id]
	if !ok || !strings.HasPrefix(id, strings.ToLower(h.kind)) {
		return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	return h.resource(id, attrs), nil
}

func (h handler) GetAll(_ *http.Request, params scim.ListRequestParams) (scim.Page, error) {
	h.store.mu.Lock()
	defer h.store.mu.Unlock()
	page := scim.Page{Resources: []scim.Resource{}}
	for id, attrs := range h.store.data {
		if !strings.HasPrefix(id, strings.ToLower(h.kind)) {
			continue
		}
		if params.FilterValidator != nil && params.FilterValidator.PassesFilter(attrs) != nil {
			continue
		}
		page.TotalResults++
		page.Resources = append(page.Resources, h.resource(id, attrs))
	}
	return page, nil
}

func (h handler) Replace(_ *http.Request, id string, attrs scim.ResourceAttributes) (scim.Resource, error) {
	h.store.mu.Lock()
	defer h.store.mu.Unlock()
	if _, ok := h.store.data[id]; !ok {
		return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	h.store.data[id] = attrs
	return h.resource(id, attrs), nil
}

func (h handler) Delete(_ *http.Request, id string) error {
	h.store.mu.Lock()
	defer h.store.mu.Unlock()
	if _, ok := h.store.data[id]; !ok {
		return scimerrors.ScimErrorResourceNotFound(id)
	}
	delete(h.store.data, id)
	return nil
}

func (h handler) Patch(_ *http.Request, id string, ops []scim.PatchOperation) (scim.Resource, error) {
	h.store.mu.Lock()
	defer h.store.mu.Unlock()
	attrs, ok := h.store.data[id]
	if !ok {
		return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	for _, op := range ops {
		if err := apply(attrs, op.Op, op.Path, op.Value); err != nil {
			// Not elimity's answer: the test would show a 500 here.
			return scim.Resource{}, fmt.Errorf("test handler: %w", err)
		}
	}
	return h.resource(id, attrs), nil
}

// apply performs one operation as elimity passed it: op lower-cased, path
// parsed (nil when absent), value validated.
func apply(attrs map[string]any, op string, path *filter.Path, value any) error {
	if path == nil {
		// Path-less: elimity keeps the value's keys as written, each either an
		// extension's URN (a container) or an attribute path.
		m, ok := value.(map[string]any)
		if !ok {
			return fmt.Errorf("path-less %s value is %T", op, value)
		}
		for k, v := range m {
			if sub, ok := v.(map[string]any); ok && k == enterprise {
				ext, _ := attrs[k].(map[string]any)
				if ext == nil {
					ext = map[string]any{}
					attrs[k] = ext
				}
				for sk, sv := range sub {
					ext[sk] = sv
				}
				continue
			}
			p, err := filter.ParsePath([]byte(k))
			if err != nil {
				return fmt.Errorf("path-less key %q: %w", k, err)
			}
			if err := apply(attrs, op, &p, v); err != nil {
				return err
			}
		}
		return nil
	}

	container := attrs
	if uri := path.AttributePath.URI(); uri != "" && uri != "urn:ietf:params:scim:schemas:core:2.0:User" {
		ext, _ := attrs[uri].(map[string]any)
		if ext == nil {
			ext = map[string]any{}
			attrs[uri] = ext
		}
		container = ext
	}
	name := path.AttributePath.AttributeName
	sub := path.AttributePath.SubAttributeName()
	if path.SubAttribute != nil {
		sub = *path.SubAttribute
	}

	if path.ValueExpression == nil {
		if sub != "" {
			m, _ := container[name].(map[string]any)
			if m == nil {
				m = map[string]any{}
				container[name] = m
			}
			if op == "remove" {
				delete(m, sub)
			} else {
				m[sub] = value
			}
			return nil
		}
		list, isList := container[name].([]any)
		vals, valIsList := value.([]any)
		switch {
		case op == "remove" && isList && valIsList:
			container[name] = removeValues(list, vals)
		case op == "remove":
			delete(container, name)
		case op == "add" && isList && valIsList:
			container[name] = append(list, vals...)
		default:
			container[name] = value
		}
		return nil
	}

	// A value filter: only `attr eq "x"`, all Azure AD sends.
	expr, ok := path.ValueExpression.(*filter.AttributeExpression)
	if !ok || expr.Operator != filter.EQ {
		return fmt.Errorf("value filter %v not supported by the test handler", path.ValueExpression)
	}
	key := expr.AttributePath.AttributeName
	list, _ := container[name].([]any)
	matched := false
	var kept []any
	for _, e := range list {
		m, _ := e.(map[string]any)
		if m == nil || !strings.EqualFold(fmt.Sprint(m[key]), fmt.Sprint(expr.CompareValue)) {
			kept = append(kept, e)
			continue
		}
		matched = true
		switch {
		case op == "remove" && sub == "":
			continue
		case op == "remove":
			delete(m, sub)
		case sub != "":
			m[sub] = value
		default:
			e = value
		}
		kept = append(kept, e)
	}
	if !matched && op != "remove" {
		elem := map[string]any{key: expr.CompareValue}
		if sub != "" {
			elem[sub] = value
		} else if m, ok := value.(map[string]any); ok {
			for k, v := range m {
				elem[k] = v
			}
		}
		kept = append(kept, elem)
	}
	container[name] = kept
	return nil
}

// removeValues drops the elements whose "value" one of vals names.
func removeValues(list, vals []any) []any {
	drop := map[string]bool{}
	for _, v := range vals {
		if m, ok := v.(map[string]any); ok {
			drop[fmt.Sprint(m["value"])] = true
		}
	}
	var kept []any
	for _, e := range list {
		if m, ok := e.(map[string]any); ok && drop[fmt.Sprint(m["value"])] {
			continue
		}
		kept = append(kept, e)
	}
	return kept
}
