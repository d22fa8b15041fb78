package mirror

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/visitly/hostsync"
)

const testAdminToken = "vha_test-admin-token"

// httpSource reads the admin API over HTTP straight into the mirror's types.
// It is the tests' hostsync.Feed: it checks that the mirror's JSON shapes are the
// documented ones, without depending on scimclient.
type httpSource struct {
	base  string
	token string
	hc    *http.Client
}

func newHTTPSource(base string) *httpSource {
	return &httpSource{base: base, token: testAdminToken, hc: &http.Client{Timeout: 60 * time.Second}}
}

func (s *httpSource) get(ctx context.Context, path string, q url.Values, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/v1/admin"+path+"?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := s.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func pageQuery(since int64, limit int) url.Values {
	return url.Values{"since": {strconv.FormatInt(since, 10)}, "limit": {strconv.Itoa(limit)}}
}

func (s *httpSource) Changes(ctx context.Context, since int64, limit int) (*hostsync.ChangePage, error) {
	var p hostsync.ChangePage
	if err := s.get(ctx, "/changes", pageQuery(since, limit), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

func (s *httpSource) Activity(ctx context.Context, q hostsync.ActivityQuery) (*hostsync.ActivityPage, error) {
	var p hostsync.ActivityPage
	if err := s.get(ctx, "/activity", pageQuery(q.Since, q.Limit), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

func (s *httpSource) Status(ctx context.Context) (*hostsync.Status, error) {
	var st hostsync.Status
	if err := s.get(ctx, "/status", nil, &st); err != nil {
		return nil, err
	}
	return &st, nil
}
