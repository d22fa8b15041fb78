package ui

import (
	"github.com/visitly/hostsync"
)

// idpGuide is what differs between the IdP pages: the IdP's own words for where the URL and the
// key go, its set-up steps, and the calls its own connection test makes. The labels follow each
// IdP's documentation (Microsoft Entra's "Tenant URL"/"Secret Token", Okta's "SCIM connector base
// URL", OneLogin's "SCIM Base URL"/"SCIM Bearer Token") so the admin finds them on screen.
type idpGuide struct {
	urlLabel  string // the IdP's name of the field the Tenant URL goes into
	keyLabel  string // the IdP's name of the field the API key goes into
	pasteHint string // where in the IdP's console the two fields are
	keyWhere  string // where the key goes, for the rotation guide
	testName  string // the IdP's name of its own connection test
	steps     []guideStep
	probes    func() []probeStep
}

// guideStep is one set-up step in the IdP's console; copy names the value it needs pasted.
type guideStep struct {
	text string
	copy copyWhat
}

type copyWhat int

const (
	copyNothing copyWhat = iota
	copyURL
	copyKey
)

// guideFor returns the set-up guide of idp (Azure AD's for an unknown one).
func guideFor(idp hostsync.IdP) idpGuide {
	switch idp.Or() {
	case hostsync.IdPOkta:
		return oktaGuide
	case hostsync.IdPOneLogin:
		return oneLoginGuide
	}
	return azureGuide
}

var azureGuide = idpGuide{
	urlLabel:  "Tenant URL",
	keyLabel:  "Secret Token",
	pasteHint: "Paste these into Azure AD › Enterprise applications › Visitly › Provisioning › Admin Credentials",
	keyWhere:  "Azure AD › Provisioning › Admin Credentials › Secret Token",
	testName:  "Test Connection",
	steps: []guideStep{
		{text: "In the Azure portal open Enterprise applications › Visitly › Provisioning and set Provisioning Mode to Automatic."},
		{text: "Under Admin Credentials, paste the Tenant URL.", copy: copyURL},
		{text: "Paste the API key into Secret Token.", copy: copyKey},
		{text: "Press Test Connection, then Save. Use Test connection on this page if Azure AD reports an error."},
		{text: "Mappings: keep userPrincipalName → userName and Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\") → active."},
		{text: "Settings › Scope: \"Sync only assigned users and groups\", and assign the employees who should become hosts."},
		{text: "Set Provisioning Status to On and Save. The header of this window shows the last call and the last rejected one."},
	},
	probes: azureProbeSteps,
}

var oktaGuide = idpGuide{
	urlLabel:  "SCIM connector base URL",
	keyLabel:  "HTTP Header › Bearer",
	pasteHint: "Paste these into Okta › Applications › your app › Provisioning › Integration",
	keyWhere:  "Okta › Provisioning › Integration › HTTP Header › Bearer",
	testName:  "Test Connector Configuration",
	steps: []guideStep{
		{text: "In the Okta Admin Console, Applications › Create App Integration: a SAML 2.0 (or SWA) app named Visitly. On its General tab, App Settings › Edit: tick Enable SCIM provisioning (in older Admin Consoles: Provisioning = SCIM) and Save."},
		{text: "Provisioning tab › Integration › Edit: paste the SCIM connector base URL.", copy: copyURL},
		{text: "Unique identifier field for users: userName."},
		{text: "Supported provisioning actions: tick Push New Users, Push Profile Updates and Push Groups (leave the Import actions off: Visitly does not send people to Okta)."},
		{text: "Authentication Mode: HTTP Header. Under HTTP Header, paste the API key into the Bearer field.", copy: copyKey},
		{text: "Press Test Connector Configuration: Okta tries each provisioning action you ticked. Close it and Save."},
		{text: "Provisioning › To App › Edit: enable Create Users, Update User Attributes and Deactivate Users, and Save."},
		{text: "Assignments: assign the people (or groups) who should become hosts. The header of this window shows Okta's last call."},
	},
	probes: oktaProbeSteps,
}

var oneLoginGuide = idpGuide{
	urlLabel:  "SCIM Base URL",
	keyLabel:  "SCIM Bearer Token",
	pasteHint: "Paste these into OneLogin › Applications › Visitly › Configuration",
	keyWhere:  "OneLogin › Applications › Visitly › Configuration › SCIM Bearer Token",
	testName:  "Enable (API Connection)",
	steps: []guideStep{
		{text: "In OneLogin, Applications › Add App: search for \"SCIM Provisioner with SAML (SCIM v2 Enterprise)\", name it Visitly and Save."},
		{text: "Configuration tab: paste the SCIM Base URL.", copy: copyURL},
		{text: "Paste the API key into SCIM Bearer Token.", copy: copyKey},
		{text: "Keep the SCIM JSON Template the app comes with: it sends userName, name, emails and the enterprise department Visitly shows."},
		{text: "Under API Connection press Enable: OneLogin makes its first call. Save."},
		{text: "Parameters: set SCIM Username to Email. Provisioning tab: tick Enable provisioning (and Create user, Delete user, Update user), and Save."},
		{text: "Give the app to the people who should become hosts (Users › a user › Applications, or through a Role). The header of this window shows OneLogin's last call."},
	},
	probes: oneLoginProbeSteps,
}
