package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/visitly/hostsync/storage/keyring"
)

// TestUninstallRemovesKeyringEntries runs against the real Secret Service
// (CI starts one); it skips elsewhere when none is reachable.
func TestUninstallRemovesKeyringEntries(t *testing.T) {
	kr := keyring.New("io.visitly.hostsync.test-uninstall-" + time.Now().Format("150405.000000"))
	if err := kr.Set(keyring.AccountAdminToken, "vha_test"); err != nil {
		if errors.Is(err, keyring.ErrUnavailable) && os.Getenv("CI") != "true" {
			t.Skipf("no Secret Service here: %v", err)
		}
		t.Fatalf("set: %v", err)
	}
	if err := kr.Set(keyring.AccountAPIKey+"/https://sync.example.com", "vhs_test"); err != nil {
		t.Fatalf("set: %v", err)
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	env := &CommandEnv{Stdout: &out, Stderr: &errb, DataDir: data, Keyring: kr}
	if code := cmdUninstall(context.Background(), env, nil); code != 0 {
		t.Fatalf("uninstall: exit %d: %s", code, errb.String())
	}
	for _, acct := range []string{keyring.AccountAdminToken, keyring.AccountAPIKey + "/https://sync.example.com"} {
		if _, err := kr.Get(acct); !errors.Is(err, keyring.ErrNotFound) {
			t.Errorf("%s still in the keyring (err %v)", acct, err)
		}
	}
	if _, err := os.Stat(data); err != nil {
		t.Errorf("data folder removed without --purge-data: %v", err)
	}
	out.Reset()
	if code := cmdUninstall(context.Background(), env, []string{"--purge-data"}); code != 0 {
		t.Fatalf("uninstall --purge-data: exit %d: %s", code, errb.String())
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("data folder still there after --purge-data")
	}
	if !strings.Contains(out.String(), "deleted") {
		t.Errorf("output %q does not say what was deleted", out.String())
	}
	if code := cmdUninstall(context.Background(), env, []string{"extra"}); code != 2 {
		t.Errorf("extra argument: exit %d, want 2", code)
	}
}
