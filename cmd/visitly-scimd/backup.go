package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/hostdb"
)

// hint is an error shown as one line that says what to do; the cause stays
// reachable for errors.Is.
type hint struct {
	msg string
	err error
}

func (h *hint) Error() string { return h.msg }
func (h *hint) Unwrap() error { return h.err }

func parseFlags(name string, args []string, define func(*flag.FlagSet)) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	define(fs)
	if err := fs.Parse(args); err != nil {
		return usageError("%s: %v", name, err)
	}
	if fs.NArg() > 0 {
		return usageError("%s takes no arguments", name)
	}
	return nil
}

// runBackup copies the database, also while a service serves and writes
// it, and prints the path of the backup alone.
func runBackup(args []string, stdout io.Writer) error {
	var db, to string
	if err := parseFlags("backup", args, func(fs *flag.FlagSet) {
		dbFlag(fs, &db)
		fs.StringVar(&to, "to", "", "backup file to write, or a folder to write a dated backup into")
	}); err != nil {
		return err
	}
	if err := notOnPostgres("backup", db); err != nil {
		return err
	}
	if db == "" || to == "" {
		return usageError("backup needs --db FILE and --to BACKUP")
	}
	// Ctrl-C stops the copy and removes the partial file.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	path, err := hostdb.BackupFile(ctx, db, to)
	if err != nil {
		if path == "" {
			path = to
		}
		return backupError(err, db, path)
	}
	fmt.Fprintln(stdout, path)
	return nil
}

func backupError(err error, db, to string) error {
	var bad *hostdb.BadFileError
	var pe *fs.PathError
	switch {
	case errors.Is(err, hostsync.ErrNoSpace):
		return &hint{fmt.Sprintf("backup failed: the disk holding %s is full; free space there or choose another --to (no backup was written)", filepath.Dir(to)), err}
	case errors.As(err, &bad):
		return &hint{fmt.Sprintf("backup failed: %s is %s; check --db", db, bad.Reason), err}
	case errors.Is(err, fs.ErrExist):
		return &hint{fmt.Sprintf("backup failed: %s already exists; choose a new name or a folder for --to (a backup never replaces a file)", to), err}
	case errors.As(err, &pe) && pe.Path == db && errors.Is(err, fs.ErrNotExist):
		return &hint{fmt.Sprintf("backup failed: there is no database %s; check --db", db), err}
	case errors.Is(err, fs.ErrNotExist):
		return &hint{fmt.Sprintf("backup failed: folder %s does not exist; create it or choose another --to", filepath.Dir(to)), err}
	case errors.Is(err, fs.ErrPermission):
		return &hint{fmt.Sprintf("backup failed: cannot write in %s (permission denied); choose a folder this user may write to for --to", filepath.Dir(to)), err}
	case errors.Is(err, syscall.EROFS):
		return &hint{fmt.Sprintf("backup failed: cannot write in %s (read-only file system); choose another --to", filepath.Dir(to)), err}
	case errors.Is(err, context.Canceled):
		return &hint{"backup interrupted; no backup was written", err}
	}
	return fmt.Errorf("backup failed (no backup was written): %w", err)
}

// runRestore replaces the database of a stopped service with a backup.
func runRestore(args []string, stdout io.Writer) error {
	var from, db string
	var force bool
	if err := parseFlags("restore", args, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "backup file to restore")
		dbFlag(fs, &db)
		fs.BoolVar(&force, "force", false, "replace an existing database")
	}); err != nil {
		return err
	}
	if err := notOnPostgres("restore", db); err != nil {
		return err
	}
	if from == "" || db == "" {
		return usageError("restore needs --from BACKUP and --db FILE")
	}
	rep, err := hostdb.Restore(context.Background(), from, db, force)
	if err != nil {
		return restoreError(err, from, db)
	}
	printRestore(stdout, rep, from, db)
	return nil
}

// printRestore says what the restore kept and carried over, so that an
// admin sees which credentials the backup would have brought back.
func printRestore(w io.Writer, rep hostdb.RestoreReport, from, db string) {
	fmt.Fprintf(w, "restored %s from %s; start the service again\n", db, from)
	if rep.Kept != "" {
		fmt.Fprintf(w, "the replaced database is kept as %s\n", rep.Kept)
	}
	if rep.Unread != nil {
		fmt.Fprintf(w, "the replaced database could not be read, so no revocation was carried over from it: %v\n", rep.Unread)
	}
	for _, k := range rep.Revoked {
		fmt.Fprintf(w, "API key %s (%s, %s…) stays revoked: it was revoked at %s, after the backup\n",
			k.ID, k.Label, k.Prefix, k.Revoked.Format(time.RFC3339))
	}
	if !rep.AdminToken.IsZero() {
		fmt.Fprintf(w, "the admin credential made at %s stays: the backup's had been replaced since\n", rep.AdminToken.Format(time.RFC3339))
	}
	for _, k := range rep.Unknown {
		fmt.Fprintf(w, "warning: API key %s (%s, %s…, made %s) is in the backup but the replaced database never had it; revoke it (apikey revoke --db %s %s) unless you made it\n",
			k.ID, k.Label, k.Prefix, k.Created.Format(time.RFC3339), db, k.ID)
	}
}

func restoreError(err error, from, db string) error {
	var bad *hostdb.BadFileError
	var pe *fs.PathError
	switch {
	case errors.As(err, &bad):
		return &hint{fmt.Sprintf("restore refused: %s is not a usable backup: %s; choose another backup (%s is unchanged)", from, bad.Reason, db), err}
	case errors.Is(err, hostdb.ErrInUse):
		return &hint{fmt.Sprintf("restore refused: %s is in use; stop the service first (systemctl stop visitly-scimd, or visitly-scimd service stop on Windows), then restore", db), err}
	case errors.Is(err, fs.ErrExist):
		return &hint{fmt.Sprintf("restore refused: %s exists; stop the service and add --force to replace it", db), err}
	case errors.Is(err, hostsync.ErrNoSpace):
		return &hint{fmt.Sprintf("restore failed: the disk holding %s is full; free space there and try again (%s is unchanged)", db, db), err}
	case errors.As(err, &pe) && pe.Path == from && errors.Is(err, fs.ErrNotExist):
		return &hint{fmt.Sprintf("restore failed: there is no backup %s; check --from", from), err}
	case errors.Is(err, fs.ErrNotExist):
		return &hint{fmt.Sprintf("restore failed: folder %s does not exist; create it or check --db", filepath.Dir(db)), err}
	case errors.Is(err, fs.ErrPermission):
		return &hint{fmt.Sprintf("restore failed: permission denied reading %s or writing beside %s; run as the service's user", from, db), err}
	}
	return fmt.Errorf("restore failed (%s is unchanged): %w", db, err)
}
