package scimserver

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimserver/resource"
)

// serveAdmin authenticates an admin API request (docs/admin-api.md), then
// routes it. Every admin path needs the admin credential, unknown ones too.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	r, err := s.authAdmin(r)
	if err != nil {
		writeError(w, err)
		return
	}
	s.admin.ServeHTTP(w, r)
}

// adminRoutes is the admin API's router. Unlike the SCIM paths, which identity
// providers spell in any case, its paths are exact. Each path also gets a
// catch-all that answers a wrong method with a 405 in the SCIM error schema
// (ServeMux's own 405 is plain text), and anything else below the base path
// is the same 404 JSON as an unknown SCIM endpoint.
func (s *Server) adminRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	route := func(path string, byMethod map[string]http.HandlerFunc) {
		methods := make([]string, 0, len(byMethod))
		for m, h := range byMethod {
			mux.HandleFunc(m+" "+AdminBasePath+path, h)
			methods = append(methods, m)
		}
		slices.Sort(methods)
		allow := strings.Join(methods, ", ")
		mux.HandleFunc(AdminBasePath+path, func(w http.ResponseWriter, r *http.Request) { methodNotAllowed(w, r, allow) })
	}
	route("/status", map[string]http.HandlerFunc{http.MethodGet: s.adminStatus})
	route("/apikeys", map[string]http.HandlerFunc{http.MethodGet: s.adminListKeys, http.MethodPost: s.adminCreateKey})
	route("/apikeys/{id}/revoke", map[string]http.HandlerFunc{http.MethodPost: s.adminRevokeKey})
	route("/hosts", map[string]http.HandlerFunc{http.MethodGet: s.adminHosts})
	route("/hosts/{id}", map[string]http.HandlerFunc{http.MethodGet: s.adminHost})
	route("/hosts/{id}/restore", map[string]http.HandlerFunc{http.MethodPost: s.adminRestore})
	route("/activity", map[string]http.HandlerFunc{http.MethodGet: s.adminActivity, http.MethodPost: s.adminRecordActivity})
	route("/changes", map[string]http.HandlerFunc{http.MethodGet: s.adminChanges})
	unknown := func(w http.ResponseWriter, r *http.Request) {
		writeError(w, notFound("no such admin endpoint: "+r.URL.Path))
	}
	mux.HandleFunc("/", unknown) // also /V1/ADMIN/…: serveAdmin's prefix match ignores case, the routes do not
	return mux
}

func (s *Server) adminStatus(w http.ResponseWriter, r *http.Request) {
	c, err := s.st.Counts(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	calls, err := s.callStatus(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	tlsStatus := hostsync.TLSStatus{Mode: hostsync.TLSModeNone}
	if s.opt.TLSStatus != nil {
		tlsStatus = s.opt.TLSStatus()
	}
	writeJSON(w, http.StatusOK, hostsync.Status{
		Service:               "visitly-scimd",
		Version:               s.opt.Version,
		Hosts:                 hostsync.HostCounts{Active: c.Active, Deactivated: c.Deactivated, Deleted: c.Deleted},
		Groups:                c.Groups,
		Cursor:                c.Cursor,
		LastSuccessfulCall:    calls.lastOK,
		LastRejectedCall:      calls.rejected,
		LastRejectedAdminCall: calls.rejectedAdmin,
		IdPs:                  calls.idps,
		TLS:                   &tlsStatus,
	})
}

// toAdminKey is a stored key as the admin API shows it. Times go out in UTC,
// as they always have.
func toAdminKey(k hostsync.APIKey) hostsync.Key {
	return hostsync.Key{ID: k.ID, Label: k.Label, Prefix: k.Prefix, IdP: k.IdP, Created: k.Created.UTC(), LastUsed: k.LastUsed.UTC(), Revoked: k.Revoked.UTC()}
}

func (s *Server) adminListKeys(w http.ResponseWriter, r *http.Request) {
	keys, err := s.st.ListAPIKeys(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]hostsync.Key, 0, len(keys))
	for _, k := range keys {
		out = append(out, toAdminKey(k))
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": out})
}

// readJSON decodes an admin request body into v.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	b, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return &scimError{Status: http.StatusBadRequest, ScimType: "invalidSyntax", Detail: "malformed JSON body: " + err.Error()}
	}
	// What the SCIM API's bodies are checked for: UTF-8, no lone surrogate
	// escape, no member given twice ({"label":"a","label":"b"}).
	if _, err := resource.DecodeRequest(b); err != nil {
		return err
	}
	return nil
}

func (s *Server) adminCreateKey(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Label string       `json:"label"`
		IdP   hostsync.IdP `json:"idp"`
	}
	if err := s.readJSON(w, r, &in); err != nil {
		writeError(w, err)
		return
	}
	if in.IdP == "" {
		in.IdP = hostsync.IdPAzureAD // a console older than IdPs: its only page was Azure AD's
	}
	in.Label = strings.TrimSpace(in.Label)
	if in.Label == "" {
		in.Label = "API key " + time.Now().UTC().Format("2006-01-02 15:04")
	}
	if len(in.Label) > 200 {
		writeError(w, badValue("label is longer than 200 characters"))
		return
	}
	secret, key, err := s.st.CreateAPIKey(r.Context(), actorFrom(r.Context()), in.Label, in.IdP)
	if errors.Is(err, hostsync.ErrUnknownIdP) {
		valid := make([]string, len(hostsync.IdPs))
		for i, p := range hostsync.IdPs {
			valid[i] = strconv.Quote(string(p))
		}
		writeError(w, badValue("idp %q is not an identity provider this service knows; use one of %s", in.IdP, strings.Join(valid, ", ")))
		return
	}
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, map[string]any{"key": toAdminKey(key), "secret": secret})
}

func (s *Server) adminRevokeKey(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	k, err := s.st.RevokeAPIKey(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		writeError(w, asSCIMError(err, "API key "+id))
		return
	}
	writeJSON(w, http.StatusOK, toAdminKey(k))
}

// toAdminHost is a stored host as the admin API shows it, times in UTC, its
// removers named with their keys' IdPs (keys: KeyIdPs).
func (s *Server) toAdminHost(r *http.Request, h *hostsync.HostRecord, keys keyIdPs) hostsync.Host {
	return hostsync.Host{
		ID: h.ID, Seq: h.Seq, State: hostsync.State(h.State()),
		UserName: h.UserName, ExternalID: h.ExternalID, DisplayName: h.DisplayName, Email: h.Email, Active: h.Active,
		Created: h.Created.UTC(), Modified: h.Modified.UTC(),
		DeactivatedAt: h.DeactivatedAt.UTC(), DeactivatedBy: h.DeactivatedBy,
		DeletedAt: h.DeletedAt.UTC(), DeletedBy: h.DeletedBy, RemovedHow: h.RemovedHow,
		RestoredAt: h.RestoredAt.UTC(), RestoredBy: h.RestoredBy, IdP: h.IdP,
		Resource:          resource.AppendResource(nil, h.Attrs, s.userMeta(r, h)),
		DeactivatedByName: keys.name(h.DeactivatedBy),
		DeletedByName:     keys.name(h.DeletedBy),
	}
}

// keyIdPs is every API key's IdP by key id (Store.KeyIdPs), read once per
// request: events and hosts name the key that acted by it.
type keyIdPs map[string]hostsync.IdP

// actor is a stored actor ("apikey:3") with its key's IdP when known.
func (k keyIdPs) actor(stored string) hostsync.Actor {
	a := hostsync.ParseActor(stored)
	if a.Kind == hostsync.ActorAPIKey {
		a.IdP = k[a.ID]
	}
	return a
}

// name is a stored actor in words ("Okta (key #3)"); "" for nobody.
func (k keyIdPs) name(stored string) string {
	if stored == "" {
		return ""
	}
	return k.actor(stored).Name()
}

// keyIdPs reads the keys' IdPs for one request; on failure the request fails
// rather than naming keys wrongly.
func (s *Server) keyIdPs(w http.ResponseWriter, r *http.Request) (keyIdPs, bool) {
	m, err := s.st.KeyIdPs(r.Context())
	if err != nil {
		writeError(w, err)
		return nil, false
	}
	return m, true
}

var adminStates = map[hostsync.State]bool{hostsync.StateActive: true, hostsync.StateDeactivated: true,
	hostsync.StateDeleted: true, hostsync.StateRemoved: true, hostsync.StateAll: true}

func (s *Server) adminHosts(w http.ResponseWriter, r *http.Request) {
	p, err := parseListParams(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if p.HasFilter {
		writeError(w, &scimError{Status: http.StatusBadRequest, ScimType: resource.ScimInvalidFilter, Detail: "the host list does not filter; ask for a state"})
		return
	}
	qp := readQuery(r)
	state := hostsync.State(strings.ToLower(qp.text("state")))
	if qp.err != nil {
		writeError(w, qp.err)
		return
	}
	if state == "" {
		state = hostsync.StateAll
	}
	if !adminStates[state] {
		writeError(w, badValue("state must be active, deactivated, deleted, removed or all, got %q", state))
		return
	}
	hosts, total, err := s.st.AdminHosts(r.Context(), state, p.StartIndex, p.Count)
	if err != nil {
		writeError(w, err)
		return
	}
	keys, ok := s.keyIdPs(w, r)
	if !ok {
		return
	}
	out := make([]hostsync.Host, 0, len(hosts))
	for _, h := range hosts {
		out = append(out, s.toAdminHost(r, h, keys))
	}
	writeJSON(w, http.StatusOK, map[string]any{"totalResults": total, "startIndex": p.StartIndex, "hosts": out})
}

func (s *Server) adminHost(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	h, err := s.st.AdminHost(r.Context(), id)
	if err != nil {
		writeError(w, asSCIMError(err, "host "+id))
		return
	}
	keys, ok := s.keyIdPs(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.toAdminHost(r, h, keys))
}

func (s *Server) adminRestore(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	h, err := s.st.RestoreHost(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		writeError(w, asSCIMError(err, "host "+id))
		return
	}
	writeJSON(w, http.StatusOK, s.toAdminHost(r, h, nil)) // a restored host has no remover to name
}

// toAdminEvent is a stored event as the admin API shows it, its time in UTC,
// with the IdP of the key that acted (keys: KeyIdPs). A key's IdP never
// changes, so an event from before events carried it gets it too.
func toAdminEvent(e hostsync.Event, keys keyIdPs) hostsync.Event {
	e.At = e.At.UTC()
	e.IdP = keys.actor(e.Actor).IdP
	return e
}

func (s *Server) adminActivity(w http.ResponseWriter, r *http.Request) {
	qp := readQuery(r)
	since := qp.number("since", 0)
	limit := min(max(qp.number("limit", 500), 1), 5000)
	q := hostsync.ActivityQuery{Since: since, Limit: int(limit), ResourceID: qp.text("resourceId"), Action: qp.text("action")}
	if qp.err != nil {
		writeError(w, qp.err)
		return
	}
	page, err := s.st.ActivityPage(r.Context(), q)
	if err != nil {
		writeError(w, err)
		return
	}
	keys, ok := s.keyIdPs(w, r)
	if !ok {
		return
	}
	for i, e := range page.Events {
		page.Events[i] = toAdminEvent(e, keys)
	}
	if page.Events == nil {
		page.Events = []hostsync.Event{}
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) adminRecordActivity(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Action     string `json:"action"`
		ResourceID string `json:"resourceId"`
		Detail     string `json:"detail"`
	}
	if err := s.readJSON(w, r, &in); err != nil {
		writeError(w, err)
		return
	}
	rt, ok := hostsync.ConsoleAction(in.Action)
	if !ok {
		writeError(w, badValue("action %q cannot be recorded by a client; allowed: %s", in.Action, strings.Join(hostsync.ConsoleActions(), ", ")))
		return
	}
	if len(in.Detail) > 1000 || len(in.ResourceID) > 200 {
		writeError(w, badValue("detail or resourceId too long"))
		return
	}
	e, err := s.st.RecordEvent(r.Context(), actorFrom(r.Context()), in.Action, rt, in.ResourceID, in.Detail)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, toAdminEvent(e, nil)) // an admin's event: no key acted
}

func (s *Server) adminChanges(w http.ResponseWriter, r *http.Request) {
	qp := readQuery(r)
	since, limit := qp.number("since", 0), qp.number("limit", 1000)
	if qp.err != nil {
		writeError(w, qp.err)
		return
	}
	changes, cursor, more, err := s.st.Changes(r.Context(), since, int(min(max(limit, 1), 5000)))
	if err != nil {
		writeError(w, err)
		return
	}
	keys, ok := s.keyIdPs(w, r)
	if !ok {
		return
	}
	// The page is written by hand (appendAdminHost): encoding/json spent
	// most of a page's time re-validating each host's resource, which
	// AppendResource has just built, and growing its buffer.
	buf := feedBuffers.Get().(*[]byte)
	defer feedBuffers.Put(buf)
	b := append((*buf)[:0], `{"changes":[`...)
	for i, c := range changes {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"seq":`...)
		b = strconv.AppendInt(b, c.Seq, 10)
		switch {
		case c.Host != nil:
			h := s.toAdminHost(r, c.Host, keys)
			b = append(b, `,"type":"`+hostsync.ChangeHost+`","host":`...)
			b = appendAdminHost(b, &h)
		case c.Group != nil:
			g := c.Group
			members := g.Members
			if members == nil {
				members = []string{}
			}
			enc, err := json.Marshal(hostsync.Group{
				ID: g.ID, Seq: g.Seq, DisplayName: g.DisplayName, ExternalID: g.ExternalID, Members: members,
				Created: g.Created.UTC(), Modified: g.Modified.UTC(), DeletedAt: g.DeletedAt.UTC(), DeletedBy: g.DeletedBy,
			})
			if err != nil {
				writeError(w, err)
				return
			}
			b = append(b, `,"type":"`+hostsync.ChangeGroup+`","group":`...)
			b = append(b, enc...)
		}
		b = append(b, '}')
	}
	b = append(b, `],"cursor":`...)
	b = strconv.AppendInt(b, cursor, 10)
	b = append(b, `,"more":`...)
	b = strconv.AppendBool(b, more)
	b = append(b, '}')
	*buf = b
	writeRaw(w, http.StatusOK, b)
}

// feedBuffers keeps change-feed pages' buffers (a few MB for a page of 5000
// hosts) between requests.
var feedBuffers = sync.Pool{New: func() any { return new([]byte) }}

// appendAdminHost appends h as encoding/json would (without HTML escaping):
// the same fields, order and omissions. Its resource, built by
// resource.AppendResource from canonical JSON, goes in as it is.
func appendAdminHost(b []byte, h *hostsync.Host) []byte {
	field := func(key, v string, omitEmpty bool) {
		if v == "" && omitEmpty {
			return
		}
		b = append(b, ',', '"')
		b = append(b, key...)
		b = append(b, '"', ':')
		b = resource.AppendString(b, v)
	}
	when := func(key string, t time.Time, omitZero bool) {
		if t.IsZero() && omitZero {
			return
		}
		b = append(b, ',', '"')
		b = append(b, key...)
		b = append(b, '"', ':', '"')
		b = t.AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	b = append(b, `{"id":`...)
	b = resource.AppendString(b, h.ID)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, h.Seq, 10)
	field("state", string(h.State), false)
	field("userName", h.UserName, false)
	field("externalId", h.ExternalID, true)
	field("displayName", h.DisplayName, true)
	field("email", h.Email, true)
	b = append(b, `,"active":`...)
	b = strconv.AppendBool(b, h.Active)
	when("created", h.Created, false)
	when("modified", h.Modified, false)
	when("deactivatedAt", h.DeactivatedAt, true)
	field("deactivatedBy", h.DeactivatedBy, true)
	when("deletedAt", h.DeletedAt, true)
	field("deletedBy", h.DeletedBy, true)
	field("removedHow", h.RemovedHow, true)
	when("restoredAt", h.RestoredAt, true)
	field("restoredBy", h.RestoredBy, true)
	field("idp", string(h.IdP), true)
	b = append(b, `,"resource":`...)
	if h.Resource == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, h.Resource...)
	}
	field("deactivatedByName", h.DeactivatedByName, true)
	field("deletedByName", h.DeletedByName, true)
	return append(b, '}')
}
