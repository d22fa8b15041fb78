package mirror

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/visitly/hostsync"
)

// fakeService is an in-memory model of the service's admin API, exactly as
// docs/admin-api.md describes the change feed and the activity log: every
// write takes the next seq and stamps it on what it changed. It stands in for
// the real service in the tests that need to control it closely (per-page
// hooks, slow pages) and is the model the real-service test is compared with.
type fakeService struct {
	mu     sync.Mutex
	seq    int64
	hosts  map[string]*hostsync.Host
	groups map[string]*hostsync.Group
	events []hostsync.Event
	nextID int
	// afterPage, when set, runs after each /changes or /activity page has
	// been computed (outside the lock), to write or cancel while a sync runs.
	// Handlers may still be running one when a test replaces it.
	afterPage atomic.Pointer[func(path string)]
}

// setAfterPage sets (or with nil clears) the per-page hook.
func (f *fakeService) setAfterPage(fn func(path string)) {
	if fn == nil {
		f.afterPage.Store(nil)
		return
	}
	f.afterPage.Store(&fn)
}

func newFakeService() *fakeService {
	return &fakeService{hosts: map[string]*hostsync.Host{}, groups: map[string]*hostsync.Group{}}
}

func (f *fakeService) write(action, resType, resID, userName string, changes []hostsync.FieldChange) int64 {
	f.seq++
	f.events = append(f.events, hostsync.Event{Seq: f.seq, At: time.UnixMilli(1_700_000_000_000 + f.seq).UTC(),
		Actor: "apikey:1", ActorName: "Azure AD (key #1)", Action: action, ResourceType: resType,
		ResourceID: resID, UserName: userName, Changes: changes})
	return f.seq
}

func resourceOf(h *hostsync.Host, title, dept string) json.RawMessage {
	r := map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "id": h.ID,
		"userName": h.UserName, "active": h.Active, "displayName": h.DisplayName,
		"emails": []any{map[string]any{"type": "work", "value": h.Email, "primary": true}}}
	if title != "" {
		r["title"] = title
	}
	if dept != "" {
		r[enterpriseURN] = map[string]any{"department": dept}
	}
	b, _ := json.Marshal(r)
	return b
}

func (f *fakeService) liveUserName(userName string) bool {
	for _, h := range f.hosts {
		if h.State != hostsync.StateDeleted && h.UserName == userName {
			return true
		}
	}
	return false
}

func (f *fakeService) create(userName, displayName, title, dept string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.liveUserName(userName) {
		return "", fmt.Errorf("userName %q taken", userName)
	}
	f.nextID++
	h := &hostsync.Host{ID: fmt.Sprintf("h%06d", f.nextID), State: hostsync.StateActive, UserName: userName, ExternalID: "ext-" + userName,
		DisplayName: displayName, Email: userName, Active: true}
	h.Seq = f.write("host.created", "User", h.ID, userName, nil)
	h.Created = f.events[len(f.events)-1].At
	h.Modified = h.Created
	h.Resource = resourceOf(h, title, dept)
	f.hosts[h.ID] = h
	return h.ID, nil
}

func (f *fakeService) update(id, displayName, title, dept string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.hosts[id]
	if h == nil || h.State == hostsync.StateDeleted {
		return fmt.Errorf("no host %s", id)
	}
	old := h.DisplayName
	h.DisplayName = displayName
	h.Seq = f.write("host.updated", "User", id, h.UserName, []hostsync.FieldChange{{Field: "displayName", Old: old, New: displayName}})
	h.Modified = f.events[len(f.events)-1].At
	h.RestoredAt, h.RestoredBy = time.Time{}, ""
	h.Resource = resourceOf(h, title, dept)
	return nil
}

func (f *fakeService) setActive(id string, active bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.hosts[id]
	if h == nil || h.State == hostsync.StateDeleted {
		return fmt.Errorf("no host %s", id)
	}
	if h.Active == active {
		return nil
	}
	h.Active = active
	action := "host.reactivated"
	if !active {
		action = "host.deactivated"
	}
	h.Seq = f.write(action, "User", id, h.UserName, []hostsync.FieldChange{{Field: "active", Old: !active, New: active}})
	at := f.events[len(f.events)-1].At
	h.Modified = at
	h.RestoredAt, h.RestoredBy = time.Time{}, ""
	if active {
		h.State, h.DeactivatedAt, h.DeactivatedBy, h.RemovedHow = hostsync.StateActive, time.Time{}, "", ""
	} else {
		h.State, h.DeactivatedAt, h.DeactivatedBy, h.RemovedHow = hostsync.StateDeactivated, at, "apikey:1", "active=false"
	}
	h.Resource = resourceOf(h, "", "")
	return nil
}

func (f *fakeService) remove(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.hosts[id]
	if h == nil || h.State == hostsync.StateDeleted {
		return fmt.Errorf("no host %s", id)
	}
	h.Seq = f.write("host.deleted", "User", id, h.UserName, nil)
	h.State, h.DeletedAt, h.DeletedBy, h.RemovedHow = hostsync.StateDeleted, f.events[len(f.events)-1].At, "apikey:1", "DELETE"
	f.touchGroupsOf(id, h.Seq)
	return nil
}

// touchGroupsOf stamps seq on the live groups that list host id, as the
// service does when the host is deleted or restored: their live member
// lists changed, so the feed resends them.
func (f *fakeService) touchGroupsOf(id string, seq int64) {
	for _, g := range f.groups {
		if g.DeletedAt.IsZero() && slices.Contains(g.Members, id) {
			g.Seq, g.Modified = seq, f.events[len(f.events)-1].At
		}
	}
}

func (f *fakeService) restore(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.hosts[id]
	if h == nil {
		return fmt.Errorf("no host %s", id)
	}
	if h.State == hostsync.StateActive {
		return nil
	}
	if h.State == hostsync.StateDeleted && f.liveUserName(h.UserName) {
		return fmt.Errorf("conflict: userName %q taken", h.UserName)
	}
	h.Seq = f.write("host.restored", "User", id, h.UserName, nil)
	at := f.events[len(f.events)-1].At
	if h.State == hostsync.StateDeleted {
		f.touchGroupsOf(id, h.Seq)
	}
	h.State, h.Active, h.RemovedHow = hostsync.StateActive, true, ""
	h.DeactivatedAt, h.DeactivatedBy, h.DeletedAt, h.DeletedBy = time.Time{}, "", time.Time{}, ""
	h.RestoredAt, h.RestoredBy = at, "admin"
	h.Resource = resourceOf(h, "", "")
	return nil
}

func (f *fakeService) setGroup(id, name string, members []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.groups[id]
	action := "group.updated"
	if g == nil {
		g = &hostsync.Group{ID: id}
		f.groups[id] = g
		action = "group.created"
	}
	g.DisplayName, g.Members = name, members
	g.Seq = f.write(action, "Group", id, "", nil)
	g.Modified = f.events[len(f.events)-1].At
	if g.Created.IsZero() {
		g.Created = g.Modified
	}
}

// changes answers /changes as documented: items with seq > since in seq
// order, cursor = seq of the last item returned (or since), more.
func (f *fakeService) changes(since int64, limit int) hostsync.ChangePage {
	f.mu.Lock()
	defer f.mu.Unlock()
	var all []hostsync.Change
	for _, h := range f.hosts {
		if h.Seq > since {
			c := *h
			all = append(all, hostsync.Change{Seq: h.Seq, Type: "host", Host: &c})
		}
	}
	for _, g := range f.groups {
		if g.Seq > since {
			c := *g
			c.Members = f.liveMembers(g)
			all = append(all, hostsync.Change{Seq: g.Seq, Type: "group", Group: &c})
		}
	}
	// Seq order, a host before the groups its write touched; one seq is
	// never split across pages (the cursor would skip the rest of it).
	sort.Slice(all, func(i, j int) bool {
		if all[i].Seq != all[j].Seq {
			return all[i].Seq < all[j].Seq
		}
		if (all[i].Host != nil) != (all[j].Host != nil) {
			return all[i].Host != nil
		}
		return all[i].Type+hostOrGroupID(all[i]) < all[j].Type+hostOrGroupID(all[j])
	})
	p := hostsync.ChangePage{Changes: all, Cursor: since}
	if len(all) > limit {
		k := limit
		for k < len(all) && all[k].Seq == all[limit-1].Seq {
			k++
		}
		p.Changes, p.More = all[:k], k < len(all)
	}
	if len(p.Changes) > 0 {
		p.Cursor = p.Changes[len(p.Changes)-1].Seq
	}
	return p
}

func hostOrGroupID(c hostsync.Change) string {
	if c.Host != nil {
		return c.Host.ID
	}
	return c.Group.ID
}

func (f *fakeService) liveMembers(g *hostsync.Group) []string {
	var out []string
	for _, id := range g.Members {
		if h := f.hosts[id]; h != nil && h.State != hostsync.StateDeleted {
			out = append(out, id)
		}
	}
	return out
}

func (f *fakeService) activity(since int64, limit int) hostsync.ActivityPage {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := sort.Search(len(f.events), func(i int) bool { return f.events[i].Seq > since })
	p := hostsync.ActivityPage{Events: append([]hostsync.Event(nil), f.events[i:]...), Cursor: since}
	if len(p.Events) > limit {
		p.Events, p.More = p.Events[:limit], true
	}
	if len(p.Events) > 0 {
		p.Cursor = p.Events[len(p.Events)-1].Seq
	}
	return p
}

// ServeHTTP serves /v1/admin/changes, /v1/admin/activity and /v1/admin/status.
func (f *fakeService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+testAdminToken {
		http.Error(w, `{"status":"401"}`, http.StatusUnauthorized)
		return
	}
	q := r.URL.Query()
	since, _ := strconv.ParseInt(q.Get("since"), 10, 64)
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 {
		limit = 500
	}
	var body any
	switch r.URL.Path {
	case "/v1/admin/changes":
		body = f.changes(since, limit)
	case "/v1/admin/activity":
		body = f.activity(since, min(limit, 5000))
	case "/v1/admin/status":
		f.mu.Lock()
		body = map[string]any{"service": "fake", "cursor": f.seq}
		f.mu.Unlock()
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(body)
	if hook := f.afterPage.Load(); hook != nil && r.URL.Path != "/v1/admin/status" {
		(*hook)(r.URL.Path)
	}
}

// state returns copies of every host and group (members live only) and the
// full event log, for comparison with the mirror.
func (f *fakeService) state() (hosts []hostsync.Host, groups []hostsync.Group, events []hostsync.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, h := range f.hosts {
		hosts = append(hosts, *h)
	}
	for _, g := range f.groups {
		c := *g
		c.Members = f.liveMembers(g)
		groups = append(groups, c)
	}
	return hosts, groups, append([]hostsync.Event(nil), f.events...)
}
