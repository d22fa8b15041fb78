// Package scimclient is the Go client of the host-sync service's HTTP API: SCIM reads, the admin API,
// typed errors.
//
// One Client talks to one service (embedded on loopback or a remote visitly-scimd) with two separate
// credentials: the admin token for /v1/admin and the SCIM API key for /v1/usersync/SCIM.
package scimclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/visitly/hostsync"
)

// Paths under the service URL.
const (
	SCIMPath  = "/v1/usersync/SCIM"
	AdminPath = "/v1/admin"
)

// maxBody bounds what we read from one response; a page of 5000 hosts with their resources fits.
const maxBody = 64 << 20

// Client calls one host-sync service. It is safe for concurrent use; the admin credential may be
// replaced while requests run.
type Client struct {
	base      *url.URL
	public    *url.URL // what Azure AD calls, when it differs from base (reverse proxy); may be nil
	publicRaw string   // WithPublicURL's argument, parsed by New
	hc        *http.Client
	ua        string
	check     bool // SCIM calls are the console's Test connection (AsConsoleCheck)

	mu         sync.RWMutex
	adminToken string
	apiKey     string
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient injects the HTTP client (timeouts, TLS settings, test transports).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithAdminToken sets the admin credential used for the admin API.
func WithAdminToken(token string) Option { return func(c *Client) { c.adminToken = token } }

// WithAPIKey sets the SCIM bearer key used for the SCIM API.
func WithAPIKey(key string) Option { return func(c *Client) { c.apiKey = key } }

// WithPublicURL sets the address Azure AD reaches the service at (e.g. "https://hosts.example.com"
// behind a reverse proxy) when it differs from baseURL. It changes TenantURL only: every call still
// goes to baseURL. New fails with ErrBadURL if u is not accepted by ParsePublicURL; "" means none.
func WithPublicURL(u string) Option { return func(c *Client) { c.publicRaw = u } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.ua = ua } }

// NewHTTPClient returns an *http.Client with the timeouts the console uses: a dead or firewalled
// service fails within seconds instead of hanging the window.
func NewHTTPClient() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 20 * time.Second,
			IdleConnTimeout:       25 * time.Second, // under the service's 30 s: the client closes first, so no request races the service's close
			MaxIdleConnsPerHost:   4,
			ForceAttemptHTTP2:     true,
		},
	}
}

// New returns a client for the service at baseURL (scheme and host, optionally a path prefix, e.g.
// "http://127.0.0.1:8765"). A trailing slash or a pasted Tenant URL ending in /v1/usersync/SCIM is
// accepted and trimmed.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := ParseServiceURL(baseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{base: u, ua: "visitly-console"}
	for _, o := range opts {
		o(c)
	}
	if c.hc == nil {
		c.hc = NewHTTPClient()
	}
	if strings.TrimSpace(c.publicRaw) != "" {
		if c.public, err = ParsePublicURL(c.publicRaw); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// ParsePublicURL validates the address Azure AD calls, as typed by a user: an http or https URL
// with a host and no query, fragment or user name (a pasted Tenant URL is trimmed to its service
// URL). It does not insist on https: a caller warns, since Azure AD accepts only https.
func ParsePublicURL(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("scimclient: public URL %q: %w", s, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("scimclient: public URL %q must start with https:// (or http://): %w", s, ErrBadURL)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("scimclient: public URL %q has no host: %w", s, ErrBadURL)
	case u.RawQuery != "" || u.ForceQuery:
		return nil, fmt.Errorf("scimclient: public URL %q must not have a query (?…): %w", s, ErrBadURL)
	case u.Fragment != "":
		return nil, fmt.Errorf("scimclient: public URL %q must not have a fragment (#…): %w", s, ErrBadURL)
	case u.User != nil:
		return nil, fmt.Errorf("scimclient: public URL %q must not contain a user name or password: %w", s, ErrBadURL)
	}
	return ParseServiceURL(s)
}

// ParseServiceURL validates a service URL as typed by a user and returns it normalised.
func ParseServiceURL(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("scimclient: service URL %q: %w", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("scimclient: service URL %q: %w", s, ErrBadURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("scimclient: service URL %q has no host: %w", s, ErrBadURL)
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), SCIMPath)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawQuery, u.Fragment, u.RawPath = "", "", ""
	return u, nil
}

// URL is the service URL, without a trailing slash.
func (c *Client) URL() string { return c.base.String() }

// TenantURL is what Azure AD's provisioning page calls the Tenant URL: under the public URL when
// one is set (WithPublicURL), else under the service URL.
func (c *Client) TenantURL() string {
	if c.public != nil {
		return c.public.String() + SCIMPath
	}
	return c.base.String() + SCIMPath
}

// SetAdminToken replaces the admin credential.
func (c *Client) SetAdminToken(token string) {
	c.mu.Lock()
	c.adminToken = token
	c.mu.Unlock()
}

// WithAPIKey returns a copy of c that makes its SCIM calls with key; c keeps its own. The copy
// shares c's HTTP client and admin credential.
func (c *Client) WithAPIKey(key string) *Client {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return &Client{base: c.base, public: c.public, publicRaw: c.publicRaw, hc: c.hc, ua: c.ua,
		adminToken: c.adminToken, apiKey: key, check: c.check}
}

// AsConsoleCheck returns a copy of c whose SCIM calls say they are the
// console's own Test connection (hostsync.ConsoleCheckHeader), so that the
// service does not count them as the IdP's calls with that key.
func (c *Client) AsConsoleCheck() *Client {
	d := c.WithAPIKey(c.credential(false))
	d.check = true
	return d
}

func (c *Client) credential(admin bool) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if admin {
		return c.adminToken
	}
	return c.apiKey
}

// request describes one call.
type request struct {
	method string
	admin  bool // admin API (admin token) or SCIM (API key)
	path   string
	query  url.Values
	body   any
	want   int // expected status; 0 = any 2xx
}

// do performs the request and decodes a JSON answer into out (when out is non-nil).
func (c *Client) do(ctx context.Context, r request, out any) error {
	u := *c.base
	prefix := SCIMPath
	if r.admin {
		prefix = AdminPath
	}
	// r.path has its ids escaped already; keep that form on the wire (an id may contain "/").
	raw := c.base.EscapedPath() + prefix + r.path
	p, err := url.PathUnescape(raw)
	if err != nil {
		return fmt.Errorf("scimclient: %s %s: %w", r.method, r.path, err)
	}
	u.Path, u.RawPath = p, raw
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("scimclient: encode %s %s: %w", r.method, r.path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return fmt.Errorf("scimclient: %s %s: %w", r.method, r.path, err)
	}
	if r.body != nil {
		if r.admin {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/scim+json")
		}
	}
	req.Header.Set("Accept", "application/scim+json, application/json")
	req.Header.Set("User-Agent", c.ua)
	if c.check && !r.admin {
		req.Header.Set(hostsync.ConsoleCheckHeader, "test-connection")
	}
	if tok := c.credential(r.admin); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.transportError(ctx, r, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return c.transportError(ctx, r, err)
	}
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if r.want != 0 {
		ok = resp.StatusCode == r.want
	}
	if !ok {
		return decodeError(r.method, r.path, resp.StatusCode, data)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("scimclient: %s %s: decode answer: %w", r.method, r.path, err)
	}
	return nil
}

// transportError tells a cancelled call from a service that could not be reached.
func (c *Client) transportError(ctx context.Context, r request, err error) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return fmt.Errorf("scimclient: %s %s: %w", r.method, r.path, ctx.Err())
	}
	return fmt.Errorf("scimclient: %s %s at %s: %w: %w", r.method, r.path, c.base.Host, ErrUnreachable, err)
}
