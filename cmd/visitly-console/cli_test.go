package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimserver"
	"github.com/visitly/hostsync/storage/hostdb"
	"github.com/visitly/hostsync/storage/keyring"
	"github.com/visitly/hostsync/storage/mirror"
)

// cliSecrets is an in-memory keyring for the CLI tests.
type cliSecrets struct {
	m   map[string]string
	err error // every call fails with it when set
}

func (k *cliSecrets) Get(a string) (string, error) {
	if k.err != nil {
		return "", k.err
	}
	if v, ok := k.m[a]; ok {
		return v, nil
	}
	return "", fmt.Errorf("get %s: %w", a, keyring.ErrNotFound)
}

func (k *cliSecrets) Set(a, s string) error {
	if k.err != nil {
		return k.err
	}
	k.m[a] = s
	return nil
}

func (k *cliSecrets) Delete(a string) error { delete(k.m, a); return nil }

func newCLIEnv(t *testing.T) (*cliEnv, *cliSecrets) {
	t.Helper()
	kr := &cliSecrets{m: map[string]string{}}
	return &cliEnv{stdin: strings.NewReader(""), dataDir: t.TempDir(), secrets: kr, log: slog.New(slog.DiscardHandler)}, kr
}

// cli runs one subcommand in process and returns its exit code and output.
func cli(t *testing.T, e *cliEnv, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	e.stdin, e.stdout, e.stderr = strings.NewReader(stdin), &out, &errOut
	f := map[string]cliFunc{"sync": cmdSync, "hosts": cmdHosts, "restore": cmdRestore, "activity": cmdActivity, "connect": cmdConnect}[args[0]]
	if f == nil {
		t.Fatalf("no subcommand %q", args[0])
	}
	code = runCLI(context.Background(), args[0], f, e, args[1:])
	if n := strings.Count(errOut.String(), "\nvisitly-console "); n > 0 && !(args[0] == "restore" && len(args) > 2) {
		t.Errorf("%v: more than one error line: %q", args, errOut.String())
	}
	return code, out.String(), errOut.String()
}

var (
	azureActor = hostsync.Actor{Kind: hostsync.ActorAPIKey, ID: "1", Label: "Azure AD"}
	oktaActor  = hostsync.Actor{Kind: hostsync.ActorAPIKey, ID: "2", Label: "Okta", IdP: hostsync.IdPOkta}
)

func hostAttrs(userName, displayName, dept string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
		"userName": userName, "active": true, "displayName": displayName,
		"emails": []any{map[string]any{"type": "work", "value": userName, "primary": true}},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": dept}})
	return b
}

// seedDirectory writes hosts into a service database as Azure AD would:
// ann (active), bob (deleted), carl (deactivated), and a hostile display name.
func seedDirectory(t *testing.T, st *hostdb.Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	ids := map[string]string{}
	for _, u := range []struct{ user, name, dept string }{
		{"ann@example.com", "Ann Émile", "Sales"}, {"bob@example.com", "Bob", "R&D"},
		{"carl@example.com", "Carl", "R&D"}, {"eve@example.com", "=HYPERLINK(\"x\")", "-Ops"}} {
		a := azureActor
		if u.user == "eve@example.com" {
			a = oktaActor // two IdPs at once
		}
		h, err := st.CreateHost(ctx, a, &hostsync.HostRecord{UserName: u.user, DisplayName: u.name, Email: u.user,
			Active: true, Attrs: hostAttrs(u.user, u.name, u.dept)})
		if err != nil {
			t.Fatalf("CreateHost: %v", err)
		}
		ids[u.user] = h.ID
	}
	if err := st.DeleteHost(ctx, azureActor, ids["bob@example.com"]); err != nil {
		t.Fatalf("DeleteHost: %v", err)
	}
	if _, err := st.UpdateHost(ctx, azureActor, ids["carl@example.com"], func(h *hostsync.HostRecord) (*hostsync.HostRecord, error) {
		h.Active = false
		h.Attrs = json.RawMessage(strings.Replace(string(h.Attrs), `"active":true`, `"active":false`, 1))
		return h, nil
	}); err != nil {
		t.Fatalf("UpdateHost: %v", err)
	}
	return ids
}

// seedEmbedded fills the embedded service's database in the data folder.
func seedEmbedded(t *testing.T, dir string) map[string]string {
	t.Helper()
	st, err := hostdb.Open(context.Background(), filepath.Join(dir, "hostsync.db"))
	if err != nil {
		t.Fatalf("hostdb.Open: %v", err)
	}
	defer st.Close()
	return seedDirectory(t, st)
}

func TestCLISyncAndLists(t *testing.T) {
	e, _ := newCLIEnv(t)
	seedEmbedded(t, e.dataDir)

	code, _, errOut := cli(t, e, "", "hosts")
	if code != 0 || !strings.Contains(errOut, "never been synced") {
		t.Fatalf("hosts before sync: exit %d, stderr %q; want 0 and a note", code, errOut)
	}
	code, out, errOut := cli(t, e, "", "sync")
	if code != 0 || !strings.Contains(out, "4 hosts") || !strings.Contains(out, "synced http://127.0.0.1:") {
		t.Fatalf("sync: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, _ = cli(t, e, "", "sync")
	if code != 0 || !strings.Contains(out, ": 0 hosts, 0 groups, 0 events") {
		t.Fatalf("second sync: exit %d, stdout %q; want nothing new", code, out)
	}

	tests := []struct {
		name    string
		args    []string
		want    []string // substrings of stdout
		notWant []string
	}{
		{"active table", []string{"hosts"}, []string{"USERNAME", "ann@example.com", "Ann Émile", "Sales"}, []string{"bob@", "carl@", "REMOVED"}},
		{"deleted table", []string{"hosts", "--state", "deleted"}, []string{"bob@example.com", "DELETE", "apikey:1"}, []string{"ann@"}},
		{"removed", []string{"hosts", "--state", "removed"}, []string{"bob@", "carl@", "active=false"}, []string{"ann@"}},
		{"search", []string{"hosts", "--state", "all", "--search", "emil"}, []string{"ann@"}, []string{"bob@", "carl@"}},
		{"csv neutralises formulas", []string{"hosts", "--format", "csv"}, []string{"\uFEFFHost ID,User name,", `"'=HYPERLINK(""x"")"`, "'-Ops"}, []string{",=HYP"}},
		{"csv with semicolons, deleted never active", []string{"hosts", "--state", "deleted", "--format", "csv", "--separator", ";"},
			[]string{"\uFEFFHost ID;User name;", ";bob@example.com;", ";deleted;no;"}, []string{";yes;"}},
		{"provisioned by Okta", []string{"hosts", "--idp", "okta"}, []string{"eve@example.com", "IDP", "  okta\n"}, []string{"ann@"}},
		{"provisioned by Okta, by its name", []string{"hosts", "--idp", "Okta", "--state", "all"}, []string{"eve@"}, []string{"ann@", "bob@", "carl@"}},
		{"provisioned by OneLogin", []string{"hosts", "--idp", "onelogin", "--format", "csv"}, []string{"Provisioned by"}, []string{"@example.com"}},
		{"activity table", []string{"activity", "--action", "host.deleted"}, []string{"host.deleted", "bob@example.com", "Azure AD (key #1)"}, []string{"host.created"}},
		{"activity since and host", []string{"activity", "--since", "1h", "--host", "carl"}, []string{"host.deactivated", "host.created"}, []string{"ann@"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := cli(t, e, "", tc.args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(out, w) {
					t.Errorf("stdout has %q:\n%s", w, out)
				}
			}
		})
	}

	t.Run("xlsx needs --output", func(t *testing.T) {
		code, out, errOut := cli(t, e, "", "hosts", "--format", "xlsx")
		if code == 0 || out != "" || !strings.Contains(errOut, "--output") {
			t.Fatalf("xlsx to standard output: exit %d, stdout %d bytes, stderr %q", code, len(out), errOut)
		}
	})
	t.Run("xlsx to a file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "hosts.xlsx")
		code, out, errOut := cli(t, e, "", "hosts", "--state", "all", "--format", "xlsx", "--output", file)
		if code != 0 || out != "" || !strings.Contains(errOut, "wrote 4 rows to "+file) {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		f, err := excelize.OpenFile(file)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows("Hosts")
		if err != nil || len(rows) != 5 || rows[0][0] != "Host ID" {
			t.Fatalf("workbook rows %q, %v", rows, err)
		}
	})
	t.Run("hosts json", func(t *testing.T) {
		_, out, _ := cli(t, e, "", "hosts", "--state", "all", "--format", "json")
		var hosts []hostsync.Host
		if err := json.Unmarshal([]byte(out), &hosts); err != nil {
			t.Fatalf("hosts json: %v\n%s", err, out)
		}
		if len(hosts) != 4 || len(hosts[0].Resource) == 0 {
			t.Fatalf("hosts json: %d hosts (first resource %s); want 4 with resources", len(hosts), hosts[0].Resource)
		}
	})
	t.Run("activity json", func(t *testing.T) {
		_, out, _ := cli(t, e, "", "activity", "--format", "json", "--since", "2000-01-01")
		var events []hostsync.Event
		if err := json.Unmarshal([]byte(out), &events); err != nil {
			t.Fatalf("activity json: %v\n%s", err, out)
		}
		if len(events) < 6 || events[0].Seq < events[len(events)-1].Seq {
			t.Fatalf("activity json: %d events, want ≥ 6 newest first", len(events))
		}
	})
}

func TestCLIRestore(t *testing.T) {
	e, _ := newCLIEnv(t)
	ids := seedEmbedded(t, e.dataDir)
	bob, carl := ids["bob@example.com"], ids["carl@example.com"]

	code, out, errOut := cli(t, e, "", "restore", bob, carl)
	if code != 0 || !strings.Contains(out, "restored "+bob+" (bob@example.com)") || !strings.Contains(errOut, "re-assign") {
		t.Fatalf("restore: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	_, out, _ = cli(t, e, "", "hosts", "--state", "removed", "--format", "json")
	if strings.TrimSpace(out) != "[\n]" {
		t.Fatalf("removed hosts after restore = %q, want none (the mirror was synced)", out)
	}

	// Delete bob again and let Azure AD create a new bob: restoring the old one conflicts.
	st, err := hostdb.Open(context.Background(), filepath.Join(e.dataDir, "hostsync.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteHost(context.Background(), azureActor, bob); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateHost(context.Background(), azureActor, &hostsync.HostRecord{UserName: "bob@example.com", Active: true,
		Attrs: hostAttrs("bob@example.com", "New Bob", "")}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	tests := []struct {
		name, id, wantErr string
	}{
		{"conflict changes nothing", bob, "nothing changed"},
		{"unknown id", "no-such-id", "no such host"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := cli(t, e, "", "restore", tc.id)
			if code != 1 || !strings.Contains(errOut, tc.wantErr) {
				t.Fatalf("exit %d, stderr %q; want 1 and %q", code, errOut, tc.wantErr)
			}
		})
	}
	_, out, _ = cli(t, e, "", "hosts", "--state", "deleted")
	if !strings.Contains(out, bob) {
		t.Fatalf("old bob should still be deleted after the refused restore:\n%s", out)
	}
}

func TestCLIUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"unknown flag", []string{"hosts", "--nope"}},
		{"bad state", []string{"hosts", "--state", "gone"}},
		{"bad format", []string{"hosts", "--format", "xml"}},
		{"unknown IdP", []string{"hosts", "--idp", "google"}},
		{"bad since", []string{"activity", "--since", "yesterday"}},
		{"unknown action", []string{"activity", "--action", "host.removed"}},
		{"restore without ids", []string{"restore"}},
		{"sync with an argument", []string{"sync", "now"}},
		{"connect without target", []string{"connect"}},
		{"connect with a bad URL", []string{"connect", "--server", "ftp://x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := newCLIEnv(t)
			code, _, errOut := cli(t, e, "tok\n", tc.args...)
			if code != 2 || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "visitly-console "+tc.args[0]+": ") {
				t.Fatalf("exit %d, stderr %q; want 2 and one line", code, errOut)
			}
		})
	}
	e, _ := newCLIEnv(t)
	if code, out, _ := cli(t, e, "", "hosts", "-h"); code != 0 || !strings.Contains(out, "--state") || strings.Count(out, "usage:") != 1 {
		t.Fatalf("hosts -h: exit %d, stdout %q; want the usage once", code, out)
	}
}

func TestCLIConnectRemote(t *testing.T) {
	ctx := context.Background()
	st, err := hostdb.Open(ctx, filepath.Join(t.TempDir(), "remote.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	token, err := st.RotateAdminToken(ctx, hostsync.Actor{Kind: hostsync.ActorSystem})
	if err != nil {
		t.Fatal(err)
	}
	seedDirectory(t, st)
	hs := httptest.NewServer(scimserver.New(st, scimserver.Options{Version: "test"}))
	defer hs.Close()

	e, kr := newCLIEnv(t)
	code, _, errOut := cli(t, e, "vha_wrong\n", "connect", "--server", hs.URL)
	if code != 1 || !strings.Contains(errOut, "refused") || len(kr.m) != 0 {
		t.Fatalf("connect with a wrong credential: exit %d, stderr %q, keyring %d entries; want 1, refused, none", code, errOut, len(kr.m))
	}
	code, out, errOut := cli(t, e, token+"\n", "connect", "--server", hs.URL)
	if code != 0 || !strings.Contains(out, "connected to "+hs.URL) {
		t.Fatalf("connect: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if got, _ := kr.Get(keyring.AccountAdminToken + "/" + hs.URL); got != token {
		t.Fatalf("keyring holds %q for the service, want the credential", got)
	}
	code, out, errOut = cli(t, e, "", "sync")
	if code != 0 || !strings.Contains(out, "synced "+hs.URL+": 4 hosts") {
		t.Fatalf("sync against the remote service: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, err := os.Stat(mirror.Path(e.dataDir, hs.URL)); err != nil {
		t.Fatalf("remote mirror file: %v", err)
	}
	if _, err := os.Stat(mirror.Path(e.dataDir, "")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the embedded mirror should not exist: %v", err)
	}
	assertNoSecretInFiles(t, e.dataDir, token)

	if code, _, _ := cli(t, e, "", "connect", "--embedded"); code != 0 {
		t.Fatalf("connect --embedded: exit %d", code)
	}
	if cfg, _ := loadConfig(e.dataDir); cfg.Remote {
		t.Fatalf("still remote after connect --embedded: %+v", cfg)
	}
}

func TestCLIKeyringUnavailable(t *testing.T) {
	e, kr := newCLIEnv(t)
	kr.err = fmt.Errorf("The name org.freedesktop.secrets was not provided by any .service files: %w", keyring.ErrUnavailable)
	code, _, errOut := cli(t, e, "", "sync")
	if code != 1 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "org.freedesktop.secrets") {
		t.Fatalf("sync without a keyring: exit %d, stderr %q; want 1 and one line with the cause", code, errOut)
	}
	if h := hostsync.KeyringHint(kr.err); h != "" && !strings.Contains(errOut, oneLine(h)) {
		t.Fatalf("stderr %q lacks the hint %q", errOut, h)
	}
}

func TestParseSince(t *testing.T) {
	now := mustTime(t, "2026-11-25T18:00:00Z")
	tests := []struct{ in, want string }{
		{"2026-11-20T08:30:00Z", "2026-11-20T08:30:00Z"},
		{"2026-11-20", "2026-11-20T00:00:00Z"},
		{"90m", "2026-11-25T16:30:00Z"},
		{"7d", "2026-11-18T18:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseSince(tc.in, now)
			if err != nil || !got.Equal(mustTime(t, tc.want)) {
				t.Fatalf("parseSince(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
			}
		})
	}
	if _, err := parseSince("-3d", now); err == nil {
		t.Fatal("parseSince(-3d) succeeded")
	}
}

func mustTime(t *testing.T, s string) (tm time.Time) {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
