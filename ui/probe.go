package ui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
)

// probeStep is one call of the connection test.
type probeStep struct {
	name string
	run  func(ctx context.Context, pr Prober) (detail string, err error)
}

// errUnexpected marks an answer the identity provider would not accept.
var errUnexpected = errors.New("unexpected answer")

// azureProbeSteps are the calls Azure AD makes on Test Connection and when it reads the schema.
func azureProbeSteps() []probeStep {
	return []probeStep{randomUserFilter("Azure AD"), serviceProviderConfig, resourceTypes, schemas}
}

// oktaProbeSteps are the calls Okta's Test Connector Configuration makes: a one-user page of
// /Users, a userName filter (how Okta looks a person up before creating them) and the
// ServiceProviderConfig it reads the provisioning features from.
func oktaProbeSteps() []probeStep {
	return []probeStep{firstUserPage, randomUserFilter("Okta"), serviceProviderConfig}
}

// oneLoginProbeSteps are the calls OneLogin makes when its API Connection is enabled: GET /Users,
// then the userName filter it sends before each create.
func oneLoginProbeSteps() []probeStep {
	return []probeStep{listUsers, randomUserFilter("OneLogin")}
}

// randomUserFilter asks for a userName no one has: the answer must be an empty ListResponse.
func randomUserFilter(idp string) probeStep {
	return probeStep{"Filter query for a random userName", func(ctx context.Context, pr Prober) (string, error) {
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
		return "empty ListResponse, as " + idp + " expects", nil
	}}
}

var firstUserPage = probeStep{"Users, first page (startIndex=1, count=1)", func(ctx context.Context, pr Prober) (string, error) {
	l, err := pr.ListUsers(ctx, scimclient.ListQuery{StartIndex: 1, Count: 1})
	if err != nil {
		return "", err
	}
	if !l.IsListResponse() || len(l.Resources) > 1 {
		return "", fmt.Errorf("%w: want a ListResponse of at most 1 user, got %d", errUnexpected, len(l.Resources))
	}
	return fmt.Sprintf("ListResponse, %s in all", hostsync.Plural(l.TotalResults, "user", "users")), nil
}}

var listUsers = probeStep{"Users (GET /Users)", func(ctx context.Context, pr Prober) (string, error) {
	l, err := pr.ListUsers(ctx, scimclient.ListQuery{})
	if err != nil {
		return "", err
	}
	if !l.IsListResponse() {
		return "", fmt.Errorf("%w: want a ListResponse", errUnexpected)
	}
	return fmt.Sprintf("ListResponse, %s", hostsync.Plural(l.TotalResults, "user", "users")), nil
}}

var serviceProviderConfig = probeStep{"ServiceProviderConfig", func(ctx context.Context, pr Prober) (string, error) {
	c, err := pr.ServiceProviderConfig(ctx)
	if err != nil {
		return "", err
	}
	if !c.Patch.Supported || !c.Filter.Supported {
		return "", fmt.Errorf("%w: PATCH and filter must be supported", errUnexpected)
	}
	return fmt.Sprintf("PATCH and filter supported (up to %d results a page)", c.Filter.MaxResults), nil
}}

var resourceTypes = probeStep{"ResourceTypes", func(ctx context.Context, pr Prober) (string, error) {
	l, err := pr.ResourceTypes(ctx)
	if err != nil {
		return "", err
	}
	names := resourceNames(l, "name")
	if !strings.Contains(","+strings.Join(names, ",")+",", ",User,") {
		return "", fmt.Errorf("%w: no User resource type", errUnexpected)
	}
	return strings.Join(names, ", "), nil
}}

var schemas = probeStep{"Schemas", func(ctx context.Context, pr Prober) (string, error) {
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
}}

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
