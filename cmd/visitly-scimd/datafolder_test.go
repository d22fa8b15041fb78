package main

import "testing"

// TestServiceSID: the SID computed from a service's name is the one
// Windows gives it (sc showsid TrustedInstaller).
func TestServiceSID(t *testing.T) {
	const want = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"
	for _, name := range []string{"TrustedInstaller", "trustedinstaller"} {
		if got := serviceSID(name); got != want {
			t.Errorf("serviceSID(%q) = %s, want %s", name, got, want)
		}
	}
}
