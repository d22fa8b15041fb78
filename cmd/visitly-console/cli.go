package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/storage/keyring"
	"github.com/visitly/hostsync/storage/mirror"
	"github.com/visitly/hostsync/ui"
)

// cliEnv is what a subcommand works with; tests build one with an in-memory
// keyring and a temp data folder.
type cliEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	dataDir        string
	secrets        ui.SecretStore
	log            *slog.Logger
}

type cliFunc func(ctx context.Context, e *cliEnv, args []string) error

// errReported ends a command with exit code 1 after it has already written
// its own error lines (one per failed item).
var errReported = errors.New("failure already reported")

// usageError is a bad command line: exit code 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// cliCommand makes a Command of a scriptable subcommand. Exit codes: 0 ok, 1 failure, 2 usage;
// errors on stderr in one line.
func cliCommand(name string, f cliFunc) Command {
	return func(ctx context.Context, env *CommandEnv, args []string) int {
		// Ctrl-C cancels cleanly: a sync keeps every page it committed.
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
		defer stop()
		var keyring ui.SecretStore = env.Keyring
		e := &cliEnv{stdin: env.Stdin, stdout: env.Stdout, stderr: env.Stderr, dataDir: env.DataDir, secrets: keyring,
			log: slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
		return runCLI(ctx, name, f, e, args)
	}
}

// runCLI runs one subcommand and turns its error into a line on stderr and an
// exit code.
func runCLI(ctx context.Context, name string, f cliFunc, e *cliEnv, args []string) int {
	err := f(ctx, e, args)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errReported):
		return 1
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "visitly-console %s: %s (see visitly-console %s -h)\n", name, oneLine(ue.msg), name)
		return 2
	default:
		msg := oneLine(err.Error())
		if h := hostsync.KeyringHint(err); h != "" && (errors.Is(err, keyring.ErrUnavailable) || errors.Is(err, keyring.ErrTooBig)) {
			msg += " — " + oneLine(h)
		}
		fmt.Fprintf(e.stderr, "visitly-console %s: %s\n", name, msg)
		return 1
	}
}

// oneLine keeps an error on a single line, for scripts and logs.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// flags returns a FlagSet whose parse errors become usage errors.
func (e *cliEnv) flags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "usage: visitly-console %s %s\n", name, usage)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseFlags parses args; -h prints the usage (once: the flag package
// calls fs.Usage itself) and is not an error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}

// serviceKey names the configured service for mirror.Path: "" for the
// embedded one, the normalised URL for a remote one.
func serviceKey(cfg config) (string, error) {
	if !cfg.Remote {
		return "", nil
	}
	u, err := scimclient.ParseServiceURL(cfg.RemoteURL)
	if err != nil {
		return "", fmt.Errorf("settings: remote service URL: %w", err)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// openMirror opens the configured service's mirror.
func (e *cliEnv) openMirror(ctx context.Context) (*mirror.Mirror, error) {
	cfg, err := loadConfig(e.dataDir)
	if err != nil {
		return nil, err
	}
	key, err := serviceKey(cfg)
	if err != nil {
		return nil, err
	}
	return mirror.Open(ctx, mirror.Path(e.dataDir, key))
}

// connect reaches the configured service as the window does: a remote one
// with the admin credential from the keyring, or the embedded one started
// in-process on an ephemeral loopback port (the window may hold the
// configured port). close stops it.
func (e *cliEnv) connect(ctx context.Context) (svc ui.Service, close func(), err error) {
	cfg, err := loadConfig(e.dataDir)
	if err != nil {
		return nil, nil, err
	}
	b := newBackend(e.dataDir, cfg, e.secrets, e.log, version)
	var sess *ui.Session
	if cfg.Remote {
		sess, err = b.connectRemote(ctx, cfg.RemoteURL, "")
		if errors.Is(err, ui.ErrNoAdminCredential) {
			err = fmt.Errorf("%w: run `visitly-console connect --server %s` with the admin credential on stdin", err, cfg.RemoteURL)
		}
	} else {
		sess, err = b.connectEmbedded(ctx, "127.0.0.1:0")
	}
	if err != nil {
		b.Close()
		return nil, nil, err
	}
	return sess.Service, func() { b.Close() }, nil
}

// syncMirror runs one incremental sync of the configured service's mirror.
func (e *cliEnv) syncMirror(ctx context.Context, c hostsync.Feed) (hostsync.SyncResult, error) {
	m, err := e.openMirror(ctx)
	if err != nil {
		return hostsync.SyncResult{}, err
	}
	defer m.Close()
	return m.Sync(ctx, c, hostsync.SyncOptions{})
}

func cmdSync(ctx context.Context, e *cliEnv, args []string) error {
	fs := e.flags("sync", "\n\nOne incremental sync of the local mirror with the service; prints counts and duration.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	c, closeConn, err := e.connect(ctx)
	if err != nil {
		return err
	}
	defer closeConn()
	res, err := e.syncMirror(ctx, c)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "synced %s: %d hosts, %d groups, %d events in %s (cursor %d)\n",
		c.URL(), res.Hosts, res.Groups, res.Events, res.Duration.Round(time.Millisecond), res.ChangesCursor)
	return nil
}

func cmdRestore(ctx context.Context, e *cliEnv, args []string) error {
	fs := e.flags("restore", "ID...\n\nMakes deleted or deactivated hosts active again, then syncs the mirror.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("name at least one host id")
	}
	c, closeConn, err := e.connect(ctx)
	if err != nil {
		return err
	}
	defer closeConn()
	failed := 0
	for _, id := range fs.Args() {
		h, err := c.Restore(ctx, id)
		var se *scimclient.Error
		switch {
		case err == nil:
			fmt.Fprintf(e.stdout, "restored %s (%s)\n", id, h.UserName)
			continue
		case scimclient.IsConflict(err) && errors.As(err, &se) && se.Detail != "":
			fmt.Fprintf(e.stderr, "visitly-console restore: %s: %s; nothing changed\n", id, oneLine(se.Detail))
		case scimclient.IsConflict(err):
			fmt.Fprintf(e.stderr, "visitly-console restore: %s: its userName is taken by a live host; nothing changed\n", id)
		case scimclient.IsNotFound(err):
			fmt.Fprintf(e.stderr, "visitly-console restore: %s: no such host\n", id)
		default:
			return fmt.Errorf("%s: %w", id, err)
		}
		failed++
	}
	if failed < fs.NArg() {
		fmt.Fprintln(e.stderr, "note: Azure AD's next change can undo a restore; the lasting fix is to re-assign the user in Azure AD.")
	}
	if _, err := e.syncMirror(ctx, c); err != nil {
		return fmt.Errorf("mirror sync after restore: %w", err)
	}
	if failed > 0 {
		return errReported
	}
	return nil
}
