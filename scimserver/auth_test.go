package scimserver

import (
	"context"
	"testing"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/hostdb"
)

// TestCredentialsFromTheCLIWorkAtOnce: `visitly-scimd admin-token` and
// `apikey create` write to the database of a running service from another
// process; the new secret must be accepted on the very next request, not
// after the key cache's second.
func TestCredentialsFromTheCLIWorkAtOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// The service has just loaded its key cache.
	e.adm("GET", "/status", "").want(t, 200)
	e.scim("GET", "/Users?count=1", "").want(t, 200)

	cli, err := hostdb.Open(ctx, e.db) // the CLI's own store on the same file
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	admin, err := cli.RotateAdminToken(ctx, hostsync.Actor{Kind: hostsync.ActorCLI})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := cli.CreateAPIKey(ctx, hostsync.Actor{Kind: hostsync.ActorCLI}, "Okta", hostsync.IdPOkta)
	if err != nil {
		t.Fatal(err)
	}
	e.call("GET", AdminBasePath+"/status", "", admin).want(t, 200)
	e.call("GET", SCIMBasePath+"/Users?count=1", "", key).want(t, 200)
	// The rotated-out token stops working as it always did: within the cache's second.
	e.call("GET", AdminBasePath+"/status", "", "vha_wrong").wantError(t, 401, "")
}
