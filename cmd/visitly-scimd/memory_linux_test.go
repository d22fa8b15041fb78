package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/hostdb"
)

// TestMemoryUnderClientsThatDoNotRead runs the real binary on 20,000 hosts
// (pages of 1,000 are about 2 MB) and opens 300 connections that each ask for
// such a page and never read a byte. The service must stay under 200 MB
// resident at its peak (VmHWM) and keep answering a normal client promptly.
// Before list pages were streamed, each stuck answer held its whole page:
// 300 of them took the service past 600 MB.
//
// It measures a process's resident memory, which depends on how far the
// garbage collector lags behind, so it runs alone: with VISITLY_MEMORY_TEST=1,
// as a step of its own in scripts/test.sh after go test. Beside 15 other test
// binaries and a cold compile on two cores it once peaked at 209 MB where
// alone it stays at 139-168 MB.
//
// VISITLY_SCIMD_BIN runs another build of the binary instead (to measure an
// older one).
func TestMemoryUnderClientsThatDoNotRead(t *testing.T) {
	if os.Getenv("VISITLY_MEMORY_TEST") != "1" {
		t.Skip("a resident-memory measurement: run alone, with VISITLY_MEMORY_TEST=1 (scripts/test.sh does)")
	}
	const (
		hosts   = 20_000
		clients = 300
		limitMB = 200
	)
	dir := t.TempDir()
	bin := os.Getenv("VISITLY_SCIMD_BIN")
	if bin == "" {
		bin = filepath.Join(dir, "visitly-scimd")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
	}
	db := filepath.Join(dir, "hostsync.db")
	key := seedHosts(t, db, hosts)

	addr := freeAddr(t)
	// All the clients come from 127.0.0.1: lift the per-address cap, which
	// would otherwise refuse all but 64 of them, to measure the memory of 300.
	cmd := exec.Command(bin, "serve", "--listen", addr, "--db", db, "--log-level", "warn", "--max-connections-per-address", "512")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	base := "http://" + addr + "/v1/usersync/SCIM/Users"
	waitUp(t, "http://"+addr+"/healthz")

	page := get(t, base+"?count=1000", key, 30*time.Second)
	if len(page) < 1_500_000 {
		t.Fatalf("a page of 1,000 is %d bytes; the test wants ~2 MB pages", len(page))
	}
	for start := 1001; start <= hosts; start += 1000 { // every host once: the host cache is full
		get(t, base+"?count=1000&startIndex="+strconv.Itoa(start), key, 30*time.Second)
	}
	before := vmKB(t, cmd.Process.Pid, "VmRSS") >> 10
	t.Logf("a page of 1,000 hosts: %.1f MB; resident after reading every page once: %d MB", float64(len(page))/1e6, before)

	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range clients {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		// A client across a network holds little in flight; on loopback
		// the kernel would otherwise buffer megabytes per connection.
		if err := c.(*net.TCPConn).SetReadBuffer(16 << 10); err != nil {
			t.Fatal(err)
		}
		// Each asks for another page, so that no two answers are the same.
		start := 1 + (i%hosts/1000)*1000
		fmt.Fprintf(c, "GET /v1/usersync/SCIM/Users?count=1000&startIndex=%d HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n", start, addr, key)
		conns = append(conns, c)
	}
	// Give the service time to build and start writing every answer.
	deadline := time.Now().Add(6 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
	}
	peak := vmKB(t, cmd.Process.Pid, "VmHWM") >> 10
	t.Logf("%d clients that do not read: peak resident %d MB (limit %d MB), %d MB more than before them", clients, peak, limitMB, peak-before)
	if peak >= limitMB {
		t.Errorf("peak resident set %d MB, want under %d MB", peak, limitMB)
	}

	start := time.Now()
	get(t, base+"?filter="+strings.ReplaceAll(`userName eq "u00042@contoso.example"`, " ", "+"), key, 5*time.Second)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a normal query took %v beside the stuck clients", d)
	}
}

// seedHosts fills db with n hosts of a full Azure AD profile (~2 KB each as
// a SCIM resource) and returns an API key.
func seedHosts(t *testing.T, db string, n int) string {
	t.Helper()
	ctx := context.Background()
	st, err := hostdb.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, _, err := st.CreateAPIKey(ctx, hostsync.Actor{Kind: hostsync.ActorCLI}, "Azure AD", hostsync.IdPAzureAD)
	if err != nil {
		t.Fatal(err)
	}
	const workers = 16
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				if _, err := st.CreateHost(ctx, hostsync.Actor{Kind: hostsync.ActorCLI}, seedHost(i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return key
}

func seedHost(i int) *hostsync.HostRecord {
	user := fmt.Sprintf("u%05d@contoso.example", i)
	name := fmt.Sprintf("Person %05d", i)
	doc := map[string]any{
		"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
		"userName":    user,
		"externalId":  fmt.Sprintf("0d6e1f7a-%04d-4c1b-9f1e-%012d", i%10000, i),
		"active":      true,
		"displayName": name,
		"title":       "Senior Facilities Coordinator, Visitor Experience",
		"name":        map[string]any{"givenName": "Person", "familyName": fmt.Sprintf("%05d", i), "formatted": name},
		"emails":      []any{map[string]any{"type": "work", "value": user, "primary": true}},
		"phoneNumbers": []any{
			map[string]any{"type": "work", "value": "+44 20 7946 " + fmt.Sprintf("%04d", i%10000)},
			map[string]any{"type": "mobile", "value": "+44 7700 900" + fmt.Sprintf("%03d", i%1000)},
			map[string]any{"type": "fax", "value": "+44 20 7946 0000"},
		},
		"addresses": []any{map[string]any{"type": "work", "streetAddress": "1 Canada Square, Floor " + strconv.Itoa(i%40),
			"locality": "London", "region": "Greater London", "postalCode": "E14 5AB", "country": "GB", "formatted": "1 Canada Square, London E14 5AB, United Kingdom", "primary": true}},
		"preferredLanguage": "en-GB",
		"locale":            "en-GB",
		"timezone":          "Europe/London",
		"userType":          "Employee",
		"nickName":          fmt.Sprintf("p%05d", i),
		"profileUrl":        "https://intranet.contoso.example/people/" + user,
		"roles":             []any{map[string]any{"value": "visitor-host", "display": "Visitor host", "type": "WindowsAzureActiveDirectoryRole", "primary": false}},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{
			"employeeNumber": strconv.Itoa(100000 + i), "costCenter": "CC-4711-Facilities-and-Workplace", "organization": "Contoso Ltd",
			"division": "Operations and Workplace Services", "department": "Workplace Experience and Reception Services",
			"manager": map[string]any{"value": fmt.Sprintf("0d6e1f7a-0000-4c1b-9f1e-%012d", i/10), "displayName": "Manager of " + name},
		},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return &hostsync.HostRecord{UserName: user, ExternalID: doc["externalId"].(string), DisplayName: name, Email: user, Active: true, Attrs: b}
}

func waitUp(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("service did not come up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// get reads url with the API key on a fresh connection.
func get(t *testing.T, url, key string, timeout time.Duration) []byte {
	t.Helper()
	c := &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d, %v", url, resp.StatusCode, err)
	}
	return b
}

// vmKB reads a field (VmHWM, VmRSS) of /proc/PID/status, in kB.
func vmKB(t *testing.T, pid int, field string) int {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
