package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/service"
)

var cliActor = hostsync.Actor{Kind: hostsync.ActorCLI}

// openDB parses --db and the remaining flags of an offline command.
func openDB(ctx context.Context, name string, args []string, extra func(*flag.FlagSet)) (service.Store, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var db string
	dbFlag(fs, &db)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, usageError("%s: %v", name, err)
	}
	// Flags may follow positional arguments (apikey revoke ID --db F).
	rest := fs.Args()
	var pos []string
	for len(rest) > 0 {
		pos = append(pos, rest[0])
		if err := fs.Parse(rest[1:]); err != nil {
			return nil, nil, usageError("%s: %v", name, err)
		}
		rest = fs.Args()
	}
	if db == "" {
		return nil, nil, usageError("%s needs --db FILE (or a postgres:// URL, or $VISITLY_DB)", name)
	}
	st, err := openStore(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	return st, pos, nil
}

func runAPIKey(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError("apikey needs create, list or revoke")
	}
	ctx := context.Background()
	switch args[0] {
	case "create":
		var label, idpName string
		st, pos, err := openDB(ctx, "apikey create", args[1:], func(fs *flag.FlagSet) {
			fs.StringVar(&label, "label", "", "a name for the key, e.g. \"Azure AD production\"")
			fs.StringVar(&idpName, "idp", string(hostsync.IdPAzureAD), "the identity provider that will hold the key: azuread, okta or onelogin")
		})
		if err != nil {
			return err
		}
		defer st.Close()
		if len(pos) > 0 {
			return usageError("apikey create takes no arguments")
		}
		idp, err := hostsync.ParseIdP(idpName)
		if err != nil {
			return usageError("apikey create --idp: %v", err)
		}
		if label == "" {
			label = "Created " + time.Now().UTC().Format("2006-01-02 15:04") + " UTC"
		}
		secret, _, err := st.CreateAPIKey(ctx, cliActor, label, idp)
		if err != nil {
			return err
		}
		// The key alone on stdout, so scripts can capture it.
		fmt.Fprintln(stdout, secret)
		return nil
	case "list":
		st, _, err := openDB(ctx, "apikey list", args[1:], nil)
		if err != nil {
			return err
		}
		defer st.Close()
		keys, err := st.ListAPIKeys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tLABEL\tIDP\tPREFIX\tCREATED\tLAST USED\tREVOKED")
		for _, k := range keys {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s…\t%s\t%s\t%s\n", k.ID, k.Label, k.IdP.Or().Name(), k.Prefix, day(k.Created), day(k.LastUsed), day(k.Revoked))
		}
		return tw.Flush()
	case "revoke":
		st, pos, err := openDB(ctx, "apikey revoke", args[1:], nil)
		if err != nil {
			return err
		}
		defer st.Close()
		if len(pos) != 1 {
			return usageError("apikey revoke needs exactly one key ID (see apikey list)")
		}
		k, err := st.RevokeAPIKey(ctx, cliActor, pos[0])
		if err != nil {
			return fmt.Errorf("revoke key %s: %w", pos[0], err)
		}
		fmt.Fprintf(stdout, "revoked key %s (%s)\n", k.ID, k.Label)
		return nil
	}
	return usageError("unknown apikey command %q", args[0])
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}

func runAdminToken(args []string, stdout io.Writer) error {
	ctx := context.Background()
	st, pos, err := openDB(ctx, "admin-token", args, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	if len(pos) > 0 {
		return usageError("admin-token takes no arguments")
	}
	secret, err := st.RotateAdminToken(ctx, cliActor)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	return nil
}
