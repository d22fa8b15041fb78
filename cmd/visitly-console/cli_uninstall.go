package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/keyring"
)

// cmdUninstall removes what the console left on this computer outside its
// program file: every keyring entry under the app ID (API keys, admin
// credentials, for the embedded and any remote service) and, with
// --purge-data, the data folder (service database, mirror, settings).
func cmdUninstall(_ context.Context, env *CommandEnv, args []string) int {
	flags := flag.NewFlagSet("uninstall", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	purge := flags.Bool("purge-data", false, "also delete the data folder: the embedded service's database, the mirror and settings")
	if err := flags.Parse(args); err != nil || flags.NArg() > 0 {
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
		if err := removeAll(env.DataDir); err != nil {
			fmt.Fprintf(env.Stderr, "visitly-console: could not delete %s: %v\n", env.DataDir, err)
			return 1
		}
		fmt.Fprintf(env.Stdout, "deleted %s\n", env.DataDir)
	} else {
		fmt.Fprintf(env.Stdout, "kept the data folder %s (add --purge-data to delete it)\n", env.DataDir)
	}
	return 0
}

// removeAll deletes dir and everything in it. os.RemoveAll on Windows deletes
// through FileDispositionInformationEx, which Windows 10 and 11 have but Wine
// 8 does not ("Invalid function"); then it falls back to deleting one entry at
// a time, deepest first, with os.Remove (DeleteFileW, RemoveDirectoryW).
func removeAll(dir string) error {
	err := os.RemoveAll(dir)
	if err == nil {
		return nil
	}
	var paths []string
	if werr := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err == nil {
			paths = append(paths, p)
		}
		return err
	}); werr != nil {
		return err
	}
	slices.Reverse(paths)
	for _, p := range paths {
		if rerr := os.Remove(p); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			return fmt.Errorf("%w (then %w)", err, rerr)
		}
	}
	return nil
}
