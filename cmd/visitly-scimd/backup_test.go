package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/hostdb"
)

// scimClient creates users on a running serve as Azure AD would.
type scimClient struct {
	t    *testing.T
	base string
	key  string
}

func (c scimClient) createUser(name string) (string, error) {
	body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"active":true}`, name)
	req, _ := http.NewRequest("POST", c.base+"/v1/usersync/SCIM/Users", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 201 {
		return "", fmt.Errorf("create %s: status %d", name, resp.StatusCode)
	}
	var u struct{ ID string }
	err = json.NewDecoder(resp.Body).Decode(&u)
	return u.ID, err
}

func (c scimClient) status(path string) int {
	c.t.Helper()
	resp, err := http.Get(c.base + path)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestBackupAndRestoreCommands backs up a serving service while it takes
// writes, shows that each failure is one line with exit 1 and no leftover
// file while the service goes on, and restores the backup once it stops.
func TestBackupAndRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "hostsync.db")
	key, _, _ := runCmd(t, "apikey", "create", "--db", db)
	c := serveConfig{listen: freeAddr(t), db: db, logLevel: "info", maxBody: 1 << 20, hostCache: hostdb.DefaultHostCacheLimit}
	stop, logs := startServe(t, c, "http", http.DefaultClient)
	defer func() { stop() }()
	cl := scimClient{t: t, base: "http://" + c.listen, key: strings.TrimSpace(key)}
	if cl.status("/readyz") != 200 {
		t.Fatalf("readyz of a fresh service is not 200:\n%s", logs)
	}

	var before []string
	for i := range 20 {
		id, err := cl.createUser(fmt.Sprintf("before%d", i))
		if err != nil {
			t.Fatal(err)
		}
		before = append(before, id)
	}
	// Azure AD keeps writing during the backup.
	writing := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-writing:
					return
				default:
				}
				if _, err := cl.createUser(fmt.Sprintf("during%d-%d", w, i)); err != nil {
					t.Errorf("write during backup: %v", err)
					return
				}
			}
		}()
	}
	backups := filepath.Join(dir, "backups")
	if err := os.Mkdir(backups, 0o700); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(backups, "good.db")
	out, errOut, code := runCmd(t, "backup", "--db", db, "--to", good)
	close(writing)
	wg.Wait()
	if code != 0 || strings.TrimSpace(out) != good {
		t.Fatalf("backup: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, []byte("not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	type failure struct {
		name string
		args []string
		want string // in the one line on stderr
	}
	failures := []failure{
		{"backup over an existing file", []string{"backup", "--db", db, "--to", good}, "already exists"},
		{"backup into a missing folder", []string{"backup", "--db", db, "--to", filepath.Join(dir, "nope", "b.db")}, "does not exist; create it"},
		{"backup of a missing database", []string{"backup", "--db", filepath.Join(dir, "typo.db"), "--to", backups}, "no database"},
		{"backup of a file that is not a database", []string{"backup", "--db", notDB, "--to", backups}, "not an SQLite database"},
		{"restore from a file that is not a backup", []string{"restore", "--from", notDB, "--db", db, "--force"}, "not a usable backup"},
		{"restore over a database without --force", []string{"restore", "--from", good, "--db", db}, "--force"},
		{"restore while the service runs", []string{"restore", "--from", good, "--db", db, "--force"}, "stop the service"},
	}
	if tiny := mountTiny(t, 64<<10); tiny != "" {
		failures = append(failures, failure{"backup to a full disk", []string{"backup", "--db", db, "--to", filepath.Join(tiny, "b.db")}, "is full"})
	}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "read-only")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		failures = append(failures, failure{"backup into a folder this user may not write", []string{"backup", "--db", db, "--to", filepath.Join(ro, "b.db")}, "permission denied"})
	} else if ro := mountReadOnly(t); ro != "" { // root cannot write here either
		failures = append(failures, failure{"backup onto a read-only file system", []string{"backup", "--db", db, "--to", filepath.Join(ro, "b.db")}, "read-only file system"})
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			out, errOut, code := runCmd(t, f.args...)
			line := strings.TrimSuffix(errOut, "\n")
			if code != 1 || out != "" || strings.Contains(line, "\n") || !strings.Contains(line, f.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and one line saying %q", code, out, errOut, f.want)
			}
			t.Log(line)
			if cl.status("/readyz") != 200 {
				t.Errorf("the service is not ready after a failed %s", f.args[0])
			}
		})
	}
	if _, err := cl.createUser("after-failures"); err != nil {
		t.Errorf("the service stopped taking writes: %v", err)
	}
	entries, _ := os.ReadDir(backups)
	if len(entries) != 1 {
		t.Errorf("backups folder holds %d files, want good.db alone", len(entries))
	}

	if err := stop(); err != nil {
		t.Fatal(err)
	}
	stop = func() error { return nil }
	out, errOut, code = runCmd(t, "restore", "--from", good, "--db", db, "--force")
	if code != 0 || !strings.Contains(out, "restored") {
		t.Fatalf("restore: exit %d, %q %q", code, out, errOut)
	}
	st, err := hostdb.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, id := range before {
		if _, err := st.GetHost(context.Background(), id); err != nil {
			t.Errorf("host %s written before the backup: %v", id, err)
		}
	}
	if _, _, err := st.QueryHosts(context.Background(), hostsync.LiveHostQuery{}); err != nil {
		t.Error(err)
	}
}

func TestBackupUsage(t *testing.T) {
	for _, args := range [][]string{{"backup"}, {"backup", "--db", "x.db"}, {"restore", "--db", "x.db"}, {"backup", "--db", "a", "--to", "b", "extra"}} {
		if _, _, code := runCmd(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

// TestRestoreCommandSaysWhatItKept: restoring an older backup keeps the
// replaced database and says which revocations it carried over.
func TestRestoreCommandSaysWhatItKept(t *testing.T) {
	dir := t.TempDir()
	db, backup := filepath.Join(dir, "hostsync.db"), filepath.Join(dir, "b.db")
	runCmd(t, "apikey", "create", "--db", db, "--label", "Azure AD")
	runCmd(t, "admin-token", "--db", db)
	if _, errOut, code := runCmd(t, "backup", "--db", db, "--to", backup); code != 0 {
		t.Fatal(errOut)
	}
	runCmd(t, "apikey", "revoke", "--db", db, "1")
	runCmd(t, "admin-token", "--db", db)
	out, errOut, code := runCmd(t, "restore", "--from", backup, "--db", db, "--force")
	if code != 0 {
		t.Fatalf("restore: exit %d, %s", code, errOut)
	}
	t.Log(out)
	for _, want := range []string{"kept as " + db + ".before-restore-", "API key 1 (Azure AD, vhs_", "stays revoked", "admin credential made at"} {
		if !strings.Contains(out, want) {
			t.Errorf("restore output lacks %q", want)
		}
	}
	list, _, _ := runCmd(t, "apikey", "list", "--db", db)
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 2 || strings.HasSuffix(lines[1], "-") { // the last column is REVOKED
		t.Errorf("apikey list after the restore, want key 1 revoked:\n%s", list)
	}
}
