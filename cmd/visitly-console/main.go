// Command visitly-console is the Visitly Host Sync desktop console. Without a subcommand it opens
// the window; by default it starts the host-sync service in-process on loopback and talks to it
// over HTTP exactly as to a remote visitly-scimd.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/visitly/hostsync/assets"
	"github.com/visitly/hostsync/storage/keyring"
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

// Command is a subcommand: `visitly-console NAME args…`. It returns the exit code
// (0 ok, 1 failure, 2 usage).
type Command func(ctx context.Context, env *CommandEnv, args []string) int

// CommandEnv is what a subcommand gets: streams, the data folder and the same keyring and
// service connection as the window.
type CommandEnv struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	DataDir        string
	Keyring        *keyring.Keyring
	Log            *slog.Logger
}

// commands maps subcommand names to their functions; cli*.go files add theirs in init.
var commands = map[string]Command{}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches a subcommand, or opens the window.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("visitly-console", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dirFlag := fs.String("data-dir", "", "folder for all local state (default: the OS's per-user data folder; env VISITLY_DATA_DIR)")
	measure := fs.Bool("measure-startup", false, "print the time to the first painted frame and quit")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: visitly-console [--data-dir DIR] [subcommand args…]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *showVersion {
		fmt.Fprintln(stdout, "visitly-console", version)
		return 0
	}
	dir, err := dataDir(*dirFlag)
	if err == nil {
		err = os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		fmt.Fprintln(stderr, "visitly-console: data folder:", err)
		return 1
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel()}))
	env := &CommandEnv{Stdin: stdin, Stdout: stdout, Stderr: stderr, DataDir: dir, Keyring: keyring.New(assets.AppID), Log: log}
	if rest := fs.Args(); len(rest) > 0 {
		cmd, ok := commands[rest[0]]
		if !ok {
			fmt.Fprintf(stderr, "visitly-console: unknown command %q\n", rest[0])
			return 2
		}
		return cmd(context.Background(), env, rest[1:])
	}
	if err := runWindow(env, *measure); err != nil {
		fmt.Fprintln(stderr, "visitly-console:", err)
		return 1
	}
	return 0
}

// logLevel is Info, or Debug when VISITLY_DEBUG is set.
func logLevel() slog.Level {
	if os.Getenv("VISITLY_DEBUG") != "" {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}
