package main

import (
	"fmt"
	"net/url"
)

// profile is how one identity provider shapes its requests: the headers it
// sends, its userName lookup, its user body, the page size it imports with,
// and the operations of its steady state. The shapes follow the sequences
// recorded in testdata/<idp>/sequences/ (Okta's and OneLogin's own documentation).
type profile struct {
	name        string
	accept      string // Accept header; "" sends none
	contentType string // of request bodies
	filter      func(userName string) string
	user        func(prefix string, i int) string // the POST body of user i
	pageCount   int
	pageTarget  string
	mixName     string
	// mixOp is request i of the steady mix, on host h.
	mixOp func(i int, h hostRef) (method, path, body string)
}

// profileFor is the identity provider a -scenario speaks as; Azure AD's
// are initial, paging, mix and all.
func profileFor(scenario string) profile {
	switch scenario {
	case "okta":
		return okta
	case "onelogin":
		return onelogin
	}
	return azure
}

func userNameOf(prefix string, i int) string {
	return fmt.Sprintf("%s.user%d@contoso.example", prefix, i)
}

func userFilter(userName string) string {
	return "/Users?filter=" + url.QueryEscape(`userName eq "`+userName+`"`)
}

// azure is Azure AD: no Accept, scim+json bodies, a filter GET and a POST of
// the full user per new user, PATCH (Replace) for every change.
var azure = profile{
	name:        "Azure AD",
	contentType: "application/scim+json",
	filter:      userFilter,
	user:        azureUser,
	pageCount:   1000,
	pageTarget:  "all 100,000 in < 2 s",
	mixName:     "40% filter GET / 30% GET id / 30% PATCH",
	mixOp: func(i int, h hostRef) (string, string, string) {
		switch p := i % 10; {
		case p < 4:
			return "GET", userFilter(h.userName), ""
		case p < 7:
			return "GET", "/Users/" + h.id, ""
		}
		return "PATCH", "/Users/" + h.id, fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"title","value":"Title %d"}]}`, i)
	},
}

// azureUser is a full body as Azure AD's default mapping sends it.
func azureUser(prefix string, i int) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
"externalId":"%[1]s-ext-%[2]d","userName":"%[3]s","active":true,
"displayName":"Load User %[2]d","title":"Engineer","preferredLanguage":"en-US",
"emails":[{"primary":true,"type":"work","value":"%[3]s"}],
"phoneNumbers":[{"type":"work","value":"+1 555 0100 %[2]d"},{"type":"mobile","value":"+1 555 0199 %[2]d"}],
"addresses":[{"type":"work","formatted":"1 Main St, Columbus","locality":"Columbus","country":"US"}],
"meta":{"resourceType":"User"},
"name":{"formatted":"Load User%[2]d","familyName":"User%[2]d","givenName":"Load"},
"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"%[2]d","department":"R&D","costCenter":"CC-7","organization":"Contoso","division":"Labs"},
"roles":[]}`, prefix, i, userNameOf(prefix, i))
}

// okta is Okta's OIN SCIM 2.0 client: no Accept, a filter GET with
// startIndex=1&count=100 then a POST per new user, imports in pages of 100,
// profile changes as full-body PUTs, deactivation and reactivation as
// path-less PATCHes of active.
var okta = profile{
	name:        "Okta",
	contentType: "application/scim+json",
	filter: func(userName string) string {
		return userFilter(userName) + "&startIndex=1&count=100"
	},
	user:       oktaUser,
	pageCount:  100,
	pageTarget: "Okta's page size (count=100); no floor",
	mixName:    "40% filter GET / 30% GET id / 20% full PUT / 10% path-less PATCH of active",
	mixOp: func(i int, h hostRef) (string, string, string) {
		switch p := i % 10; {
		case p < 4:
			return "GET", userFilter(h.userName) + "&startIndex=1&count=100", ""
		case p < 7:
			return "GET", "/Users/" + h.id, ""
		case p < 9:
			return "PUT", "/Users/" + h.id, fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"%s","userName":"%s",
"name":{"givenName":"Load","middleName":"M%d","familyName":"User"},"emails":[{"primary":true,"value":"%[2]s","type":"work","display":"%[2]s"}],
"active":true,"groups":[],"meta":{"resourceType":"User"}}`, h.id, h.userName, i)
		}
		return "PATCH", "/Users/" + h.id, fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":%t}}]}`, i/10%2 == 1)
	},
}

// oktaUser is the POST body of Okta's reference: a password and an empty
// groups list included.
func oktaUser(prefix string, i int) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%[1]s",
"name":{"givenName":"Load","familyName":"User%[2]d"},"emails":[{"primary":true,"value":"%[1]s","type":"work"}],
"displayName":"Load User%[2]d","locale":"en-US","externalId":"00u%[3]s%[2]d","groups":[],"password":"1mz050nq","active":true}`,
		userNameOf(prefix, i), i, prefix)
}

// onelogin is OneLogin's SCIM v2 Enterprise connector: Accept and
// Content-Type application/json, a filter GET then a POST of the SCIM JSON
// template per new user, and every change (update, suspend, unsuspend) as a
// PUT of the whole template.
var onelogin = profile{
	name:        "OneLogin",
	accept:      "application/json",
	contentType: "application/json",
	filter:      userFilter,
	user: func(prefix string, i int) string {
		return oneloginUser(userNameOf(prefix, i), "", true)
	},
	pageCount:  1000,
	pageTarget: "all 100,000 in < 2 s",
	mixName:    "40% filter GET / 30% GET id / 20% PUT update / 10% PUT suspend-unsuspend",
	mixOp: func(i int, h hostRef) (string, string, string) {
		switch p := i % 10; {
		case p < 4:
			return "GET", userFilter(h.userName), ""
		case p < 7:
			return "GET", "/Users/" + h.id, ""
		case p < 9:
			return "PUT", "/Users/" + h.id, oneloginUser(h.userName, fmt.Sprintf("Title %d", i), true)
		}
		return "PUT", "/Users/" + h.id, oneloginUser(h.userName, "", i/10%2 == 0)
	},
}

// oneloginUser is the SCIM v2 Enterprise template as OneLogin fills it in:
// parameters without a value arrive as empty strings.
func oneloginUser(userName, title string, active bool) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
"userName":"%[1]s","name":{"familyName":"User","givenName":"Load","formatted":"Load User"},"displayName":"Load User",
"title":"%[2]s","userType":"","emails":[{"value":"%[1]s","type":"work","primary":true}],
"addresses":[{"locality":"Columbus","region":"OH","country":"US"}],"active":%[3]t,
"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"organization":"Contoso","division":"","department":"R&D","manager":{"value":"","displayName":" "}}}`,
		userName, title, active)
}
