package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/visitly/hostsync/scimserver/certs/pebbletest"
	"github.com/visitly/hostsync/storage/pgtest"
)

// The replica tests run several visitly-scimd processes on one PostgreSQL
// database behind a real HAProxy (round-robin, health checks on /readyz),
// the way an IT department deploys it for availability.

var (
	binMu sync.Mutex
	bins  = map[string]string{} // build tags → binary
)

// scimdBinary builds visitly-scimd once per test binary and set of build
// tags ("visitly_upgrade_test" is the next version, with one migration
// more).
func scimdBinary(t *testing.T, tags ...string) string {
	t.Helper()
	binMu.Lock()
	defer binMu.Unlock()
	key := strings.Join(tags, ",")
	if bin, ok := bins[key]; ok {
		return bin
	}
	dir, err := os.MkdirTemp("", "visitly-replicas-")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "visitly-scimd")
	if out, err := exec.Command("go", "build", "-tags", key, "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	bins[key] = bin
	return bin
}

// replica is one visitly-scimd process.
type replica struct {
	addr string
	cmd  *exec.Cmd
	log  *pebbletest.SyncBuffer
	done chan struct{}
}

func (r *replica) url() string { return "http://" + r.addr }

// cluster is a database, its replicas and the balancer in front of them.
type cluster struct {
	t        *testing.T
	bin, db  string
	replicas []*replica
	lb       string // the balancer's base URL
	haproxy  *exec.Cmd
	stats    string // HAProxy's admin socket
}

// serverStatus is HAProxy's view of replica i: "UP", "DOWN", …
func (c *cluster) serverStatus(i int) string {
	c.t.Helper()
	conn, err := net.Dial("unix", c.stats)
	if err != nil {
		c.t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "show stat\n")
	out, _ := io.ReadAll(conn)
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Split(line, ",")
		if len(f) > 17 && f[0] == "replicas" && f[1] == fmt.Sprintf("r%d", i) {
			return f[17]
		}
	}
	c.t.Fatalf("no r%d in HAProxy's stats:\n%s", i, out)
	return ""
}

// newCluster starts n replicas on a fresh PostgreSQL database and HAProxy
// in front of them; everything stops when t ends.
func newCluster(t *testing.T, n int) *cluster {
	t.Helper()
	if _, err := exec.LookPath("haproxy"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no haproxy (scripts/install-deps.sh installs it)")
		}
		t.Skip("no haproxy")
	}
	c := &cluster{t: t, bin: scimdBinary(t), db: pgtest.Database(t)}
	for range n {
		c.replicas = append(c.replicas, c.start(freeAddr(t), c.bin))
	}
	for _, r := range c.replicas {
		waitReady(t, r.url())
	}
	c.startBalancer()
	return c
}

// start runs one replica of bin on addr.
func (c *cluster) start(addr, bin string) *replica {
	c.t.Helper()
	r := &replica{addr: addr, log: &pebbletest.SyncBuffer{}, done: make(chan struct{})}
	r.cmd = exec.Command(bin, "serve", "--listen", addr, "--db", c.db, "--log-level", "warn")
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	if err := r.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() { r.cmd.Wait(); close(r.done) }()
	c.t.Cleanup(func() { r.stop() })
	return r
}

// stop ends r gracefully (SIGTERM), or kills it after 20 s.
func (r *replica) stop() {
	select {
	case <-r.done:
		return
	default:
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(20 * time.Second):
		r.cmd.Process.Kill()
		<-r.done
	}
}

// kill ends r as a crash does: SIGKILL, nothing flushed.
func (r *replica) kill() {
	r.cmd.Process.Kill()
	<-r.done
}

func (c *cluster) startBalancer() {
	c.t.Helper()
	lbAddr := freeAddr(c.t)
	var servers strings.Builder
	for i, r := range c.replicas {
		fmt.Fprintf(&servers, "    server r%d %s check\n", i, r.addr)
	}
	c.stats = filepath.Join(c.t.TempDir(), "haproxy.sock")
	cfg := fmt.Sprintf(`global
    maxconn 4096
    stats socket %s level admin
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 2
    option redispatch
frontend scim
    bind %s
    default_backend replicas
backend replicas
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 250ms fall 2 rise 2
%s`, c.stats, lbAddr, servers.String())
	file := filepath.Join(c.t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		c.t.Fatal(err)
	}
	log := &pebbletest.SyncBuffer{}
	c.haproxy = exec.Command("haproxy", "-db", "-f", file)
	c.haproxy.Stdout, c.haproxy.Stderr = log, log
	if err := c.haproxy.Start(); err != nil {
		c.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { c.haproxy.Wait(); close(done) }()
	c.t.Cleanup(func() {
		c.haproxy.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			c.haproxy.Process.Kill()
		}
		if c.t.Failed() {
			c.t.Logf("haproxy:\n%s", log.String())
		}
	})
	c.lb = "http://" + lbAddr
	waitReady(c.t, c.lb)
}

// cli runs a visitly-scimd command on the cluster's database and returns
// its standard output, trimmed.
func (c *cluster) cli(args ...string) string {
	c.t.Helper()
	cmd := exec.Command(c.bin, append(args, "--db", c.db)...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		c.t.Fatalf("visitly-scimd %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return strings.TrimSpace(string(out))
}

// waitReady waits until base/readyz answers 200.
func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is not ready after 30 s: %v", base, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// do sends one request with the bearer token and returns the status and body.
func do(ctx context.Context, client *http.Client, method, url, token, body string) (int, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}
