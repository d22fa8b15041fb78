package mirror

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimserver"
	"github.com/visitly/hostsync/storage/hostdb"
)

// realService is the real host-sync service (storage on a temp file +
// scimserver over httptest); writes go straight to its store as Azure AD's
// would through SCIM.
type realService struct {
	st     *hostdb.Store
	srv    *httptest.Server
	token  string
	mu     sync.Mutex
	groups map[string]string // test group name → service id
	// afterPage runs after each /changes or /activity answer.
	afterPage atomic.Pointer[func(path string)]
}

var azure = hostsync.Actor{Kind: hostsync.ActorAPIKey, ID: "1", Label: "Azure AD"}

func newRealService(t testing.TB) *realService {
	t.Helper()
	ctx := context.Background()
	st, err := hostdb.Open(ctx, filepath.Join(t.TempDir(), "hostsync.db"))
	if err != nil {
		t.Fatalf("hostdb.Open: %v", err)
	}
	tok, err := st.RotateAdminToken(ctx, hostsync.Actor{Kind: hostsync.ActorSystem})
	if err != nil {
		t.Fatalf("RotateAdminToken: %v", err)
	}
	rs := &realService{st: st, token: tok, groups: map[string]string{}}
	h := scimserver.New(st, scimserver.Options{})
	rs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if f := rs.afterPage.Load(); f != nil && (r.URL.Path == "/v1/admin/changes" || r.URL.Path == "/v1/admin/activity") {
			(*f)(r.URL.Path)
		}
	}))
	t.Cleanup(func() {
		rs.srv.Close()
		st.Close()
	})
	return rs
}

func (rs *realService) source() *httpSource {
	s := newHTTPSource(rs.srv.URL)
	s.token = rs.token
	return s
}

func userAttrs(userName, displayName string, active bool, title, dept string) json.RawMessage {
	r := map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": userName, "active": active, "displayName": displayName, "externalId": "ext-" + userName,
		"emails": []any{map[string]any{"type": "work", "value": userName, "primary": true}}}
	if title != "" {
		r["title"] = title
	}
	if dept != "" {
		r["schemas"] = []string{"urn:ietf:params:scim:schemas:core:2.0:User", enterpriseURN}
		r[enterpriseURN] = map[string]any{"department": dept}
	}
	b, _ := json.Marshal(r)
	return b
}

func (rs *realService) create(userName, displayName, title, dept string) (string, error) {
	h, err := rs.st.CreateHost(context.Background(), azure, &hostsync.HostRecord{UserName: userName, ExternalID: "ext-" + userName,
		DisplayName: displayName, Email: userName, Active: true, Attrs: userAttrs(userName, displayName, true, title, dept)})
	if err != nil {
		return "", err
	}
	return h.ID, nil
}

func (rs *realService) update(id, displayName, title, dept string) error {
	_, err := rs.st.UpdateHost(context.Background(), azure, id, func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
		cur.DisplayName = displayName
		cur.Attrs = userAttrs(cur.UserName, displayName, cur.Active, title, dept)
		return cur, nil
	})
	return err
}

func (rs *realService) setActive(id string, active bool) error {
	_, err := rs.st.UpdateHost(context.Background(), azure, id, func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
		cur.Active = active
		cur.Attrs = userAttrs(cur.UserName, cur.DisplayName, active, "", "")
		return cur, nil
	})
	return err
}

func (rs *realService) remove(id string) error {
	return rs.st.DeleteHost(context.Background(), azure, id)
}

func (rs *realService) restore(id string) error {
	_, err := rs.st.RestoreHost(context.Background(), hostsync.Actor{Kind: hostsync.ActorAdmin}, id)
	return err
}

func (rs *realService) setGroup(name, displayName string, members []string) {
	ctx := context.Background()
	rs.mu.Lock()
	defer rs.mu.Unlock()
	attrs, _ := json.Marshal(map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": name})
	id, ok := rs.groups[name]
	if !ok {
		g, err := rs.st.CreateGroup(ctx, azure, &hostsync.GroupRecord{DisplayName: name, Attrs: attrs})
		if err != nil {
			return
		}
		id, rs.groups[name] = g.ID, g.ID
	}
	// Members may have been deleted meanwhile: ErrInvalidMember leaves the group as it was.
	_, _ = rs.st.UpdateGroup(ctx, azure, id, func(*hostsync.GroupRecord) (*hostsync.GroupChange, error) {
		return &hostsync.GroupChange{RemoveAll: true, Add: members}, nil
	})
}

// state reads the service's whole state through the admin API (hosts and
// events) and the store (live groups with members).
func (rs *realService) state(t testing.TB) (hosts []hostsync.Host, groups []hostsync.Group, events []hostsync.Event) {
	t.Helper()
	ctx := context.Background()
	src := rs.source()
	for start := 1; ; start += 1000 {
		var p struct {
			TotalResults int             `json:"totalResults"`
			Hosts        []hostsync.Host `json:"hosts"`
		}
		q := url.Values{"state": {"all"}, "startIndex": {strconv.Itoa(start)}, "count": {"1000"}}
		if err := src.get(ctx, "/hosts", q, &p); err != nil {
			t.Fatalf("GET /hosts: %v", err)
		}
		hosts = append(hosts, p.Hosts...)
		if len(p.Hosts) == 0 || len(hosts) >= p.TotalResults {
			break
		}
	}
	for since := int64(0); ; {
		p, err := src.Activity(ctx, hostsync.ActivityQuery{Since: since, Limit: 5000})
		if err != nil {
			t.Fatalf("GET /activity: %v", err)
		}
		events = append(events, p.Events...)
		if !p.More {
			break
		}
		since = p.Cursor
	}
	gs, _, err := rs.st.QueryGroups(ctx, hostsync.GroupQuery{Count: 1000, WithMembers: true})
	if err != nil {
		t.Fatalf("QueryGroups: %v", err)
	}
	for _, g := range gs {
		groups = append(groups, hostsync.Group{ID: g.ID, Seq: g.Seq, DisplayName: g.DisplayName, ExternalID: g.ExternalID,
			Members: g.Members, Created: g.Created, Modified: g.Modified})
	}
	return hosts, groups, events
}

// TestSyncRandomisedRealService is TestSyncRandomised against the real
// service: random creates, updates, deactivations, deletions, re-creations,
// restores and group changes, writes landing while syncs page, some syncs
// cancelled half way; then the mirror must equal the service.
func TestSyncRandomisedRealService(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			ctx := context.Background()
			rs := newRealService(t)
			w := &randomWriter{svc: rs, rng: rand.New(rand.NewPCG(seed, 42))}
			m, _ := openTest(t)
			rng := rand.New(rand.NewPCG(seed, 8))
			// The hook runs on the handlers' goroutines: two at once (the sync
			// reads both feeds side by side), and possibly still after a
			// cancelled Sync returned. So the rng and the writer are locked.
			var mu sync.Mutex
			for round := range 10 {
				mu.Lock()
				for range rng.IntN(60) {
					w.step(t)
				}
				cctx, cancel := context.WithCancel(ctx)
				cancelAt := int32(-1)
				if round%3 == 1 {
					cancelAt = int32(1 + rng.IntN(6))
				}
				opt := hostsync.SyncOptions{ChangesPage: 1 + rng.IntN(15), ActivityPage: 1 + rng.IntN(20)}
				mu.Unlock()
				var pages atomic.Int32
				hook := func(string) {
					n := pages.Add(1)
					if n <= 6 {
						mu.Lock()
						for range rng.IntN(4) {
							w.step(t)
						}
						mu.Unlock()
					}
					if n == cancelAt {
						cancel()
					}
				}
				rs.afterPage.Store(&hook)
				_, err := m.Sync(cctx, rs.source(), opt)
				cancel()
				rs.afterPage.Store(nil)
				if err != nil && !isCancel(err) {
					t.Fatalf("round %d: Sync: %v", round, err)
				}
			}
			mu.Lock() // a late hook of the last round writes no more
			defer mu.Unlock()
			if _, err := m.Sync(ctx, rs.source(), hostsync.SyncOptions{ChangesPage: 7}); err != nil {
				t.Fatalf("final Sync: %v", err)
			}
			hosts, groups, events := rs.state(t)
			c, _ := m.Counts(ctx)
			t.Logf("service: %d hosts, %d groups, %d events; mirror counts %+v", len(hosts), len(groups), len(events), c)
			if c.Deleted == 0 || c.Deactivated == 0 || len(groups) == 0 {
				t.Fatalf("the random sequence reached no deleted/deactivated host or group: %+v", c)
			}
			assertMirrorEquals(t, m, hosts, groups, events)
		})
	}
}
