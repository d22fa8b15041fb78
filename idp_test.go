package hostsync

import "testing"

func TestIdPNames(t *testing.T) {
	for in, want := range map[string]IdP{"Azure AD": IdPAzureAD, "azuread": IdPAzureAD, "Entra ID": IdPAzureAD, "OKTA": IdPOkta, "One Login": IdPOneLogin} {
		got, err := ParseIdP(in)
		if err != nil || got != want {
			t.Errorf("ParseIdP(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseIdP("google"); err == nil {
		t.Error("ParseIdP(google) gave no error")
	}
	if got := IdP("").Name(); got != "Azure AD" {
		t.Errorf("empty IdP is named %q, want Azure AD (keys made before IdPs)", got)
	}
	if got := IdPOneLogin.Name(); got != "OneLogin" {
		t.Errorf("OneLogin is named %q", got)
	}
}
