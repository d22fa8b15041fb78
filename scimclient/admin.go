package scimclient

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/visitly/hostsync"
)

// Status returns the service's health and counters.
func (c *Client) Status(ctx context.Context) (*hostsync.Status, error) {
	var s hostsync.Status
	if err := c.do(ctx, request{method: http.MethodGet, admin: true, path: "/status"}, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Keys lists every API key, revoked ones included, oldest first.
func (c *Client) Keys(ctx context.Context) ([]hostsync.Key, error) {
	var out struct {
		Keys []hostsync.Key `json:"keys"`
	}
	if err := c.do(ctx, request{method: http.MethodGet, admin: true, path: "/apikeys"}, &out); err != nil {
		return nil, err
	}
	return out.Keys, nil
}

// CreateKey asks the service for a new API key for idp. Older keys stay valid.
func (c *Client) CreateKey(ctx context.Context, label string, idp hostsync.IdP) (*hostsync.NewKey, error) {
	var nk hostsync.NewKey
	r := request{method: http.MethodPost, admin: true, path: "/apikeys", body: map[string]string{"label": label, "idp": string(idp)}, want: http.StatusCreated}
	if err := c.do(ctx, r, &nk); err != nil {
		return nil, err
	}
	return &nk, nil
}

// RevokeKey revokes the key with the given id; revoking twice is a no-op.
func (c *Client) RevokeKey(ctx context.Context, id string) (*hostsync.Key, error) {
	var k hostsync.Key
	r := request{method: http.MethodPost, admin: true, path: "/apikeys/" + url.PathEscape(id) + "/revoke"}
	if err := c.do(ctx, r, &k); err != nil {
		return nil, err
	}
	return &k, nil
}

// Hosts returns a page of hosts in the requested state.
func (c *Client) Hosts(ctx context.Context, q hostsync.HostQuery) (*hostsync.HostPage, error) {
	v := url.Values{}
	if q.State != "" {
		v.Set("state", string(q.State))
	}
	if q.StartIndex > 0 {
		v.Set("startIndex", strconv.Itoa(q.StartIndex))
	}
	if q.Count > 0 {
		v.Set("count", strconv.Itoa(q.Count))
	}
	var p hostsync.HostPage
	if err := c.do(ctx, request{method: http.MethodGet, admin: true, path: "/hosts", query: v}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Host returns one host in any state.
func (c *Client) Host(ctx context.Context, id string) (*hostsync.Host, error) {
	var h hostsync.Host
	if err := c.do(ctx, request{method: http.MethodGet, admin: true, path: "/hosts/" + url.PathEscape(id)}, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// Restore makes a deactivated or deleted host active again. IsConflict(err) when a live host now
// holds its userName.
func (c *Client) Restore(ctx context.Context, id string) (*hostsync.Host, error) {
	var h hostsync.Host
	r := request{method: http.MethodPost, admin: true, path: "/hosts/" + url.PathEscape(id) + "/restore"}
	if err := c.do(ctx, r, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// Activity returns events after q.Since, oldest first.
func (c *Client) Activity(ctx context.Context, q hostsync.ActivityQuery) (*hostsync.ActivityPage, error) {
	v := url.Values{}
	v.Set("since", strconv.FormatInt(q.Since, 10))
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.ResourceID != "" {
		v.Set("resourceId", q.ResourceID)
	}
	if q.Action != "" {
		v.Set("action", q.Action)
	}
	var p hostsync.ActivityPage
	if err := c.do(ctx, request{method: http.MethodGet, admin: true, path: "/activity", query: v}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// RecordActivity writes one of the console's own actions to the activity log.
func (c *Client) RecordActivity(ctx context.Context, e hostsync.ConsoleEvent) (*hostsync.Event, error) {
	var ev hostsync.Event
	r := request{method: http.MethodPost, admin: true, path: "/activity", body: e, want: http.StatusCreated}
	if err := c.do(ctx, r, &ev); err != nil {
		return nil, err
	}
	return &ev, nil
}

// Changes returns hosts and groups changed after since, in seq order. Loop until More is false,
// passing Cursor back as since.
func (c *Client) Changes(ctx context.Context, since int64, limit int) (*hostsync.ChangePage, error) {
	v := url.Values{}
	v.Set("since", strconv.FormatInt(since, 10))
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	var p hostsync.ChangePage
	if err := c.do(ctx, request{method: http.MethodGet, admin: true, path: "/changes", query: v}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}
