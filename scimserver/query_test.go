package scimserver

import (
	"strings"
	"testing"
)

// TestQueryIsParsedStrictly: a list request whose query string or filter the
// service cannot read exactly is refused, never answered with every host.
// Azure AD filters by userName and then PATCHes what it found, so an ignored
// filter would change the wrong person.
func TestQueryIsParsedStrictly(t *testing.T) {
	e := newEnv(t)
	e.createUser(userBody("emp1"))
	e.createUser(userBody("emp2"))
	byName := filterQ(`userName eq "emp1"`)

	tests := []struct {
		name         string
		admin        bool
		method, path string
		body         string
		status       int
		scimType     string
	}{
		// The query string itself.
		{"semicolon separator", false, "GET", "/Users?" + byName + ";count=5", "", 400, "invalidSyntax"},
		{"semicolon inside the filter", false, "GET", "/Users?filter=userName%20eq%20%22emp1;%22", "", 400, "invalidSyntax"},
		{"bad percent escape", false, "GET", "/Users?" + byName + "&x=%zz", "", 400, "invalidSyntax"},
		{"bad percent escape in the filter", false, "GET", "/Users?filter=userName%20eq%20%2", "", 400, "invalidSyntax"},
		{"bad query on a group list", false, "GET", "/Groups?filter=displayName%20eq%20%22a%22;", "", 400, "invalidSyntax"},
		{"bad query on one user", false, "GET", "/Users/x?attributes=%zz", "", 400, "invalidSyntax"},

		// A filter that is there but says nothing.
		{"empty filter", false, "GET", "/Users?filter=", "", 400, "invalidFilter"},
		{"filter without =", false, "GET", "/Users?filter", "", 400, "invalidFilter"},
		{"blank filter", false, "GET", "/Users?filter=%20%20", "", 400, "invalidFilter"},
		{"empty group filter", false, "GET", "/Groups?filter=", "", 400, "invalidFilter"},
		{"empty filter in a search body", false, "POST", "/Users/.search", `{"filter":""}`, 400, "invalidFilter"},

		// A parameter given twice, in any case.
		{"filter twice", false, "GET", "/Users?" + byName + "&" + filterQ(`userName eq "emp2"`), "", 400, "invalidFilter"},
		{"filter twice, other case", false, "GET", "/Users?" + byName + "&Filter=x", "", 400, "invalidFilter"},
		{"filter twice in a search body", false, "POST", "/Users/.search", `{"filter":"userName eq \"emp1\"","FILTER":"userName eq \"emp2\""}`, 400, "invalidFilter"},
		{"count twice", false, "GET", "/Users?count=1&count=2", "", 400, "invalidSyntax"},
		{"startIndex twice", false, "GET", "/Users?startIndex=1&startindex=2", "", 400, "invalidSyntax"},
		{"attributes twice", false, "GET", "/Users?attributes=userName&attributes=id", "", 400, "invalidSyntax"},
		{"excludedAttributes twice", false, "GET", "/Groups?excludedAttributes=members&excludedattributes=id", "", 400, "invalidSyntax"},
		{"filter twice in a search body, same case", false, "POST", "/Users/.search", `{"filter":"userName eq \"emp1\"","filter":"userName eq \"emp2\""}`, 400, "invalidFilter"},
		{"count twice in a search body", false, "POST", "/Users/.search", `{"count":1,"Count":2}`, 400, "invalidSyntax"},

		// Values of the wrong kind.
		{"empty count", false, "GET", "/Users?count=", "", 400, "invalidValue"},
		{"empty startIndex", false, "GET", "/Users?startIndex=", "", 400, "invalidValue"},

		// Comparisons the attribute's type cannot make.
		{"string compared with a number", false, "GET", "/Users?" + filterQ(`userName gt 5`), "", 400, "invalidFilter"},
		{"string equal to a number", false, "GET", "/Users?" + filterQ(`userName eq 5`), "", 400, "invalidFilter"},
		{"sub-attribute compared with a number", false, "GET", "/Users?" + filterQ(`emails.value eq 5`), "", 400, "invalidFilter"},
		{"boolean compared with a word", false, "GET", "/Users?" + filterQ(`active eq "x"`), "", 400, "invalidFilter"},
		{"group name compared with a boolean", false, "GET", "/Groups?" + filterQ(`displayName eq true`), "", 400, "invalidFilter"},

		// The admin API reads its query the same way.
		{"admin hosts: semicolon", true, "GET", "/hosts?state=active;count=1", "", 400, "invalidSyntax"},
		{"admin hosts: state twice", true, "GET", "/hosts?state=active&State=deleted", "", 400, "invalidSyntax"},
		{"admin hosts: empty state", true, "GET", "/hosts?state=", "", 400, "invalidValue"},
		{"admin hosts: a filter it cannot apply", true, "GET", "/hosts?" + byName, "", 400, "invalidFilter"},
		{"admin hosts: count twice", true, "GET", "/hosts?count=1&count=2", "", 400, "invalidSyntax"},
		{"admin activity: bad escape", true, "GET", "/activity?action=%zz", "", 400, "invalidSyntax"},
		{"admin activity: since twice", true, "GET", "/activity?since=0&since=5", "", 400, "invalidSyntax"},
		{"admin activity: empty action", true, "GET", "/activity?action=", "", 400, "invalidValue"},
		{"admin activity: empty since", true, "GET", "/activity?since=", "", 400, "invalidValue"},
		{"admin changes: semicolon", true, "GET", "/changes?since=0;limit=1", "", 400, "invalidSyntax"},
		{"admin changes: limit twice", true, "GET", "/changes?limit=1&LIMIT=2", "", 400, "invalidSyntax"},
		{"admin changes: empty limit", true, "GET", "/changes?limit=", "", 400, "invalidValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r resp
			if tt.admin {
				r = e.adm(tt.method, tt.path, tt.body)
			} else {
				r = e.scim(tt.method, tt.path, tt.body)
			}
			r.wantError(t, tt.status, tt.scimType)
			if strings.Contains(r.Raw, "emp1") || strings.Contains(r.Raw, "emp2") {
				t.Errorf("the answer shows hosts: %s", r.Raw)
			}
		})
	}

	// What is well-formed still works: unknown parameters (Azure AD's
	// feature flags) are ignored, names match in any case.
	for _, path := range []string{
		"/Users?aadOptscim062020&" + byName,
		"/Users?FILTER=userName+eq+%22emp1%22&Count=10&startindex=1",
	} {
		r := e.scim("GET", path, "").want(t, 200)
		equal(t, path+": totalResults", r.get("totalResults"), 1.0)
		equal(t, path+": userName", r.get("Resources.0.userName"), "emp1")
	}
	equal(t, "admin hosts", e.adm("GET", "/hosts?state=active&count=10&startIndex=1", "").want(t, 200).get("totalResults"), 2.0)
	e.adm("GET", "/activity?since=0&limit=5&action=host.created", "").want(t, 200)
	e.adm("GET", "/changes?since=0&limit=5", "").want(t, 200)
}
