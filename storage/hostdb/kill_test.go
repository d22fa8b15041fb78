package hostdb

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// killChildEnv switches the test binary into the child role of
// TestSurvivesKill: it holds the database path.
const killChildEnv = "STORAGE_KILL_CHILD_DB"

// TestKillChild is the child process: it creates hosts forever and prints
// each id once CreateHost has returned (committed).
func TestKillChild(t *testing.T) {
	path := os.Getenv(killChildEnv)
	if path == "" {
		t.Skip("child process of TestSurvivesKill only")
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		h, err := s.CreateHost(context.Background(), azure, hostDoc(fmt.Sprintf("k%d", i), true, nil))
		if err != nil {
			fmt.Println("ERR", err)
			os.Exit(2)
		}
		fmt.Println("ID", h.ID) // os.Stdout is unbuffered: the line leaves now
	}
}

// TestSurvivesKill SIGKILLs a process in the middle of its writes, then
// checks that every host it reported as created is in the file and that the
// file is intact (a WAL loses nothing committed to a process crash; power
// loss is what synchronous=FULL is for, see hostdb.go).
func TestSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "hostsync.db")
	cmd, out := startKillChild(t, path)
	var ids []string
	sc := bufio.NewScanner(out)
	killed := false
	timeout := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
	defer timeout.Stop()
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "ID "):
			ids = append(ids, strings.TrimPrefix(line, "ID "))
		case strings.HasPrefix(line, "ERR "):
			t.Fatalf("child: %s", line)
		}
		if len(ids) == 300 && !killed {
			// Mid-way: the child is inside its next CreateHost by now.
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	cmd.Wait()
	if !killed {
		t.Fatalf("child ended before it was killed, after %d hosts", len(ids))
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer s.Close()
	var check string
	if err := s.w.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	for _, id := range ids {
		if _, err := s.GetHost(context.Background(), id); err != nil {
			t.Errorf("host %s reported created is missing: %v", id, err)
		}
	}
	c, err := s.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.Active < len(ids) {
		t.Errorf("%d hosts in the file, %d reported", c.Active, len(ids))
	}
	t.Logf("child reported %d hosts before SIGKILL; the file has %d", len(ids), c.Active)
}

// startKillChild starts TestKillChild in a child process writing hosts to the
// database at path; it prints "ID <id>" for each acknowledged write on out.
func startKillChild(t *testing.T, path string) (*exec.Cmd, io.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}
