//go:build windows

package main

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

// fileAllAccess is FA in SDDL (winnt.h's FILE_ALL_ACCESS).
const fileAllAccess windows.ACCESS_MASK = windows.STANDARD_RIGHTS_REQUIRED | windows.SYNCHRONIZE | 0x1ff

// ace is one access rule as a test compares it.
type ace struct {
	sid   string
	mask  windows.ACCESS_MASK
	flags uint8
}

// rules are a file's or folder's access rules, and whether they are
// protected from its folder's.
type rules struct {
	rules     []ace
	protected bool
}

// rulesOf reads path's access rules back from Windows.
func rulesOf(t *testing.T, path string) rules {
	t.Helper()
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	return rulesOfSD(t, sd)
}

func rulesOfSD(t *testing.T, sd *windows.SECURITY_DESCRIPTOR) rules {
	t.Helper()
	control, _, err := sd.Control()
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		t.Fatalf("%s: no DACL (%v)", sd, err)
	}
	var r rules
	for i := range uint32(dacl.AceCount) {
		var a *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &a); err != nil {
			t.Fatal(err)
		}
		sid := (*windows.SID)(unsafe.Pointer(&a.SidStart))
		r.rules = append(r.rules, ace{sid.String(), a.Mask, a.Header.AceFlags})
	}
	r.protected = control&windows.SE_DACL_PROTECTED != 0
	return r
}

// underWine reports whether this runs under Wine, which takes a folder's
// access rules without error but keeps none of them (it reads back rules
// made up from the Unix mode).
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// tempDir is t.TempDir whose removal may fail: this user may not delete
// what a folder with the service's rules holds unless it runs elevated.
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "visitly-datafolder-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// TestDataFolderRules: the rules the service's data folder gets, as
// Windows parses them: protected from the folder above, full access for
// SYSTEM, Administrators and the service's account, passed on to what is
// created inside, and nothing else.
func TestDataFolderRules(t *testing.T) {
	sd, err := windows.SecurityDescriptorFromString(dataFolderSDDL(serviceSID(serviceName)))
	if err != nil {
		t.Fatal(err)
	}
	if got := rulesOfSD(t, sd); !slices.Equal(got.rules, folderRules()) || !got.protected {
		t.Errorf("rules %+v, want %v protected", got, folderRules())
	}
}

const oici = windows.OBJECT_INHERIT_ACE | windows.CONTAINER_INHERIT_ACE

func folderRules() []ace {
	return []ace{{"S-1-5-18", fileAllAccess, oici}, {"S-1-5-32-544", fileAllAccess, oici}, {serviceSID(serviceName), fileAllAccess, oici}}
}

// TestSecureDataFolder: a new data folder, and one that already holds a
// database, get exactly the rules of TestDataFolderRules, and files inside,
// old and new, inherit those and nothing else. Only real Windows keeps
// them: under Wine the test checks that the calls succeed, then skips.
func TestSecureDataFolder(t *testing.T) {
	existing := filepath.Join(tempDir(t), "existing")
	if err := os.Mkdir(existing, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(existing, "hostsync.db"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dirs := []string{filepath.Join(tempDir(t), "Visitly", "data"), existing}
	for _, dir := range dirs {
		if err := secureDataFolder(dir); err != nil {
			t.Fatalf("secureDataFolder(%s): %v", dir, err)
		}
	}
	if underWine() {
		t.Skipf("Wine keeps no access rules (it reads back %+v); real Windows shows the rest", rulesOf(t, existing))
	}
	for _, dir := range dirs {
		if got := rulesOf(t, dir); !got.protected || !slices.Equal(got.rules, folderRules()) {
			t.Errorf("%s: rules %+v, want %v protected", dir, got, folderRules())
		}
		if err := checkDataFolder(dir); err != nil {
			t.Errorf("checkDataFolder of a secured folder: %v", err)
		}
		db := filepath.Join(dir, "hostsync.db")
		if err := os.WriteFile(db+"-wal", nil, 0o600); err != nil {
			t.Skipf("cannot write in the secured folder, run elevated: %v", err)
		}
		for _, f := range []string{db + "-wal", filepath.Join(existing, "hostsync.db")} {
			var sids []string
			for _, r := range rulesOf(t, f).rules {
				if r.flags&windows.INHERITED_ACE == 0 || r.mask != fileAllAccess {
					t.Errorf("%s: rule %+v, want only the folder's, inherited", f, r)
				}
				sids = append(sids, r.sid)
			}
			if want := []string{"S-1-5-18", "S-1-5-32-544", serviceSID(serviceName)}; !slices.Equal(sids, want) {
				t.Errorf("%s: rules for %v, want %v", f, sids, want)
			}
		}
	}
	var oe *openFolderError
	if err := checkDataFolder(tempDir(t)); !errors.As(err, &oe) {
		t.Errorf("checkDataFolder of a user's temp folder = %v, want an *openFolderError", err)
	}
}
