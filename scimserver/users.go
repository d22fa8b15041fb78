package scimserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimserver/resource"
)

func userHandlers(s *Server) resourceHandlers {
	return resourceHandlers{
		list:    s.listUsers,
		search:  s.searchUsers,
		create:  s.createUser,
		get:     s.getUser,
		replace: s.replaceUser,
		patch:   s.patchUser,
		delete:  s.deleteUser,
	}
}

// hostFromDoc fills a host record's indexed fields and attributes from a
// canonical User document.
func hostFromDoc(base *hostsync.HostRecord, doc resource.Doc) (*hostsync.HostRecord, error) {
	attrs, err := json.Marshal(doc)
	if err != nil {
		return nil, badValue("the user cannot be encoded: %v", err)
	}
	h := *base
	h.Attrs = attrs
	h.UserName, h.ExternalID, h.DisplayName, h.Email, h.Active = resource.UserIndex(doc)
	return &h, nil
}

// readUser reads a POST or PUT body as a canonical User document. For a
// PUT, self is the user it replaces: the body may repeat its id, meta and
// schemas but not change them.
func (s *Server) readUser(w http.ResponseWriter, r *http.Request, self *resource.Meta) (resource.Doc, error) {
	body, err := s.readBody(w, r)
	if err != nil {
		return nil, err
	}
	in, err := resource.DecodeRequest(body)
	if err != nil {
		return nil, err
	}
	if self != nil {
		if err := resource.CheckReadOnly(resource.User, in, *self); err != nil {
			return nil, err
		}
	}
	doc, err := resource.NormalizeUser(in)
	if err != nil {
		return nil, err
	}
	if err := r.Context().Err(); err != nil {
		return nil, err // the client has gone
	}
	return doc, nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	doc, err := s.readUser(w, r, nil)
	if err != nil {
		writeError(w, err)
		return
	}
	h, err := hostFromDoc(&hostsync.HostRecord{}, doc)
	if err != nil {
		writeError(w, err)
		return
	}
	a := actorFrom(r.Context())
	h, err = s.st.CreateHost(r.Context(), a, h)
	if err != nil {
		writeError(w, otherIdPConflict(err, a))
		return
	}
	m := s.userMeta(r, h)
	w.Header().Set("Location", m.Location)
	writeRaw(w, http.StatusCreated, resource.AppendResource(nil, h.Attrs, m))
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, id string) {
	p, err := parseListParams(r)
	if err != nil {
		writeError(w, err)
		return
	}
	h, err := s.st.GetHost(r.Context(), id)
	if err != nil {
		writeError(w, asSCIMError(err, "user "+id))
		return
	}
	s.writeUser(w, r, http.StatusOK, h, p)
}

// writeUser answers with one user, projected when attributes or
// excludedAttributes were asked for.
func (s *Server) writeUser(w http.ResponseWriter, r *http.Request, status int, h *hostsync.HostRecord, p listParams) {
	raw := resource.AppendResource(nil, h.Attrs, s.userMeta(r, h))
	if len(p.Attributes) > 0 || len(p.Excl) > 0 {
		raw = project(raw, p)
	}
	writeRaw(w, status, raw)
}

func (s *Server) replaceUser(w http.ResponseWriter, r *http.Request, id string) {
	doc, err := s.readUser(w, r, &resource.Meta{ResourceType: "User", ID: id})
	if err != nil {
		writeError(w, err)
		return
	}
	h, err := s.st.UpdateHost(r.Context(), actorFrom(r.Context()), id, func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
		return hostFromDoc(cur, doc)
	})
	if err != nil {
		writeError(w, asSCIMError(err, "user "+id))
		return
	}
	s.writeUser(w, r, http.StatusOK, h, listParams{})
}

func (s *Server) patchUser(w http.ResponseWriter, r *http.Request, id string) {
	body, err := s.readBody(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	h, err := s.st.UpdateHost(r.Context(), actorFrom(r.Context()), id, func(cur *hostsync.HostRecord) (*hostsync.HostRecord, error) {
		doc, err := resource.Decode(cur.Attrs)
		if err != nil {
			return nil, err
		}
		next, err := resource.PatchUser(r.Context(), doc, s.userMeta(r, cur), body)
		if err != nil {
			return nil, err
		}
		return hostFromDoc(cur, next)
	})
	if err != nil {
		writeError(w, asSCIMError(err, "user "+id))
		return
	}
	s.writeUser(w, r, http.StatusOK, h, listParams{})
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, id string) {
	if err := s.st.DeleteHost(r.Context(), actorFrom(r.Context()), id); err != nil {
		writeError(w, asSCIMError(err, "user "+id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	p, err := parseListParams(r)
	if err != nil {
		writeError(w, err)
		return
	}
	s.queryUsers(w, r, p)
}

func (s *Server) searchUsers(w http.ResponseWriter, r *http.Request) {
	p, err := s.parseSearchBody(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	s.queryUsers(w, r, p)
}

// queryUsers answers a list or filter query. Equality conditions the filter
// ANDs at its top level go to the store's indexes; the whole filter is then
// evaluated on each candidate, so the index is only ever a shortcut.
func (s *Server) queryUsers(w http.ResponseWriter, r *http.Request, p listParams) {
	q := hostsync.LiveHostQuery{StartIndex: p.StartIndex, Count: p.Count}
	if p.HasFilter {
		f, err := resource.ParseFilter(resource.User, p.Filter)
		if err != nil {
			writeError(w, err)
			return
		}
		q.Conds = storageConds(f.Conds())
		if !f.Exact() || len(q.Conds) == 0 {
			q.Match = func(h *hostsync.HostRecord) bool {
				d, err := resource.Decode(resource.AppendResource(nil, h.Attrs, s.userMeta(r, h)))
				return err == nil && f.Match(d)
			}
		}
	}
	release, err := s.largePage(w, r, p.Count)
	if err != nil {
		writeError(w, err)
		return
	}
	defer release()
	hosts, total, err := s.st.QueryHosts(r.Context(), q)
	if err != nil {
		writeError(w, asSCIMError(err, "users"))
		return
	}
	lw := newListWriter(w, total, len(hosts), p)
	for _, h := range hosts {
		lw.add(resource.AppendResource(lw.scratch(), h.Attrs, s.userMeta(r, h)))
	}
	lw.finish()
}

var condFields = map[string]hostsync.Field{
	"id":          hostsync.FieldID,
	"userName":    hostsync.FieldUserName,
	"externalId":  hostsync.FieldExternalID,
	"displayName": hostsync.FieldDisplayName,
	"email":       hostsync.FieldEmail,
	"active":      hostsync.FieldActive,
}

func storageConds(cs []resource.Cond) []hostsync.Cond {
	var out []hostsync.Cond
	for _, c := range cs {
		if f, ok := condFields[c.Attr]; ok {
			out = append(out, hostsync.Cond{Field: f, Value: c.Value})
		}
	}
	return out
}

func (s *Server) userMeta(r *http.Request, h *hostsync.HostRecord) resource.Meta {
	return resource.Meta{
		ResourceType: "User",
		ID:           h.ID,
		Location:     s.baseURL(r) + SCIMBasePath + "/Users/" + h.ID,
		Created:      h.Created,
		LastModified: h.Modified,
	}
}

// otherIdPConflict turns a new user's taken userName into a 409 that names
// the other identity provider when a live host another IdP's key provisioned
// holds it: with two IdPs at once (a migration from one to the other), the
// admin must remove the user from one of them. A userName the caller's own
// IdP (or an unknown one) holds is the plain conflict it always was.
func otherIdPConflict(err error, a hostsync.Actor) error {
	var conflict *hostsync.ConflictError
	if !errors.As(err, &conflict) || a.Kind != hostsync.ActorAPIKey || conflict.HolderIdP == "" || conflict.HolderIdP == a.IdP.Or() {
		return asSCIMError(err, "user")
	}
	other := conflict.HolderIdP.Name()
	return &scimError{Status: http.StatusConflict, ScimType: "uniqueness", Detail: fmt.Sprintf(
		"%s %s was provisioned by %s; remove it there, or unassign it in %s: one identity provider provisions each host",
		conflict.Field, conflict.Value, other, a.IdP.Or().Name())}
}
