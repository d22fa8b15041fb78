package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/visitly/hostsync/assets"
	"github.com/visitly/hostsync/storage/keyring"
)

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

// exitCode ends the process with that code; what went wrong has been written already.
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit status %d", int(c)) }

// run dispatches a subcommand from commands, or opens the window. An error that is not an
// exitCode has not been reported yet.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, commands map[string]Command) error {
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
		return exitCode(2)
	}
	if *showVersion {
		fmt.Fprintln(stdout, "visitly-console", version)
		return nil
	}
	dir, err := dataDir(*dirFlag)
	if err == nil {
		err = os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel()}))
	env := &CommandEnv{Stdin: stdin, Stdout: stdout, Stderr: stderr, DataDir: dir, Keyring: keyring.New(assets.AppID), Log: log}
	if rest := fs.Args(); len(rest) > 0 {
		cmd, ok := commands[rest[0]]
		if !ok {
			fmt.Fprintf(stderr, "visitly-console: unknown command %q\n", rest[0])
			return exitCode(2)
		}
		if code := cmd(context.Background(), env, rest[1:]); code != 0 {
			return exitCode(code)
		}
		return nil
	}
	return showWindow(env, args, *measure)
}

// logLevel is Info, or Debug when VISITLY_DEBUG is set.
func logLevel() slog.Level {
	if os.Getenv("VISITLY_DEBUG") != "" {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}
