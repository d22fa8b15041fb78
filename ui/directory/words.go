package directory

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
)

const enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// actionWords names the service's actions in plain words for office managers; the action's
// technical name and the SCIM request stay under "Technical details" (techDetails).
var actionWords = map[string]string{
	hostsync.ActionHostCreated:       "Created",
	hostsync.ActionHostUpdated:       "Updated",
	hostsync.ActionHostRestored:      "Restored locally",
	hostsync.ActionGroupCreated:      "Group created",
	hostsync.ActionGroupUpdated:      "Group updated",
	hostsync.ActionGroupDeleted:      "Group deleted",
	hostsync.ActionKeyCreated:        "API key generated",
	hostsync.ActionKeyRevoked:        "API key revoked",
	hostsync.ActionKeyRevealed:       "API key revealed",
	hostsync.ActionKeyCopied:         "API key copied",
	hostsync.ActionTenantURLCopied:   "Tenant URL copied",
	hostsync.ActionConnectionTested:  "Connection tested",
	hostsync.ActionExportCreated:     "Export created",
	hostsync.ActionAdminTokenRotated: "Admin credential replaced",
	hostsync.ActionAuthRejected:      "Call rejected (bad API key)",
}

// idpActionWords are the actions an identity provider makes to a host, said before its name:
// "Removed in " + "Okta".
var idpActionWords = map[string]string{
	hostsync.ActionHostDeactivated: "Turned off in ",
	hostsync.ActionHostReactivated: "Turned back on in ",
	hostsync.ActionHostDeleted:     "Removed in ",
}

// ActionWords is an action in plain words for the action filter, where it stands for the
// entries of every identity provider ("Removed in the IdP"), or the action itself when unknown.
// An entry itself is named by EventWords.
func ActionWords(action string) string {
	if w, ok := idpActionWords[action]; ok {
		return w + "the IdP"
	}
	if w, ok := actionWords[action]; ok {
		return w
	}
	return action
}

// EventWords is an entry's action in plain words, naming the identity provider whose key made
// it: "Removed in Okta", "Turned off in OneLogin"; Azure AD when not known (the only one before
// keys had an IdP).
func EventWords(e *hostsync.Event) string {
	if w, ok := idpActionWords[e.Action]; ok {
		return w + e.IdP.Name()
	}
	return ActionWords(e.Action)
}

// actionTone colours an action: removals amber/red, restores and creations green.
func actionTone(action string) widget.Importance {
	switch action {
	case hostsync.ActionHostDeleted, hostsync.ActionGroupDeleted, hostsync.ActionAuthRejected, hostsync.ActionKeyRevoked:
		return widget.DangerImportance
	case hostsync.ActionHostDeactivated:
		return widget.WarningImportance
	case hostsync.ActionHostCreated, hostsync.ActionHostReactivated, hostsync.ActionHostRestored:
		return widget.SuccessImportance
	}
	return widget.MediumImportance
}

// stateWords names a host's state for people.
func stateWords(h *hostsync.Host) string {
	switch h.State {
	case hostsync.StateActive:
		if !h.RestoredAt.IsZero() {
			return "Active · restored locally"
		}
		return "Active"
	case hostsync.StateDeactivated:
		return "Deactivated"
	case hostsync.StateDeleted:
		return "Deleted"
	}
	return string(h.State)
}

func stateTone(h *hostsync.Host) widget.Importance {
	switch h.State {
	case hostsync.StateDeactivated:
		return widget.WarningImportance
	case hostsync.StateDeleted:
		return widget.DangerImportance
	}
	if !h.RestoredAt.IsZero() {
		return widget.HighImportance
	}
	return widget.SuccessImportance
}

// howWords says how a host was removed, in plain words, naming the identity provider that did it
// (Azure AD for a host from before hosts had one: it was the only one then).
func howWords(h *hostsync.Host) string {
	switch h.RemovedHow {
	case hostsync.RemovedByDelete:
		return "Removed in " + h.IdP.Name()
	case hostsync.RemovedByDeactivate:
		return "Turned off in " + h.IdP.Name()
	}
	return h.RemovedHow
}

// lastingFix says how to make a local restore last: the user is given the Visitly app again in
// the identity provider, whose next change would otherwise remove the host again.
func lastingFix(p hostsync.IdP) string {
	switch p.Or() {
	case hostsync.IdPOkta:
		return "assign the user to the Visitly app in Okta again (Applications \u203a Visitly \u203a Assignments)"
	case hostsync.IdPOneLogin:
		return "give the user the Visitly app in OneLogin again (Applications \u203a Visitly \u203a Users, or through a role)"
	}
	return "re-assign the user to the Visitly application in Azure AD (Enterprise applications \u203a Visitly \u203a Users and groups)"
}

// sameIdP is the identity provider of all hosts, or "" when they come from several.
func sameIdP(hosts []hostsync.Host) (hostsync.IdP, bool) {
	for _, h := range hosts[1:] {
		if h.IdP.Or() != hosts[0].IdP.Or() {
			return "", false
		}
	}
	return hosts[0].IdP.Or(), true
}

// howRequest is the SCIM request behind a removal, for IT admins under "Technical details".
func howRequest(how string) string {
	switch how {
	case hostsync.RemovedByDelete:
		return "DELETE /Users/{id}"
	case hostsync.RemovedByDeactivate:
		return "PATCH /Users/{id} active=false"
	}
	return how
}

// techDetails is a closed "Technical details" section: the service's own names for IT admins,
// one click away from the plain words office managers read.
func techDetails(rows [][2]string) fyne.CanvasObject {
	return widget.NewAccordion(widget.NewAccordionItem("Technical details", form(rows)))
}

// eventActor prefers the service's human name for the actor.
func eventActor(e *hostsync.Event) string {
	if e.ActorName != "" {
		return e.ActorName
	}
	return hostsync.ActorName(e.Actor)
}

// whenLocal formats a time in the viewer's zone, as admins read it; exports stay in UTC.
func whenLocal(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04")
}

// attrLabels are readable names for the SCIM attributes Azure AD sends (core and enterprise).
var attrLabels = map[string]string{
	"userName":                 "User name (UPN)",
	"displayName":              "Display name",
	"nickName":                 "Nickname",
	"title":                    "Job title",
	"userType":                 "User type",
	"preferredLanguage":        "Preferred language",
	"locale":                   "Locale",
	"timezone":                 "Time zone",
	"active":                   "Active",
	"externalId":               "External ID (Azure AD object)",
	"name.givenName":           "First name",
	"name.familyName":          "Last name",
	"name.formatted":           "Full name",
	"name.middleName":          "Middle name",
	"name.honorificPrefix":     "Prefix",
	"name.honorificSuffix":     "Suffix",
	"employeeNumber":           "Employee number",
	"costCenter":               "Cost center",
	"organization":             "Organization",
	"division":                 "Division",
	"department":               "Department",
	"manager.value":            "Manager (ID)",
	"manager.displayName":      "Manager",
	"addresses.streetAddress":  "Street",
	"addresses.locality":       "City",
	"addresses.region":         "Region",
	"addresses.postalCode":     "Postal code",
	"addresses.country":        "Country",
	"addresses.formatted":      "Address",
	"emails.value":             "Email",
	"phoneNumbers.value":       "Phone",
	"profileUrl":               "Profile URL",
	"ims.value":                "Messaging",
	"photos.value":             "Photo",
	"entitlements.value":       "Entitlement",
	"roles.value":              "Role",
	"x509Certificates.value":   "Certificate",
	"emails[type eq \"work\"]": "Work email",
}

// fieldWords turns a SCIM path from an update's changes into a readable label.
func fieldWords(path string) string {
	p := strings.TrimPrefix(path, enterpriseURN+":")
	if l, ok := attrLabels[p]; ok {
		return l
	}
	if i := strings.Index(p, "[type eq \""); i >= 0 {
		// emails[type eq "work"].value → Work email
		rest := p[i+len("[type eq \""):]
		if j := strings.Index(rest, "\""); j > 0 {
			kind := rest[:j]
			base := attrLabels[p[:i]+".value"]
			if base == "" {
				base = p[:i]
			}
			return strings.ToUpper(kind[:1]) + kind[1:] + " " + strings.ToLower(base)
		}
	}
	return p
}

// eventRows is an activity entry in plain words; eventTechRows the same entry in the service's terms.
func eventRows(e *hostsync.Event) [][2]string {
	return [][2]string{{"When", whenLocal(e.At)}, {"By", eventActor(e)}, {"Host", e.UserName}}
}

func eventTechRows(e *hostsync.Event) [][2]string {
	return [][2]string{
		{"At (UTC)", e.At.UTC().Format(time.RFC3339)},
		{"Actor", e.Actor},
		{"Action", e.Action},
		{"Resource", strings.TrimSpace(e.ResourceType + " " + e.ResourceID)},
		{"Entry", fmt.Sprint("#", e.Seq)},
	}
}
