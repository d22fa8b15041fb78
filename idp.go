package hostsync

import (
	"fmt"
	"strings"
)

// IdP is the identity provider an API key belongs to, and so the one that
// provisioned the hosts that key created. The stored and wire form is the
// lower-case constant; the empty IdP is a key made before keys had one,
// treated as Azure AD's (the only IdP the console offered then).
type IdP string

// The identity providers the console sets up.
const (
	IdPAzureAD  IdP = "azuread"
	IdPOkta     IdP = "okta"
	IdPOneLogin IdP = "onelogin"
)

// IdPs lists the identity providers in the order the console shows them.
var IdPs = []IdP{IdPAzureAD, IdPOkta, IdPOneLogin}

// Or returns p, or IdPAzureAD for the empty IdP of an older key.
func (p IdP) Or() IdP {
	if p == "" {
		return IdPAzureAD
	}
	return p
}

// Name is the IdP in the words its admins use: "Azure AD", "Okta",
// "OneLogin". An unknown IdP is named by its stored form.
func (p IdP) Name() string {
	switch p.Or() {
	case IdPAzureAD:
		return "Azure AD"
	case IdPOkta:
		return "Okta"
	case IdPOneLogin:
		return "OneLogin"
	}
	return string(p)
}

// ParseIdP reads an IdP as a user or a flag gives it: the stored form or the
// name, case- and space-insensitive ("Azure AD", "azuread", "entra", "okta").
func ParseIdP(s string) (IdP, error) {
	k := strings.ToLower(strings.Join(strings.Fields(s), ""))
	switch k {
	case "azuread", "azure", "entra", "entraid", "microsoftentraid":
		return IdPAzureAD, nil
	case "okta":
		return IdPOkta, nil
	case "onelogin":
		return IdPOneLogin, nil
	}
	return "", fmt.Errorf("unknown identity provider %q: use azuread, okta or onelogin", s)
}
