package mirror

import (
	"bufio"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/visitly/hostsync"
)

// TestSyncKilledProcessResumes runs a sync in a child process (this test
// binary re-executed), SIGKILLs it half way, then checks the mirror file is
// sound, kept the committed pages, and that a new sync completes it exactly.
func TestSyncKilledProcessResumes(t *testing.T) {
	if env := os.Getenv("MIRROR_KILL_CHILD"); env != "" {
		killChild(env)
		return
	}
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	svc := newFakeService()
	for i := range 1500 {
		u, d, title, dept := benchPerson(i)
		svc.create(u, d, title, dept)
	}
	svc.setAfterPage(func(string) { time.Sleep(15 * time.Millisecond) }) // slow pages: time to kill mid-way
	srv := httptest.NewServer(svc)
	defer srv.Close()
	path := filepath.Join(t.TempDir(), FileName)

	cmd := exec.Command(os.Args[0], "-test.run=^TestSyncKilledProcessResumes$")
	cmd.Env = append(os.Environ(), "MIRROR_KILL_CHILD="+srv.URL+" "+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	pages := 0
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "page ") {
			if pages++; pages == 6 {
				break
			}
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if pages < 6 {
		t.Fatalf("child committed %d pages before ending; want to kill it mid-sync", pages)
	}

	ctx := context.Background()
	m, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer m.Close()
	var check string
	if err := m.r.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	c, _, _ := m.Cursors(ctx)
	if c == 0 || c >= svc.seq {
		t.Fatalf("cursor after kill = %d; want committed progress short of %d", c, svc.seq)
	}
	svc.setAfterPage(nil)
	res, err := m.Sync(ctx, newHTTPSource(srv.URL), hostsync.SyncOptions{})
	if err != nil {
		t.Fatalf("resumed Sync: %v", err)
	}
	if res.Hosts >= 1500 {
		t.Errorf("resumed sync re-read %d hosts; want only what was left", res.Hosts)
	}
	hosts, groups, events := svc.state()
	assertMirrorEquals(t, m, hosts, groups, events)
}

// killChild syncs page by page, printing a line after each commit.
func killChild(env string) {
	url, path, _ := strings.Cut(env, " ")
	ctx := context.Background()
	m, err := Open(ctx, path)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	_, err = m.Sync(ctx, newHTTPSource(url), hostsync.SyncOptions{ChangesPage: 50, OnProgress: func(p hostsync.SyncProgress) {
		fmt.Printf("page %d\n", p.Done)
	}})
	fmt.Println("done:", err)
	os.Exit(0)
}
