package ui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/visitly/hostsync/scimclient"
)

// probeStep is one call of the connection test.
type probeStep struct {
	name string
	run  func(ctx context.Context, pr Prober) (detail string, err error)
}

// errUnexpected marks an answer that Azure AD would not accept.
var errUnexpected = errors.New("unexpected answer")

// probeSteps are the calls Azure AD makes on Test Connection and when it reads the schema.
func probeSteps() []probeStep {
	return []probeStep{
		{"Filter query for a random userName", func(ctx context.Context, pr Prober) (string, error) {
			b := make([]byte, 8)
			rand.Read(b)
			name := "visitly-connection-test-" + hex.EncodeToString(b)
			l, err := pr.ListUsers(ctx, scimclient.ListQuery{Filter: fmt.Sprintf("userName eq %q", name)})
			if err != nil {
				return "", err
			}
			if !l.IsListResponse() || l.TotalResults != 0 || len(l.Resources) != 0 {
				return "", fmt.Errorf("%w: want an empty ListResponse, got %d results", errUnexpected, l.TotalResults)
			}
			return "empty ListResponse, as Azure AD expects", nil
		}},
		{"ServiceProviderConfig", func(ctx context.Context, pr Prober) (string, error) {
			c, err := pr.ServiceProviderConfig(ctx)
			if err != nil {
				return "", err
			}
			if !c.Patch.Supported || !c.Filter.Supported {
				return "", fmt.Errorf("%w: PATCH and filter must be supported", errUnexpected)
			}
			return fmt.Sprintf("PATCH and filter supported (up to %d results a page)", c.Filter.MaxResults), nil
		}},
		{"ResourceTypes", func(ctx context.Context, pr Prober) (string, error) {
			l, err := pr.ResourceTypes(ctx)
			if err != nil {
				return "", err
			}
			names := resourceNames(l, "name")
			if !strings.Contains(","+strings.Join(names, ",")+",", ",User,") {
				return "", fmt.Errorf("%w: no User resource type", errUnexpected)
			}
			return strings.Join(names, ", "), nil
		}},
		{"Schemas", func(ctx context.Context, pr Prober) (string, error) {
			l, err := pr.Schemas(ctx)
			if err != nil {
				return "", err
			}
			ids := resourceNames(l, "id")
			for _, id := range ids {
				if id == "urn:ietf:params:scim:schemas:core:2.0:User" {
					return fmt.Sprintf("%d schemas, core User included", len(ids)), nil
				}
			}
			return "", fmt.Errorf("%w: the core User schema is missing", errUnexpected)
		}},
	}
}

func resourceNames(l *scimclient.ListResponse, field string) []string {
	var out []string
	for _, raw := range l.Resources {
		var m map[string]any
		if json.Unmarshal(raw, &m) == nil {
			if s, ok := m[field].(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}
