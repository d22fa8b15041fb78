// Command visitly-scimd is the headless host-sync service: the SCIM 2.0
// endpoint Azure AD provisions hosts into, plus offline operations on its
// database for scripts and first set-up (API keys, the admin credential).
package main

import (
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if runningAsService() {
		return
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: visitly-scimd <command> [flags]

commands:
  serve        --listen ADDR --db FILE [--tls-cert F --tls-key F] [--public-url URL]
               [--acme-domain NAME [--acme-email E] [--acme-http-listen :80]
                [--acme-directory URL] [--acme-ca-root FILE]]
               run the SCIM service (graceful shutdown on SIGINT/SIGTERM);
               --acme-domain gets and renews its HTTPS certificate automatically
  apikey create --db FILE [--label L] [--idp azuread|okta|onelogin]
                                        create an API key for an identity provider (default
                                        azuread); prints the key alone on stdout
  apikey list   --db FILE               list API keys (never the keys themselves)
  apikey revoke --db FILE ID            revoke an API key
  admin-token   --db FILE               create or rotate the admin credential; prints it once
  backup  --db FILE --to BACKUP         copy the database, also while the service runs;
                                        --to may be a folder; prints the backup's path
  restore --from BACKUP --db FILE [--force]
                                        check a backup and put it in place of the database
                                        (the service stopped; --force to replace a database)
  service install|uninstall|start|stop  (Windows) run serve as a Windows service
  version                               print the version
`

// run dispatches a command and returns the process exit code: 0 ok, 1 failure,
// 2 usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = runServe(args[1:], stderr)
	case "apikey":
		err = runAPIKey(args[1:], stdout)
	case "admin-token":
		err = runAdminToken(args[1:], stdout)
	case "backup":
		err = runBackup(args[1:], stdout)
	case "restore":
		err = runRestore(args[1:], stdout)
	case "service":
		err = runService(args[1:], stdout)
	case "version", "--version":
		fmt.Fprintln(stdout, "visitly-scimd", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = usageError("unknown command %q", args[0])
	}
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "visitly-scimd:", err)
	if _, ok := err.(usageErr); ok {
		fmt.Fprint(stderr, usage)
		return 2
	}
	return 1
}

type usageErr struct{ msg string }

func (e usageErr) Error() string { return e.msg }

func usageError(format string, a ...any) error { return usageErr{fmt.Sprintf(format, a...)} }
