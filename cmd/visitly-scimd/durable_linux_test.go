package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/visitly/hostsync/scimserver/certs/pebbletest"
)

// TestAnsweredWritesAreSynced runs the real service under strace and checks,
// for each of a few POSTs and PATCHes, that the WAL was fsynced after the
// write's last WAL write and before the first byte of the answer went to the
// socket: an answered write survives power loss, not only a killed process.
// With synchronous=NORMAL the WAL is synced only at checkpoints, and this
// test fails.
func TestAnsweredWritesAreSynced(t *testing.T) {
	straceBin, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace is not installed (scripts/install-deps.sh installs it)")
	}
	if out, err := exec.Command(straceBin, "-f", "-o", os.DevNull, "true").CombinedOutput(); err != nil {
		t.Skipf("strace cannot trace here: %v: %s", err, out)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the service with")
	}
	dir := t.TempDir()
	bin, db, trace := filepath.Join(dir, "visitly-scimd"), filepath.Join(dir, "hostsync.db"), filepath.Join(dir, "trace.txt")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "apikey", "create", "--db", db, "--label", "test").Output()
	if err != nil {
		t.Fatalf("apikey create: %v", err)
	}
	key := strings.TrimSpace(string(out))

	addr := freeAddr(t)
	cmd := exec.Command(straceBin, "-f", "-tt", "-yy", "-s", "64", "-o", trace,
		"-e", "trace=read,write,writev,pwrite64,pwritev,fsync,fdatasync",
		bin, "serve", "--listen", addr, "--db", db, "--log-level", "warn")
	var stderr pebbletest.SyncBuffer
	cmd.Stderr = &stderr
	// A process group of its own: strace blocks SIGTERM while it runs a
	// program, so the group's signal stops the service, then strace ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})

	client := &http.Client{Timeout: 10 * time.Second}
	base := "http://" + addr + "/v1/usersync/SCIM/Users"
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("service did not come up: %v\n%s", err, stderr.String())
		}
	}
	send := func(method, url, body string, want int) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/scim+json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, url, resp.StatusCode, want, b)
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		return doc
	}
	const writes = 3
	for i := range writes {
		u := send("POST", base, fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
			"userName":"durable%d@example.com","active":true}`, i), http.StatusCreated)
		send("PATCH", base+"/"+u["id"].(string), fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			"Operations":[{"op":"Replace","path":"title","value":"Title %d"}]}`, i), http.StatusOK)
	}

	syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		t.Fatalf("service did not stop\n%s", stderr.String())
	}
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	answered, errs := checkSyncedBeforeAnswer(string(b))
	for _, err := range errs {
		t.Error(err)
	}
	if answered != 2*writes {
		t.Errorf("found %d answered writes in the trace, want %d", answered, 2*writes)
	}
	if t.Failed() { // the lines the check looked at
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "-wal>") || strings.Contains(line, "<TCP") || strings.Contains(line, "resumed>") {
				t.Log(line)
			}
		}
	}
}

var (
	// straceLine is "PID HH:MM:SS.micros REST" as strace -f -tt writes it.
	straceLine = regexp.MustCompile(`^(\d+)\s+\S+\s+(.*)$`)
	// scimWrite is the data of a read that brings a SCIM POST or PATCH. Go's
	// server may have read the method's first byte on its own before.
	scimWrite = regexp.MustCompile(`"P?(OST|ATCH) /v1/usersync/SCIM/Users`)
)

// checkSyncedBeforeAnswer reads an strace -f -tt -yy trace of the service and
// checks every SCIM POST or PATCH in it: between reading the request and
// writing its 2xx answer to the socket, the last write to the -wal file must
// be followed by an fsync or fdatasync of the -wal file that has returned 0.
// It returns how many answered writes it checked.
func checkSyncedBeforeAnswer(trace string) (int, []error) {
	type walSync struct{ start, done int }
	var (
		requests, answers, walWrites []int // line numbers
		syncs                        []walSync
		pendingSync                  = map[string]int{} // pid → line of an unfinished WAL sync
	)
	for i, line := range strings.Split(trace, "\n") {
		m := straceLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		pid, rest := m[1], m[2]
		if name, ok := strings.CutPrefix(rest, "<... "); ok { // "<... fsync resumed>) = 0"
			if (strings.HasPrefix(name, "fsync resumed>") || strings.HasPrefix(name, "fdatasync resumed>")) && pendingSync[pid] > 0 {
				if strings.HasSuffix(name, "= 0") {
					syncs = append(syncs, walSync{pendingSync[pid] - 1, i})
				}
				delete(pendingSync, pid)
			}
			if scimWrite.MatchString(name) {
				requests = append(requests, i)
			}
			continue
		}
		call, args, _ := strings.Cut(rest, "(")
		switch {
		case (call == "fsync" || call == "fdatasync") && walFD(args) != "":
			if strings.HasSuffix(rest, "<unfinished ...>") {
				pendingSync[pid] = i + 1
			} else if strings.HasSuffix(rest, "= 0") {
				syncs = append(syncs, walSync{i, i})
			}
		case strings.HasPrefix(call, "pwrite") || strings.HasPrefix(call, "write"):
			if walFD(args) != "" {
				walWrites = append(walWrites, i)
			} else if strings.Contains(args, `"HTTP/1.1 20`) && strings.Contains(args, "<TCP") {
				answers = append(answers, i)
			}
		case call == "read" && scimWrite.MatchString(args):
			requests = append(requests, i)
		}
	}
	var errs []error
	checked := 0
	for _, req := range requests {
		ans := -1
		for _, a := range answers {
			if a > req {
				ans = a
				break
			}
		}
		if ans < 0 {
			continue // not answered 2xx: nothing was promised
		}
		checked++
		last := -1
		for _, w := range walWrites {
			if w > req && w < ans {
				last = w
			}
		}
		if last < 0 {
			errs = append(errs, fmt.Errorf("request at trace line %d: no WAL write before its answer (line %d)", req+1, ans+1))
			continue
		}
		synced := false
		for _, s := range syncs {
			if s.start > last && s.done < ans {
				synced = true
			}
		}
		if !synced {
			errs = append(errs, fmt.Errorf("request at trace line %d: answered (line %d) with its last WAL write (line %d) not fsynced", req+1, ans+1, last+1))
		}
	}
	return checked, errs
}

// walFD returns the fd argument at the start of args when it is the WAL
// file ("6</path/hostsync.db-wal>"), else "".
func walFD(args string) string {
	fd, _, ok := strings.Cut(args, ", ")
	if !ok {
		fd, _, _ = strings.Cut(args, ")")
	}
	fd = strings.TrimSuffix(fd, " <unfinished ...>")
	if !strings.HasSuffix(fd, "-wal>") {
		return ""
	}
	return fd
}

func TestCheckSyncedBeforeAnswer(t *testing.T) {
	const (
		req     = `7 10:00:00.000001 read(16<TCP:[127.0.0.1:80->127.0.0.1:5]>, "POST /v1/usersync/SCIM/Users HTTP/1.1\r\n"..., 4096) = 300`
		reqP    = `7 10:00:00.000001 read(16<TCP:[127.0.0.1:80->127.0.0.1:5]>, "P", 1) = 1`
		reqATCH = `7 10:00:00.000001 read(16<TCP:[127.0.0.1:80->127.0.0.1:5]>, "ATCH /v1/usersync/SCIM/Users/x HTTP/1.1\r\n"..., 4095) = 300`
		walW    = `8 10:00:00.000002 pwrite64(6</d/hostsync.db-wal>, "\0\0"..., 4096, 56) = 4096`
		walS    = `8 10:00:00.000003 fsync(6</d/hostsync.db-wal>) = 0`
		walS1   = `8 10:00:00.000003 fdatasync(6</d/hostsync.db-wal> <unfinished ...>`
		walS2   = `8 10:00:00.000005 <... fdatasync resumed>) = 0`
		dbS     = `9 10:00:00.000003 fsync(5</d/hostsync.db>) = 0`
		answer  = `7 10:00:00.000004 write(16<TCP:[127.0.0.1:80->127.0.0.1:5]>, "HTTP/1.1 201 Created\r\n"..., 556) = 556`
	)
	tests := []struct {
		name  string
		lines []string
		ok    bool
	}{
		{"synced", []string{req, walW, walS, answer}, true},
		{"synced, request read after its first byte", []string{reqP, reqATCH, walW, walS, answer}, true},
		{"synced, resumed", []string{req, walW, walS1, walS2, answer}, true},
		{"not synced", []string{req, walW, answer}, false},
		{"only the database file synced", []string{req, walW, dbS, answer}, false},
		{"sync returns after the answer", []string{req, walW, walS1, answer, walS2}, false},
		{"sync before the last WAL write", []string{req, walW, walS, walW, answer}, false},
		{"no WAL write", []string{req, walS, answer}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, errs := checkSyncedBeforeAnswer(strings.Join(tt.lines, "\n"))
			if n != 1 {
				t.Errorf("checked %d answered writes, want 1", n)
			}
			if got := len(errs) == 0; got != tt.ok {
				t.Errorf("passes = %v, want %v (errors: %v)", got, tt.ok, errs)
			}
		})
	}
	if n, errs := checkSyncedBeforeAnswer(strings.Join([]string{req, walW, walS, answer, req, walW, answer}, "\n")); n != 2 || len(errs) != 1 {
		t.Errorf("two writes, the second not synced: checked %d, errors %v; want 2 and one error", n, errs)
	}
}
