// Package frameworkcheck records, as a test, why the service does not use a
// SCIM server framework: github.com/elimity-com/scim, the maintained Go one,
// rejects requests Azure AD really sends before they reach any handler.
//
// The test serves elimity's User (core + enterprise extension) and Group
// schemas over httptest with a minimal in-memory handler and replays Azure
// AD's requests (SCIM-AZURE.md §3–§4). elimity now takes most of the dialect
// (capitalised ops, emails[type eq "work"].value, path-less dotted and
// URN-prefixed keys, Add creating a filtered element, member Remove by
// value), but it answers 400 invalidValue to the manager sent as a plain id
// string and to its clearing with "", with no switch to allow them, and takes
// "active":"False" only with schema.SetAllowStringValues(true), a
// process-wide setting. It also validates only: applying a PATCH is still
// the handler's code. So scimserver is our own, on top of
// github.com/scim2/filter-parser/v2.
//
// It is its own module so that the product module never depends on the
// framework. The test pins each answer; when elimity's behaviour changes it
// fails and names the request, and the decision is to be re-examined.
package frameworkcheck
