package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/scimserver/idpreplay"
	"github.com/visitly/hostsync/storage/mirror"
)

const scimBase = "/v1/usersync/SCIM"

// TestReplicasReplayIdPSequences: Azure AD's, Okta's and OneLogin's
// recorded sequences through HAProxy over three replicas get exactly what
// they get from one service.
func TestReplicasReplayIdPSequences(t *testing.T) {
	files := idpreplay.Files(t, filepath.Join("..", "..", "testdata"))
	if len(files) < 7 {
		t.Fatalf("%d recorded sequences, want Azure AD's, Okta's and OneLogin's", len(files))
	}
	for name, f := range files {
		t.Run(name, func(t *testing.T) {
			c := newCluster(t, 3)
			key := c.cli("apikey", "create", "--idp", filepath.Dir(name))
			client := &http.Client{Timeout: 30 * time.Second}
			idpreplay.Replay(t, client, c.lb+scimBase, key, idpreplay.Load(t, f))
		})
	}
}

// race sends two requests at the same moment, one to each URL, and returns
// their statuses.
func race(t *testing.T, client *http.Client, a, b func() (int, error)) [2]int {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	var out [2]int
	var errs [2]error
	for i, f := range []func() (int, error){a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i], errs[i] = f()
		}()
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		t.Fatal(err)
	}
	return out
}

func userBody(userName string) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"active":true}`, userName)
}

// TestReplicasOneWinner: the same userName POSTed to two replicas at the
// same moment gets exactly one 201 and one 409, every time; so does a
// group's displayName, and a restore racing a create of its userName.
func TestReplicasOneWinner(t *testing.T) {
	c := newCluster(t, 2)
	key := c.cli("apikey", "create", "--idp", "azuread")
	admin := c.cli("admin-token")
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	ctx := context.Background()
	r0, r1 := c.replicas[0].url(), c.replicas[1].url()
	post := func(base, path, body string) func() (int, error) {
		return func() (int, error) {
			st, _, err := do(ctx, client, "POST", base+scimBase+path, key, body)
			return st, err
		}
	}
	oneEach := func(what string, got [2]int, ok ...[2]int) {
		t.Helper()
		if !slices.Contains(ok, got) {
			t.Fatalf("%s: statuses %v, want one of %v", what, got, ok)
		}
	}
	const trials = 100
	for i := range trials {
		name := fmt.Sprintf("race-%d@contoso.com", i)
		oneEach("user "+name, race(t, client, post(r0, "/Users", userBody(name)), post(r1, "/Users", userBody(name))),
			[2]int{201, 409}, [2]int{409, 201})
		g := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Race %d"}`, i)
		oneEach("group", race(t, client, post(r0, "/Groups", g), post(r1, "/Groups", g)), [2]int{201, 409}, [2]int{409, 201})
	}
	// A restore of a deleted host racing a create of its userName.
	for i := range trials {
		name := fmt.Sprintf("back-%d@contoso.com", i)
		st, body, err := do(ctx, client, "POST", r0+scimBase+"/Users", key, userBody(name))
		if err != nil || st != 201 {
			t.Fatalf("create %s: %d %s %v", name, st, body, err)
		}
		var u struct{ ID string }
		json.Unmarshal(body, &u)
		if st, _, err := do(ctx, client, "DELETE", r1+scimBase+"/Users/"+u.ID, key, ""); err != nil || st != 204 {
			t.Fatalf("delete %s: %d %v", name, st, err)
		}
		restore := func() (int, error) {
			st, _, err := do(ctx, client, "POST", r0+"/v1/admin/hosts/"+u.ID+"/restore", admin, "")
			return st, err
		}
		oneEach("restore racing a create of "+name, race(t, client, restore, post(r1, "/Users", userBody(name))),
			[2]int{200, 409}, [2]int{409, 201})
	}
}

// TestReplicasKeysEverywhere: a key made by one process works on every
// replica at its first request; revoked through one replica, it is refused
// by the others within a second; a new admin token works everywhere at once.
func TestReplicasKeysEverywhere(t *testing.T) {
	c := newCluster(t, 3)
	ctx := context.Background()
	client := &http.Client{Timeout: 10 * time.Second}
	key := c.cli("apikey", "create", "--idp", "okta")
	for i, r := range c.replicas {
		if st, body, err := do(ctx, client, "GET", r.url()+scimBase+"/Users?count=1", key, ""); err != nil || st != 200 {
			t.Fatalf("a new key on replica %d: %d %s %v", i, st, body, err)
		}
	}
	admin := c.cli("admin-token")
	for i, r := range c.replicas {
		if st, body, err := do(ctx, client, "GET", r.url()+"/v1/admin/status", admin, ""); err != nil || st != 200 {
			t.Fatalf("a new admin token on replica %d: %d %s %v", i, st, body, err)
		}
	}
	keys, err := scimclientFor(t, c.replicas[0].url(), admin).Keys(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %v, %v", keys, err)
	}
	if st, body, err := do(ctx, client, "POST", c.replicas[0].url()+"/v1/admin/apikeys/"+keys[0].ID+"/revoke", admin, ""); err != nil || st != 200 {
		t.Fatalf("revoke on replica 0: %d %s %v", st, body, err)
	}
	revoked := time.Now()
	for i, r := range c.replicas[1:] {
		for {
			st, _, err := do(ctx, client, "GET", r.url()+scimBase+"/Users?count=1", key, "")
			if err != nil {
				t.Fatal(err)
			}
			if st == 401 {
				t.Logf("replica %d refuses the revoked key %v after the revoke", i+1, time.Since(revoked).Round(time.Millisecond))
				break
			}
			if time.Since(revoked) > time.Second+100*time.Millisecond {
				t.Fatalf("replica %d still accepts the revoked key after %v", i+1, time.Since(revoked))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// allHosts pages through every host the service has, in any state.
func allHosts(t *testing.T, svc *scimclient.Client) []hostsync.Host {
	t.Helper()
	var out []hostsync.Host
	for start := 1; ; {
		page, err := svc.Hosts(context.Background(), hostsync.HostQuery{State: hostsync.StateAll, StartIndex: start, Count: 1000})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Hosts...)
		start += len(page.Hosts)
		if len(page.Hosts) == 0 || len(out) >= page.TotalResults {
			return out
		}
	}
}

func scimclientFor(t *testing.T, base, admin string) *scimclient.Client {
	t.Helper()
	c, err := scimclient.New(base, scimclient.WithAdminToken(admin))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// writeLoad has 16 writers create, update and delete hosts through url
// until stop closes; an IdP retries a request that failed in transit, as
// Azure AD does. It returns the userNames whose create was acknowledged.
func writeLoad(t *testing.T, url, key string, stop <-chan struct{}) (acked func() []string, failures *atomic.Int64, wait func()) {
	t.Helper()
	ctx := context.Background()
	client := &http.Client{Timeout: 30 * time.Second}
	var mu sync.Mutex
	var names []string
	failures = &atomic.Int64{}
	var wg sync.WaitGroup
	// send retries a request that got no answer (or a 5xx) until it gets one.
	send := func(method, path, body string) (int, []byte) {
		for attempt := 0; ; attempt++ {
			st, b, err := do(ctx, client, method, url+scimBase+path, key, body)
			if err == nil && st < 500 {
				return st, b
			}
			failures.Add(1)
			if attempt == 20 {
				t.Errorf("%s %s: no answer after 20 retries: %d %v", method, path, st, err)
				return st, b
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("w%d-%d@contoso.com", w, i)
				st, b := send("POST", "/Users", userBody(name))
				if st == 409 { // the lost answer's create did commit: find it, as Azure AD's matching query does
					st, b = send("GET", "/Users?filter=userName+eq+%22"+name+"%22", "")
					var list struct{ Resources []json.RawMessage }
					if json.Unmarshal(b, &list); st != 200 || len(list.Resources) != 1 {
						t.Errorf("%s: 409 on create, then %d %s", name, st, b)
						return
					}
					b = list.Resources[0]
				} else if st != 201 {
					t.Errorf("create %s: %d %s", name, st, b)
					return
				}
				mu.Lock()
				names = append(names, name)
				mu.Unlock()
				var u struct{ ID string }
				json.Unmarshal(b, &u)
				switch i % 4 {
				case 1:
					send("PATCH", "/Users/"+u.ID, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"title","value":"Lead"}]}`)
				case 2:
					send("DELETE", "/Users/"+u.ID, "")
				}
			}
		}()
	}
	acked = func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(names)
	}
	return acked, failures, wg.Wait
}

// TestReplicasMirrorMissesNothing: the console's incremental sync runs
// through the balancer while 16 writers write through all replicas; at the
// end the mirror equals the service, and every event arrived exactly once.
func TestReplicasMirrorMissesNothing(t *testing.T) {
	c := newCluster(t, 3)
	ctx := context.Background()
	key := c.cli("apikey", "create", "--idp", "azuread")
	admin := c.cli("admin-token")
	svc := scimclientFor(t, c.lb, admin)
	m, err := mirror.Open(ctx, filepath.Join(t.TempDir(), "mirror.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	// The writers write for 3 s; the mirror syncs meanwhile, each sync
	// reading until it has caught up (which it does once they stop).
	stop := make(chan struct{})
	_, _, wait := writeLoad(t, c.lb, key, stop)
	time.AfterFunc(3*time.Second, func() { close(stop) })
	writing := make(chan struct{})
	go func() { wait(); close(writing) }()
	events, syncs := 0, 0
	for done := false; !done; {
		select {
		case <-writing:
			done = true
		default:
		}
		res, err := m.Sync(ctx, svc, hostsync.SyncOptions{ChangesPage: 50, ActivityPage: 50})
		if err != nil {
			t.Fatal(err)
		}
		events += res.Events
		syncs++
	}
	res, err := m.Sync(ctx, svc, hostsync.SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	events += res.Events
	hosts := allHosts(t, svc)
	mirrored, err := m.Hosts(ctx, hostsync.HostFilter{State: hostsync.StateAll})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]hostsync.Host{}
	for _, h := range mirrored {
		byID[h.ID] = h
	}
	differ := 0
	for _, h := range hosts {
		if got, ok := byID[h.ID]; !ok || got.Seq != h.Seq || got.State != h.State {
			differ++
		}
	}
	if len(mirrored) != len(hosts) || differ > 0 {
		t.Errorf("mirror: %d hosts, service %d; %d missing or not in their last state", len(mirrored), len(hosts), differ)
	}
	total := 0
	for q := (hostsync.ActivityQuery{Limit: 5000}); ; {
		p, err := svc.Activity(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		total += len(p.Events)
		if !p.More {
			break
		}
		q.Since = p.Cursor
	}
	if events != total {
		t.Errorf("the mirror received %d events over its syncs; the service logged %d (each exactly once)", events, total)
	}
	t.Logf("%d hosts, %d events mirrored in %d syncs while 16 writers wrote through 3 replicas", len(hosts), total, syncs+1)
}

// TestReplicasSurviveAKill: kill -9 of one replica under 16 writers loses
// no acknowledged write; the balancer stops sending to it, and what failed
// in flight succeeds when retried.
func TestReplicasSurviveAKill(t *testing.T) {
	c := newCluster(t, 3)
	key := c.cli("apikey", "create", "--idp", "azuread")
	stop := make(chan struct{})
	acked, failures, wait := writeLoad(t, c.lb, key, stop)
	time.Sleep(1500 * time.Millisecond)
	before := len(acked())
	c.replicas[1].kill()
	killed := time.Now()
	for c.serverStatus(1) != "DOWN" {
		if time.Since(killed) > 3*time.Second {
			t.Fatalf("HAProxy still has the killed replica %s after 3 s", c.serverStatus(1))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("HAProxy took the killed replica out after %v", time.Since(killed).Round(time.Millisecond))
	time.Sleep(2 * time.Second)
	close(stop)
	wait()
	names := acked()
	if len(names) <= before {
		t.Fatalf("no writes acknowledged after the kill (%d before, %d after)", before, len(names))
	}
	// In flight at the kill: at most one request per writer.
	if n := failures.Load(); n > 16 {
		t.Errorf("%d requests failed; at most the 16 in flight at the kill may", n)
	}
	missing := 0
	have := map[string]bool{}
	for _, h := range allHosts(t, scimclientFor(t, c.lb, c.cli("admin-token"))) {
		have[strings.ToLower(h.UserName)] = true
	}
	for _, name := range names {
		if !have[name] {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged creates are missing after the kill", missing, len(names))
	}
	t.Logf("%d creates acknowledged, %d before the kill at %v; %d requests failed in flight and succeeded on retry",
		len(names), before, killed.Format(time.TimeOnly), failures.Load())
}

// TestReplicasOneTruth: the status the console's header reads is the same
// whichever replica answers.
func TestReplicasOneTruth(t *testing.T) {
	c := newCluster(t, 3)
	ctx := context.Background()
	key := c.cli("apikey", "create", "--idp", "okta")
	admin := c.cli("admin-token")
	client := &http.Client{Timeout: 10 * time.Second}
	for i := range 6 {
		if st, b, err := do(ctx, client, "POST", c.lb+scimBase+"/Users", key, userBody(fmt.Sprintf("t%d", i))); err != nil || st != 201 {
			t.Fatalf("create: %d %s %v", st, b, err)
		}
	}
	if st, _, _ := do(ctx, client, "GET", c.lb+scimBase+"/Users", "vhs_wrong", ""); st != 401 {
		t.Fatalf("a wrong key: %d", st)
	}
	// Each replica answers from the database; what one process buffers
	// (a key's last use) is written within the flush interval.
	var first string
	deadline := time.Now().Add(15 * time.Second)
	for {
		var got []string
		for _, r := range c.replicas {
			s, err := scimclientFor(t, r.url(), admin).Status(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// Everything the header shows, but the service line (its own
			// address) and the version.
			s.Service, s.Version = "", ""
			b, _ := json.Marshal(s)
			got = append(got, string(b))
		}
		if got[0] == got[1] && got[1] == got[2] {
			first = got[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replicas disagree after 15 s:\n%s", strings.Join(got, "\n"))
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("every replica: %s", first)
}

// TestReplicasRollingUpgrade: replicas restarted one by one with a build
// that has one migration more. The first new replica applies it, once; the
// old ones still running then answer /readyz with 503 (the balancer takes
// them out: the rule is "a replica older than the schema does not serve",
// not "migrations stay compatible"), an old build refuses to start on the
// new schema and says why, and the service stays up throughout.
func TestReplicasRollingUpgrade(t *testing.T) {
	c := newCluster(t, 3)
	next := scimdBinary(t, "visitly_upgrade_test")
	key := c.cli("apikey", "create", "--idp", "azuread")
	stop := make(chan struct{})
	acked, failures, wait := writeLoad(t, c.lb, key, stop)
	for i := range c.replicas {
		c.replicas[i].stop()
		c.replicas[i] = c.start(c.replicas[i].addr, next)
		waitReady(t, c.replicas[i].url())
		if i == 0 {
			for j := 1; j < 3; j++ {
				resp, err := http.Get(c.replicas[j].url() + "/readyz")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusServiceUnavailable {
					t.Errorf("old replica %d on the new schema: /readyz %d, want 503", j, resp.StatusCode)
				}
				// Its log says why (copied from the process's stderr, so give it a moment).
				deadline := time.Now().Add(2 * time.Second)
				for !strings.Contains(c.replicas[j].log.String(), "newer than this program's") {
					if time.Now().After(deadline) {
						t.Errorf("old replica %d does not say why it is not ready; its log:\n%s", j, c.replicas[j].log.String())
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			// An old build does not start on the new schema.
			out, err := exec.Command(c.bin, "serve", "--listen", freeAddr(t), "--db", c.db).CombinedOutput()
			if err == nil || !strings.Contains(string(out), "upgrade this program") {
				t.Errorf("an old build on the new schema: %v\n%s", err, out)
			}
		}
	}
	time.Sleep(time.Second)
	close(stop)
	wait()
	conn, err := pgx.Connect(context.Background(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var runs int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM upgrade_test_runs").Scan(&runs); err != nil || runs != 1 {
		t.Errorf("the new migration ran %d times (%v), want once", runs, err)
	}
	if n := failures.Load(); n > 16 {
		t.Errorf("%d requests failed during the upgrade; at most those in flight at each restart may", n)
	}
	t.Logf("%d creates acknowledged during the rolling upgrade, %d requests retried", len(acked()), failures.Load())
}
