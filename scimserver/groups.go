package scimserver

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimserver/resource"
)

func groupHandlers(s *Server) resourceHandlers {
	return resourceHandlers{
		list:    s.listGroups,
		search:  s.searchGroups,
		create:  s.createGroup,
		get:     s.getGroup,
		replace: s.replaceGroup,
		patch:   s.patchGroup,
		delete:  s.deleteGroup,
	}
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request) {
	in, err := s.readGroup(w, r, nil)
	if err != nil {
		writeError(w, err)
		return
	}
	g := &hostsync.GroupRecord{DisplayName: in.displayName, ExternalID: in.externalID, Attrs: in.attrs, Members: in.members}
	g, err = s.st.CreateGroup(r.Context(), actorFrom(r.Context()), g)
	if err != nil {
		writeError(w, asSCIMError(err, "group"))
		return
	}
	w.Header().Set("Location", s.baseURL(r)+SCIMBasePath+"/Groups/"+g.ID)
	writeJSON(w, http.StatusCreated, s.groupDoc(r, g, true))
}

// groupBody is a POST/PUT group body, normalised and encoded for storage.
type groupBody struct {
	attrs                   []byte
	displayName, externalID string
	members                 []string
}

// readGroup decodes and normalises a POST/PUT group body. For a PUT, self
// is the group it replaces: the body may repeat its id, meta and schemas
// but not change them.
func (s *Server) readGroup(w http.ResponseWriter, r *http.Request, self *resource.Meta) (groupBody, error) {
	body, err := s.readBody(w, r)
	if err != nil {
		return groupBody{}, err
	}
	in, err := resource.DecodeRequest(body)
	if err != nil {
		return groupBody{}, err
	}
	if self != nil {
		if err := resource.CheckReadOnly(resource.Group, in, *self); err != nil {
			return groupBody{}, err
		}
	}
	doc, members, err := resource.NormalizeGroup(in)
	if err != nil {
		return groupBody{}, err
	}
	if err := r.Context().Err(); err != nil {
		return groupBody{}, err // the client has gone
	}
	attrs, err := json.Marshal(doc)
	if err != nil {
		return groupBody{}, badValue("the group cannot be encoded: %v", err)
	}
	g := groupBody{attrs: attrs, members: members}
	g.displayName, g.externalID = resource.GroupIndex(doc)
	return g, nil
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request, id string) {
	p, err := parseListParams(r)
	if err != nil {
		writeError(w, err)
		return
	}
	withMembers := wantsMembers(p)
	g, err := s.st.GetGroup(r.Context(), id, withMembers)
	if err != nil {
		writeError(w, asSCIMError(err, "group "+id))
		return
	}
	writeJSON(w, http.StatusOK, s.projectDoc(s.groupDoc(r, g, withMembers), p))
}

// wantsMembers reports whether a group read must load members: Azure AD asks
// with excludedAttributes=members, and a big group's member list is costly.
func wantsMembers(p listParams) bool {
	for _, a := range p.Excl {
		if strings.EqualFold(a, "members") || strings.EqualFold(a, resource.GroupSchema+":members") {
			return false
		}
	}
	if len(p.Attributes) == 0 {
		return true
	}
	for _, a := range p.Attributes {
		l := strings.ToLower(a)
		if l == "members" || strings.HasPrefix(l, "members.") || strings.HasSuffix(l, ":members") {
			return true
		}
	}
	return false
}

func (s *Server) projectDoc(d resource.Doc, p listParams) resource.Doc {
	if len(p.Attributes) == 0 && len(p.Excl) == 0 {
		return d
	}
	return resource.Project(d, p.Attributes, p.Excl)
}

func (s *Server) replaceGroup(w http.ResponseWriter, r *http.Request, id string) {
	in, err := s.readGroup(w, r, &resource.Meta{ResourceType: "Group", ID: id})
	if err != nil {
		writeError(w, err)
		return
	}
	g, err := s.st.UpdateGroup(r.Context(), actorFrom(r.Context()), id, func(*hostsync.GroupRecord) (*hostsync.GroupChange, error) {
		return &hostsync.GroupChange{DisplayName: in.displayName, ExternalID: in.externalID, Attrs: in.attrs, RemoveAll: true, Add: in.members}, nil
	})
	if err != nil {
		writeError(w, asSCIMError(err, "group "+id))
		return
	}
	if g.Members == nil {
		if g, err = s.st.GetGroup(r.Context(), id, true); err != nil {
			writeError(w, asSCIMError(err, "group "+id))
			return
		}
	}
	writeJSON(w, http.StatusOK, s.groupDoc(r, g, true))
}

// patchGroup answers 204, as Azure AD expects for group PATCH.
func (s *Server) patchGroup(w http.ResponseWriter, r *http.Request, id string) {
	body, err := s.readBody(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	_, err = s.st.UpdateGroup(r.Context(), actorFrom(r.Context()), id, func(cur *hostsync.GroupRecord) (*hostsync.GroupChange, error) {
		doc, err := resource.Decode(cur.Attrs)
		if err != nil {
			return nil, err
		}
		next, ops, err := resource.PatchGroup(r.Context(), doc, resource.Meta{ResourceType: "Group", ID: cur.ID}, body)
		if err != nil {
			return nil, err
		}
		attrs, err := json.Marshal(next)
		if err != nil {
			return nil, badValue("the group cannot be encoded: %v", err)
		}
		ch := &hostsync.GroupChange{Attrs: attrs, Add: ops.Add, Remove: ops.Remove, RemoveAll: ops.RemoveAll}
		ch.DisplayName, ch.ExternalID = resource.GroupIndex(next)
		return ch, nil
	})
	if err != nil {
		writeError(w, asSCIMError(err, "group "+id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request, id string) {
	if err := s.st.DeleteGroup(r.Context(), actorFrom(r.Context()), id); err != nil {
		writeError(w, asSCIMError(err, "group "+id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) {
	p, err := parseListParams(r)
	if err != nil {
		writeError(w, err)
		return
	}
	s.queryGroups(w, r, p)
}

func (s *Server) searchGroups(w http.ResponseWriter, r *http.Request) {
	p, err := s.parseSearchBody(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	s.queryGroups(w, r, p)
}

func (s *Server) queryGroups(w http.ResponseWriter, r *http.Request, p listParams) {
	withMembers := wantsMembers(p)
	q := hostsync.GroupQuery{StartIndex: p.StartIndex, Count: p.Count, WithMembers: withMembers}
	if p.HasFilter {
		f, err := resource.ParseFilter(resource.Group, p.Filter)
		if err != nil {
			writeError(w, err)
			return
		}
		q.WithMembers = withMembers || f.UsesMembers()
		q.Conds = storageConds(f.Conds())
		q.Match = func(g *hostsync.GroupRecord) bool { return f.Match(s.groupDoc(r, g, q.WithMembers)) }
	}
	release, err := s.largePage(w, r, p.Count)
	if err != nil {
		writeError(w, err)
		return
	}
	defer release()
	groups, total, err := s.st.QueryGroups(r.Context(), q)
	if err != nil {
		writeError(w, asSCIMError(err, "groups"))
		return
	}
	lw := newListWriter(w, total, len(groups), listParams{StartIndex: p.StartIndex})
	for _, g := range groups {
		b, err := json.Marshal(s.projectDoc(s.groupDoc(r, g, withMembers), p))
		if err != nil {
			lw.fail(err)
			return
		}
		lw.add(b)
	}
	lw.finish()
}

// groupDoc renders a group as a client sees it.
func (s *Server) groupDoc(r *http.Request, g *hostsync.GroupRecord, withMembers bool) resource.Doc {
	base := s.baseURL(r) + SCIMBasePath
	raw := resource.AppendResource(nil, g.Attrs, resource.Meta{
		ResourceType: "Group", ID: g.ID, Location: base + "/Groups/" + g.ID,
		Created: g.Created, LastModified: g.Modified,
	})
	d, err := resource.Decode(raw)
	if err != nil {
		d = resource.Doc{"id": g.ID}
	}
	if withMembers {
		members := make([]any, 0, len(g.Members))
		for _, id := range g.Members {
			members = append(members, map[string]any{"value": id, "$ref": base + "/Users/" + id, "type": "User"})
		}
		d["members"] = members
	}
	return d
}
