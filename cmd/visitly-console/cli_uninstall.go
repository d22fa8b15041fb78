package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/keyring"
)

// cmdUninstall removes what the console left on this computer outside its
// program file: every keyring entry under the app ID (API keys, admin
// credentials, for the embedded and any remote service) and, with
// --purge-data, the data folder (service database, mirror, settings).
func cmdUninstall(_ context.Context, env *CommandEnv, args []string) int {
	fs := flag.NewFlagSet("uninstall", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	purge := fs.Bool("purge-data", false, "also delete the data folder: the embedded service's database, the mirror and settings")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fmt.Fprintln(env.Stderr, "usage: visitly-console uninstall [--purge-data]")
		return 2
	}
	if err := env.Keyring.DeleteAll(); err != nil {
		fmt.Fprintf(env.Stderr, "visitly-console: could not remove the keyring entries of %s: %v\n", env.Keyring.Service, err)
		if errors.Is(err, keyring.ErrUnavailable) {
			fmt.Fprintln(env.Stderr, hostsync.KeyringHint(err))
		}
		return 1
	}
	fmt.Fprintf(env.Stdout, "removed every keyring entry of %s\n", env.Keyring.Service)
	if *purge {
		if err := os.RemoveAll(env.DataDir); err != nil {
			fmt.Fprintf(env.Stderr, "visitly-console: could not delete %s: %v\n", env.DataDir, err)
			return 1
		}
		fmt.Fprintf(env.Stdout, "deleted %s\n", env.DataDir)
	} else {
		fmt.Fprintf(env.Stdout, "kept the data folder %s (add --purge-data to delete it)\n", env.DataDir)
	}
	return 0
}
