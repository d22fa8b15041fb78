package directory

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync/storage/mirror"
)

const enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// actionWords names the service's actions the way Azure AD's provisioning logs do.
var actionWords = map[string]string{
	"host.created":       "Created",
	"host.updated":       "Updated",
	"host.deactivated":   "Deactivated (active=false)",
	"host.reactivated":   "Reactivated",
	"host.deleted":       "Deleted (DELETE request)",
	"host.restored":      "Restored locally",
	"group.created":      "Group created",
	"group.updated":      "Group updated",
	"group.deleted":      "Group deleted",
	"apikey.created":     "API key generated",
	"apikey.revoked":     "API key revoked",
	"apikey.revealed":    "API key revealed",
	"apikey.copied":      "API key copied",
	"tenanturl.copied":   "Tenant URL copied",
	"connection.tested":  "Connection tested",
	"export.created":     "Export created",
	"admintoken.rotated": "Admin credential replaced",
	"auth.rejected":      "Call rejected (bad API key)",
}

// ActionWords is an action in Azure AD's vocabulary, or the action itself when unknown.
func ActionWords(action string) string {
	if w, ok := actionWords[action]; ok {
		return w
	}
	return action
}

// actionTone colours an action: removals amber/red, restores and creations green.
func actionTone(action string) widget.Importance {
	switch action {
	case "host.deleted", "group.deleted", "auth.rejected", "apikey.revoked":
		return widget.DangerImportance
	case "host.deactivated":
		return widget.WarningImportance
	case "host.created", "host.reactivated", "host.restored":
		return widget.SuccessImportance
	}
	return widget.MediumImportance
}

// stateWords names a host's state for people.
func stateWords(h *mirror.Host) string {
	switch h.State {
	case mirror.StateActive:
		if !h.RestoredAt.IsZero() {
			return "Active · restored locally"
		}
		return "Active"
	case mirror.StateDeactivated:
		return "Deactivated"
	case mirror.StateDeleted:
		return "Deleted"
	}
	return h.State
}

func stateTone(h *mirror.Host) widget.Importance {
	switch h.State {
	case mirror.StateDeactivated:
		return widget.WarningImportance
	case mirror.StateDeleted:
		return widget.DangerImportance
	}
	if !h.RestoredAt.IsZero() {
		return widget.HighImportance
	}
	return widget.SuccessImportance
}

// howWords says how a host was removed, in the terms Azure AD used.
func howWords(how string) string {
	switch how {
	case "DELETE":
		return "DELETE request"
	case "active=false":
		return "active=false"
	}
	return how
}

// actorWords names who did something: "API key #3 "Azure AD"" for Azure AD's key, "Console admin"…
func actorWords(actor string) string {
	switch {
	case actor == "":
		return ""
	case actor == "admin":
		return "Console admin"
	case actor == "cli":
		return "Command line"
	case actor == "system":
		return "System"
	case strings.HasPrefix(actor, "apikey:"):
		return "API key #" + strings.TrimPrefix(actor, "apikey:") + " (Azure AD)"
	}
	return actor
}

// eventActor prefers the service's human name for the actor.
func eventActor(e *mirror.Event) string {
	if e.ActorName != "" {
		return e.ActorName
	}
	return actorWords(e.Actor)
}

// whenLocal formats a time in the viewer's zone, as admins read it; exports stay in UTC.
func whenLocal(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04")
}

// ago says how long ago t was, roughly.
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
}

// count formats n with thousands separators: 12,345.
func count(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// plural is "1 host" / "12,345 hosts".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return count(n) + " " + many
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
