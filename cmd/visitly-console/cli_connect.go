package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/visitly/hostsync/scimclient"
)

func cmdConnect(ctx context.Context, e *cliEnv, args []string) error {
	fs := e.flags("connect", "--server URL < credential\n       visitly-console connect --embedded\n\n"+
		"Points the console at a remote visitly-scimd: reads its admin credential from stdin, checks it, stores it in the OS keyring.\n"+
		"--embedded switches back to the service built into the console.")
	server := fs.String("server", "", "the service URL, e.g. https://hosts.example.com")
	embedded := fs.Bool("embedded", false, "use the embedded service again")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if (*server == "") == !*embedded {
		return usagef("give either --server URL or --embedded")
	}
	cfg, err := loadConfig(e.dataDir)
	if err != nil {
		return err
	}
	if *embedded {
		cfg.Remote = false
		if err := saveConfig(e.dataDir, cfg); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "using the embedded service")
		return nil
	}
	u, err := scimclient.ParseServiceURL(*server)
	if err != nil {
		return usagef("--server: %v", err)
	}
	token, err := readCredential(e)
	if err != nil {
		return err
	}
	// Check the credential before keeping it, so a typo never replaces a
	// working one.
	c, err := scimclient.New(u.String(), scimclient.WithAdminToken(token), scimclient.WithHTTPClient(scimclient.NewHTTPClient()))
	if err != nil {
		return usagef("--server: %v", err)
	}
	st, err := c.Status(ctx)
	switch {
	case scimclient.IsUnauthorized(err):
		return fmt.Errorf("%s refused this admin credential; nothing was stored", u)
	case errors.Is(err, scimclient.ErrUnreachable):
		return fmt.Errorf("cannot reach %s (%w); nothing was stored", u, err)
	case err != nil:
		return fmt.Errorf("%s: %w; nothing was stored", u, err)
	}
	b := newBackend(e.dataDir, cfg, e.secrets, e.log, version)
	account, _ := b.accounts(u.String())
	if err := e.secrets.Set(account, token); err != nil {
		return fmt.Errorf("store the admin credential: %w", err)
	}
	cfg.Remote, cfg.RemoteURL = true, u.String()
	if err := saveConfig(e.dataDir, cfg); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "connected to %s (%s %s, %d active hosts); admin credential stored in the OS keyring\n",
		c.URL(), st.Service, st.Version, st.Hosts.Active)
	return nil
}

// readCredential reads the admin credential: the first line of stdin.
func readCredential(e *cliEnv) (string, error) {
	if e.stdin == nil {
		return "", usagef("pipe the admin credential on stdin")
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", usagef("no admin credential on stdin")
	}
	token := strings.TrimSpace(line)
	if token == "" {
		return "", usagef("no admin credential on stdin")
	}
	return token, nil
}
