package scimclient

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// SCIM schema URNs the client needs.
const (
	ListResponseSchema = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	PatchOpSchema      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	ErrorSchema        = "urn:ietf:params:scim:api:messages:2.0:Error"
)

// ListResponse is a SCIM ListResponse; Resources are left raw for the caller to decode.
type ListResponse struct {
	Schemas      []string          `json:"schemas"`
	TotalResults int               `json:"totalResults"`
	StartIndex   int               `json:"startIndex,omitempty"`
	ItemsPerPage int               `json:"itemsPerPage,omitempty"`
	Resources    []json.RawMessage `json:"Resources"`
}

// IsListResponse reports whether the answer declared the ListResponse schema, as Azure AD requires.
func (l *ListResponse) IsListResponse() bool {
	for _, s := range l.Schemas {
		if s == ListResponseSchema {
			return true
		}
	}
	return false
}

// ServiceProviderConfig is the part of /ServiceProviderConfig a client acts on.
type ServiceProviderConfig struct {
	Schemas []string  `json:"schemas"`
	Patch   supported `json:"patch"`
	Bulk    supported `json:"bulk"`
	Filter  struct {
		Supported  bool `json:"supported"`
		MaxResults int  `json:"maxResults"`
	} `json:"filter"`
	ChangePassword        supported `json:"changePassword"`
	Sort                  supported `json:"sort"`
	ETag                  supported `json:"etag"`
	AuthenticationSchemes []struct {
		Type string `json:"type"`
		Name string `json:"name"`
	} `json:"authenticationSchemes"`
}

type supported struct {
	Supported bool `json:"supported"`
}

// PatchOp is one RFC 7644 PATCH operation.
type PatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

// ListQuery is a SCIM list or filter request; zero values are left to the service.
type ListQuery struct {
	Filter     string
	StartIndex int
	Count      int
}

func (q ListQuery) values() url.Values {
	v := url.Values{}
	if q.Filter != "" {
		v.Set("filter", q.Filter)
	}
	if q.StartIndex > 0 {
		v.Set("startIndex", strconv.Itoa(q.StartIndex))
	}
	if q.Count > 0 {
		v.Set("count", strconv.Itoa(q.Count))
	}
	return v
}

// ListUsers runs GET /Users with an optional filter, e.g. `userName eq "x"` (what Azure AD's Test
// Connection sends, expecting an empty ListResponse for a random name).
func (c *Client) ListUsers(ctx context.Context, q ListQuery) (*ListResponse, error) {
	return c.list(ctx, "/Users", q)
}

// ListGroups runs GET /Groups with an optional filter.
func (c *Client) ListGroups(ctx context.Context, q ListQuery) (*ListResponse, error) {
	return c.list(ctx, "/Groups", q)
}

func (c *Client) list(ctx context.Context, path string, q ListQuery) (*ListResponse, error) {
	var l ListResponse
	if err := c.do(ctx, request{method: http.MethodGet, path: path, query: q.values()}, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// ServiceProviderConfig fetches the service's capabilities.
func (c *Client) ServiceProviderConfig(ctx context.Context) (*ServiceProviderConfig, error) {
	var s ServiceProviderConfig
	if err := c.do(ctx, request{method: http.MethodGet, path: "/ServiceProviderConfig"}, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// ResourceTypes fetches the resource types the service serves.
func (c *Client) ResourceTypes(ctx context.Context) (*ListResponse, error) {
	return c.list(ctx, "/ResourceTypes", ListQuery{})
}

// Schemas fetches the schemas the service serves (Azure AD reads them when provisioning is set up).
func (c *Client) Schemas(ctx context.Context) (*ListResponse, error) {
	return c.list(ctx, "/Schemas", ListQuery{})
}

// GetUser fetches one live user.
func (c *Client) GetUser(ctx context.Context, id string) (json.RawMessage, error) {
	var raw json.RawMessage
	if err := c.do(ctx, request{method: http.MethodGet, path: "/Users/" + url.PathEscape(id)}, &raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// CreateUser posts a SCIM User resource and returns the created resource.
func (c *Client) CreateUser(ctx context.Context, user any) (json.RawMessage, error) {
	var raw json.RawMessage
	r := request{method: http.MethodPost, path: "/Users", body: user, want: http.StatusCreated}
	if err := c.do(ctx, r, &raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// PatchUser applies PATCH operations to a user. The answer (200 with the resource, or 204) is
// returned raw; it is nil for 204.
func (c *Client) PatchUser(ctx context.Context, id string, ops ...PatchOp) (json.RawMessage, error) {
	body := map[string]any{"schemas": []string{PatchOpSchema}, "Operations": ops}
	var raw json.RawMessage
	r := request{method: http.MethodPatch, path: "/Users/" + url.PathEscape(id), body: body}
	if err := c.do(ctx, r, &raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// DeleteUser sends DELETE /Users/{id}; the service only marks the host deleted.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/Users/" + url.PathEscape(id), want: http.StatusNoContent}, nil)
}
