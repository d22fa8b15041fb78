package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/mirror"
)

const formatTable = "table"

// exportFlags are the list commands' output flags: --format, --separator and --output.
type exportFlags struct {
	format, separator, output *string
}

func addExportFlags(fs *flag.FlagSet) exportFlags {
	return exportFlags{
		format:    fs.String("format", formatTable, "table, csv, json or xlsx (an Excel workbook; needs --output)"),
		separator: fs.String("separator", ",", "CSV's separator: , or ; (what Excel expects where decimals are written 1,5)"),
		output:    fs.String("output", "", "write to this file instead of standard output"),
	}
}

// options checks the flags and says how to export; the table format gives zero options.
func (f exportFlags) options() (hostsync.ExportOptions, error) {
	opt := hostsync.ExportOptions{Format: *f.format}
	switch *f.format {
	case formatTable:
		if *f.output != "" {
			return opt, usagef("--output needs --format csv, json or xlsx")
		}
	case hostsync.FormatCSV, hostsync.FormatJSON:
	case hostsync.FormatXLSX:
		if *f.output == "" {
			// A workbook is binary: on a terminal it would be noise, so never to standard output.
			return opt, usagef("--format xlsx writes a binary Excel workbook: give --output FILE.xlsx")
		}
	default:
		return opt, usagef("--format must be table, csv, json or xlsx, not %q", *f.format)
	}
	switch *f.separator {
	case ",", ";":
		opt.Comma = rune((*f.separator)[0])
	default:
		return opt, usagef("--separator must be , or ;, not %q", *f.separator)
	}
	if opt.Comma != ',' && opt.Format != hostsync.FormatCSV {
		return opt, usagef("--separator is for --format csv")
	}
	return opt, nil
}

// write runs export into standard output or, with --output, into that file (removed again when
// the export fails, so no half file is left looking complete).
func (f exportFlags) write(e *cliEnv, export func(w io.Writer) (int, error)) error {
	if *f.output == "" {
		_, err := export(e.stdout)
		return err
	}
	file, err := os.Create(*f.output)
	if err != nil {
		return err
	}
	n, err := export(file)
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*f.output)
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %s to %s\n", hostsync.Plural(n, "row", "rows"), *f.output)
	return nil
}

// noteIfNeverSynced tells a script's human on stderr why a list is empty.
func (e *cliEnv) noteIfNeverSynced(ctx context.Context, m *mirror.Mirror) error {
	t, err := m.LastSync(ctx)
	if err != nil {
		return err
	}
	if t.IsZero() {
		fmt.Fprintln(e.stderr, "note: the mirror has never been synced; run `visitly-console sync` first")
	}
	return nil
}

func cmdHosts(ctx context.Context, e *cliEnv, args []string) error {
	fs := e.flags("hosts", "[--state active|deactivated|deleted|removed|all] [--search WORDS] [--idp azuread|okta|onelogin] [--format table|csv|json|xlsx] [--separator ,|;] [--output FILE]\n\nLists hosts from the local mirror (run sync first for fresh data).")
	stateFlag := fs.String("state", string(hostsync.StateActive), "active, deactivated, deleted, removed (deactivated+deleted) or all")
	search := fs.String("search", "", "words matching the start of a name, userName, email, department or externalId")
	idpFlag := fs.String("idp", "", "only the hosts this identity provider provisioned: azuread, okta or onelogin")
	out := addExportFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	state := hostsync.State(*stateFlag)
	switch state {
	case hostsync.StateActive, hostsync.StateDeactivated, hostsync.StateDeleted, hostsync.StateRemoved, hostsync.StateAll:
	default:
		return usagef("--state must be active, deactivated, deleted, removed or all, not %q", state)
	}
	var idp hostsync.IdP
	if *idpFlag != "" {
		p, err := hostsync.ParseIdP(*idpFlag)
		if err != nil {
			return usagef("--idp: %v", err)
		}
		idp = p
	}
	opt, err := out.options()
	if err != nil {
		return err
	}
	m, err := e.openMirror(ctx)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := e.noteIfNeverSynced(ctx, m); err != nil {
		return err
	}
	q := hostsync.HostFilter{State: state, Search: *search, IdP: idp}
	if opt.Format != formatTable {
		return out.write(e, func(w io.Writer) (int, error) { return m.ExportHosts(ctx, w, q, opt) })
	}
	hosts, err := m.Hosts(ctx, q)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	removed := state != hostsync.StateActive
	head := "ID\tUSERNAME\tDISPLAY NAME\tEMAIL\tDEPARTMENT\tSTATE\tCHANGED\tIDP"
	if removed {
		head += "\tREMOVED\tBY\tHOW"
	}
	fmt.Fprintln(tw, head)
	for i := range hosts {
		h := &hosts[i]
		idp := string(h.IdP)
		if idp == "" {
			idp = "-"
		}
		row := []string{h.ID, h.UserName, h.DisplayName, h.Email, h.Department, string(h.State), stampUTC(h.Modified), idp}
		if removed {
			row = append(row, stampUTC(h.RemovedAt()), h.RemovedBy(), h.RemovedHow)
		}
		writeRow(tw, row)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return nil
}

func cmdActivity(ctx context.Context, e *cliEnv, args []string) error {
	fs := e.flags("activity", "[--since T] [--action A] [--host ID|USERNAME] [--format table|csv|json|xlsx] [--separator ,|;] [--output FILE]\n\nLists the activity log from the local mirror, newest first.")
	since := fs.String("since", "", "RFC 3339 time (2026-11-25T18:00:00Z), date (2026-11-25, UTC) or age (90m, 24h, 7d)")
	action := fs.String("action", "", "only this action, e.g. host.deleted")
	host := fs.String("host", "", "only events of this host id, or of userNames starting with this")
	out := addExportFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	opt, err := out.options()
	if err != nil {
		return err
	}
	if *action != "" && !slices.Contains(hostsync.Actions(), *action) {
		return usagef("--action %q is not an action; use one of %s", *action, strings.Join(hostsync.Actions(), ", "))
	}
	q := hostsync.EventFilter{Action: *action}
	if *since != "" {
		t, err := parseSince(*since, time.Now())
		if err != nil {
			return usagef("--since: %v", err)
		}
		q.From = t
	}
	m, err := e.openMirror(ctx)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := e.noteIfNeverSynced(ctx, m); err != nil {
		return err
	}
	if *host != "" {
		// An id when the mirror knows it, else a userName prefix.
		if _, err := m.HostDetail(ctx, *host); err == nil {
			q.ResourceID = *host
		} else {
			q.UserName = *host
		}
	}
	if opt.Format != formatTable {
		return out.write(e, func(w io.Writer) (int, error) { return m.ExportActivity(ctx, w, q, opt) })
	}
	events, err := m.Activity(ctx, q)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tACTION\tUSERNAME\tRESOURCE\tBY\tDETAILS")
	for i := range events {
		ev := &events[i]
		details := mirror.ChangesText(ev.Changes)
		if ev.Detail != "" {
			details = strings.TrimPrefix(details+"; "+ev.Detail, "; ")
		}
		writeRow(tw, []string{stampUTC(ev.At), ev.Action, ev.UserName, ev.ResourceID, ev.ActorName, details})
	}
	return tw.Flush()
}

// parseSince reads an RFC 3339 time, a UTC date or an age before now
// (Go durations, plus "d" for days).
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time (2026-11-25T18:00:00Z), date (2026-11-25) or age (24h, 7d)", s)
}

func stampUTC(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// writeRow writes one tab-separated row with every cell made safe for a
// terminal: names come from an external directory and could carry escape
// sequences or tabs.
func writeRow(w io.Writer, cells []string) {
	for i, c := range cells {
		cells[i] = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, c)
	}
	fmt.Fprintln(w, strings.Join(cells, "\t"))
}
