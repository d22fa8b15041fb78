// Command visitly-load measures the host-sync service the way Azure AD, Okta
// or OneLogin use it: the initial provisioning cycle, paging through every
// host, and a steady read/write mix, each request shaped as that provider
// sends it. It talks HTTP to a running service, so what it measures includes
// the real server, the real SQLite file and JSON on the wire.
//
//	visitly-load -url http://127.0.0.1:8080/v1/usersync/SCIM -key KEY -scenario all
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "visitly-load:", err)
		os.Exit(1)
	}
}

type config struct {
	url, key, scenario, prefix string
	cpuProfile                 string
	netHTTP                    bool
	clients, users             int
	duration                   time.Duration
}

func run(args []string, out io.Writer) error {
	var c config
	fs := flag.NewFlagSet("visitly-load", flag.ContinueOnError)
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080/v1/usersync/SCIM", "the Tenant URL of the service")
	fs.StringVar(&c.key, "key", os.Getenv("VISITLY_API_KEY"), "API key (or $VISITLY_API_KEY)")
	fs.StringVar(&c.scenario, "scenario", "all", "Azure AD's initial, mix, paging or all (initial, then paging, then mix); okta or onelogin (that provider's initial, paging, mix)")
	fs.IntVar(&c.clients, "clients", 16, "concurrent clients")
	fs.IntVar(&c.users, "users", 100000, "users the initial cycle creates")
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "how long the mix runs")
	fs.StringVar(&c.prefix, "prefix", fmt.Sprintf("load%d", time.Now().Unix()), "userName prefix (keeps runs apart)")
	fs.BoolVar(&c.netHTTP, "net-http", false, "use Go's net/http client also for http:// (it costs more CPU)")
	fs.StringVar(&c.cpuProfile, "cpu-profile", "", "write a CPU profile of the load tool itself to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if c.key == "" {
		return fmt.Errorf("no API key: pass -key or set VISITLY_API_KEY")
	}
	c.url = strings.TrimRight(c.url, "/")
	steps := map[string][]string{"initial": {"initial"}, "paging": {"paging"}, "mix": {"paging", "mix"}, "all": {"initial", "paging", "mix"},
		"okta": {"initial", "paging", "mix"}, "onelogin": {"initial", "paging", "mix"}}[c.scenario]
	if steps == nil {
		return fmt.Errorf("unknown scenario %q", c.scenario)
	}
	p := profileFor(c.scenario)
	cl, err := newClient(c, p)
	if err != nil {
		return err
	}
	ctx := context.Background()
	fmt.Fprintf(out, "visitly-load: %s, %d clients, requests shaped as %s sends them\n", c.url, c.clients, p.name)
	var hosts []hostRef
	var failed error
	for _, step := range steps {
		var r result
		var err error
		switch step {
		case "initial":
			r, err = initialCycle(ctx, cl, c, p)
		case "paging":
			r, hosts, err = paging(ctx, cl, p)
		case "mix":
			r, err = mix(ctx, cl, c, hosts, p)
		}
		if err != nil {
			return err
		}
		if err := report(out, r); err != nil && failed == nil {
			failed = err
		}
	}
	return failed
}

// client is a keep-alive HTTP client with the bearer key and a profile's
// headers: rawHTTP for an http:// URL, net/http for https:// (and with
// -net-http).
type client struct {
	hc   *http.Client
	raw  *rawHTTP
	base string
	auth string
	hdr  headers
}

func newClient(c config, p profile) (*client, error) {
	u, err := url.Parse(c.url)
	if err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("-url %q is not an http:// or https:// URL", c.url)
	}
	cl := &client{base: c.url, auth: "Bearer " + c.key, hdr: headers{accept: p.accept, contentType: p.contentType}}
	if u.Scheme == "http" && !c.netHTTP {
		cl.raw = newRawHTTP(u, cl.auth, cl.hdr, c.clients)
		return cl, nil
	}
	tr := &http.Transport{MaxIdleConns: c.clients * 2, MaxIdleConnsPerHost: c.clients * 2, IdleConnTimeout: time.Minute}
	cl.hc = &http.Client{Transport: tr, Timeout: 60 * time.Second}
	return cl, nil
}

// do sends one request and drains the response; it returns the status.
func (c *client) do(ctx context.Context, method, path, body string, into io.Writer) (int, error) {
	if c.raw != nil {
		return c.raw.do(method, path, body, into)
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", c.auth)
	if c.hdr.accept != "" {
		req.Header.Set("Accept", c.hdr.accept)
	}
	if body != "" {
		req.Header.Set("Content-Type", c.hdr.contentType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if into == nil {
		into = io.Discard
	}
	_, err = io.Copy(into, resp.Body)
	return resp.StatusCode, err
}
