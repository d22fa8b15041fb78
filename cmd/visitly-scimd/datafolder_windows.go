//go:build windows

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// serviceAccount is the virtual account the Windows service runs as:
// Windows makes and manages it (no password), and it has a user's rights
// plus what the data folder's rules give it, where LocalSystem could read
// and write anything on the machine.
const serviceAccount = `NT SERVICE\` + serviceName

// dataFolderSDDL is the Windows service's data folder's access rules:
// protected (P), so that nothing is inherited from C:\ProgramData, where
// every user may create files; full access (FA) for SYSTEM, Administrators
// and the service's account, passed on to every file and folder created
// inside (OICI); nobody else.
func dataFolderSDDL(serviceSID string) string {
	return "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;" + serviceSID + ")"
}

// secureDataFolder creates dir (and missing parents) with dataFolderSDDL's
// rules, or gives an existing dir those rules, which then replace what the
// files already inside inherited (their own explicit rules stay).
func secureDataFolder(dir string) error {
	sd, err := windows.SecurityDescriptorFromString(dataFolderSDDL(serviceSID(serviceName)))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return err
	}
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return err
	}
	// Created with its rules, so that it is never open, not even for a moment.
	sa := &windows.SecurityAttributes{Length: uint32(unsafe.Sizeof(windows.SecurityAttributes{})), SecurityDescriptor: sd}
	if err := windows.CreateDirectory(p, sa); err != nil && !errors.Is(err, windows.ERROR_ALREADY_EXISTS) {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	return windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
}

// checkDataFolder returns an *openFolderError when dir's rules let in
// anyone but SYSTEM, Administrators, the service's account and the user
// this process runs as (serve run by hand).
func checkDataFolder(dir string) error {
	sd, err := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		return &openFolderError{dir, "everyone (it has no access rules)"}
	}
	known := map[string]bool{"S-1-5-18": true, "S-1-5-32-544": true, serviceSID(serviceName): true}
	if u, err := windows.GetCurrentProcessToken().GetTokenUser(); err == nil {
		known[u.User.Sid.String()] = true
	}
	var others []string
	for i := range uint32(dacl.AceCount) {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return err
		}
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE {
			continue
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		if !known[sid.String()] {
			others = append(others, accountName(sid))
		}
	}
	if len(others) > 0 {
		return &openFolderError{dir, fmt.Sprintf("%s (`visitly-scimd service install` gives it the service's rules)", strings.Join(others, ", "))}
	}
	return nil
}

// accountName is DOMAIN\name of sid, or the SID where it has no name.
func accountName(sid *windows.SID) string {
	account, domain, _, err := sid.LookupAccount("")
	if err != nil {
		return sid.String()
	}
	if domain == "" {
		return account
	}
	return domain + `\` + account
}
