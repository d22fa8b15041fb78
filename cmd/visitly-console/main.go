// Command visitly-console is the Visitly Host Sync desktop console. Without a subcommand it opens
// the window; by default it starts the host-sync service in-process on loopback and talks to it
// over HTTP exactly as to a remote visitly-scimd.
package main

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// processStart is when the process started, for the time-to-first-frame figure: the kernel's
// record where the OS has one, else this package's initialisation.
var processStart = func() time.Time {
	if t, ok := processStarted(); ok {
		return t
	}
	return time.Now()
}()

// initTime is when this package initialised (the runtime had started by then).
var initTime = time.Now()

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func main() {
	// The scriptable subcommands: same data folder, mirror and keyring as the window.
	commands := map[string]Command{
		"sync":      cliCommand("sync", cmdSync),
		"hosts":     cliCommand("hosts", cmdHosts),
		"restore":   cliCommand("restore", cmdRestore),
		"activity":  cliCommand("activity", cmdActivity),
		"connect":   cliCommand("connect", cmdConnect),
		"uninstall": cmdUninstall,
	}
	if err := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, commands); err != nil {
		var code exitCode
		if !errors.As(err, &code) {
			fmt.Fprintln(os.Stderr, "visitly-console:", err)
			code = 1
		}
		os.Exit(int(code))
	}
}
