package scimserver

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/visitly/hostsync/scimserver/resource"
)

// Discovery endpoints (RFC 7644 §4). Azure AD reads /Schemas when an admin
// saves the attribute mapping; query parameters are ignored as §4 says.

func (s *Server) getServiceProviderConfig(w http.ResponseWriter, r *http.Request) {
	d := resource.ServiceProviderConfig(maxPageSize)
	d["meta"] = map[string]any{"resourceType": "ServiceProviderConfig", "location": s.baseURL(r) + SCIMBasePath + "/ServiceProviderConfig"}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) getResourceTypes(w http.ResponseWriter, r *http.Request, rest []string) {
	s.writeDiscovery(w, r, "ResourceTypes", resource.ResourceTypes(), rest, func(d resource.Doc) string {
		id, _ := d["id"].(string)
		return id
	})
}

func (s *Server) getSchemas(w http.ResponseWriter, r *http.Request, rest []string) {
	s.writeDiscovery(w, r, "Schemas", resource.Schemas(), rest, func(d resource.Doc) string {
		id, _ := d["id"].(string)
		return id
	})
}

// writeDiscovery answers a discovery collection as a ListResponse, or one of
// its members when an id follows (/Schemas/urn:…:User).
func (s *Server) writeDiscovery(w http.ResponseWriter, r *http.Request, kind string, docs []resource.Doc, rest []string, idOf func(resource.Doc) string) {
	base := s.baseURL(r) + SCIMBasePath + "/" + kind + "/"
	for _, d := range docs {
		meta, _ := d["meta"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
			d["meta"] = meta
		}
		meta["location"] = base + url.PathEscape(idOf(d))
		if _, ok := meta["resourceType"]; !ok {
			meta["resourceType"] = strings.TrimSuffix(kind, "s")
		}
	}
	if len(rest) > 0 {
		want, _ := url.PathUnescape(strings.Join(rest, "/"))
		for _, d := range docs {
			if strings.EqualFold(idOf(d), want) {
				writeJSON(w, http.StatusOK, d)
				return
			}
		}
		writeError(w, notFound(kind+" "+want+" not found"))
		return
	}
	resources := make([]any, len(docs))
	for i, d := range docs {
		resources[i] = d
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas":      []string{resource.ListResponseSchema},
		"totalResults": len(docs),
		"startIndex":   1,
		"itemsPerPage": len(docs),
		"Resources":    resources,
	})
}
