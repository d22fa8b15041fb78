package mirror

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/visitly/hostsync"
)

// utf8BOM starts every CSV so that Excel reads it as UTF-8 and keeps accents.
const utf8BOM = "\uFEFF"

var hostCSVHeader = []string{"host_id", "user_name", "display_name", "given_name", "family_name", "email_work",
	"phone_work", "phone_mobile", "title", "department", "external_id", "state", "active", "created_at",
	"updated_at", "deactivated_at", "deactivated_by", "deleted_at", "deleted_by", "removed_how", "restored_at",
	"restored_by", "seq"}

var eventCSVHeader = []string{"seq", "at", "actor", "actor_name", "action", "resource_type", "resource_id",
	"user_name", "changes", "detail"}

// ExportHosts writes every host matching q (Offset and Limit ignored) to w as
// CSV or JSON and returns how many it wrote. JSON is an array of admin-API
// Host objects, SCIM resource included; CSV has one row per host with fixed
// columns. Neither holds a secret: the mirror has none.
func (m *Mirror) ExportHosts(ctx context.Context, w io.Writer, q hostsync.HostFilter, format string) (int, error) {
	q.Offset, q.Limit = 0, 0
	bw := bufio.NewWriter(w)
	n := 0
	var err error
	switch format {
	case hostsync.FormatCSV:
		cw := csv.NewWriter(bw)
		bw.WriteString(utf8BOM)
		cw.Write(hostCSVHeader)
		err = m.eachHost(ctx, q, true, func(h *hostsync.Host) error {
			n++
			return cw.Write(neutralise(hostRecord(h)))
		})
		cw.Flush()
		err = firstErr(err, cw.Error())
	case hostsync.FormatJSON:
		err = writeJSONArray(bw, func(emit func(any) error) error {
			return m.eachHost(ctx, q, true, func(h *hostsync.Host) error {
				n++
				return emit(h)
			})
		})
	default:
		return 0, fmt.Errorf("%w: unknown format %q", ErrBadQuery, format)
	}
	if err = firstErr(err, bw.Flush()); err != nil {
		return n, fmt.Errorf("mirror: export hosts: %w", err)
	}
	return n, nil
}

// ExportActivity writes every entry matching q (Offset and Limit ignored),
// newest first, to w as CSV or JSON and returns how many it wrote.
func (m *Mirror) ExportActivity(ctx context.Context, w io.Writer, q hostsync.EventFilter, format string) (int, error) {
	q.Offset, q.Limit = 0, 0
	bw := bufio.NewWriter(w)
	n := 0
	var err error
	switch format {
	case hostsync.FormatCSV:
		cw := csv.NewWriter(bw)
		bw.WriteString(utf8BOM)
		cw.Write(eventCSVHeader)
		err = m.eachEvent(ctx, q, func(e *hostsync.Event) error {
			n++
			return cw.Write(neutralise([]string{strconv.FormatInt(e.Seq, 10), stamp(e.At), e.Actor, e.ActorName,
				e.Action, e.ResourceType, e.ResourceID, e.UserName, ChangesText(e.Changes), e.Detail}))
		})
		cw.Flush()
		err = firstErr(err, cw.Error())
	case hostsync.FormatJSON:
		err = writeJSONArray(bw, func(emit func(any) error) error {
			return m.eachEvent(ctx, q, func(e *hostsync.Event) error {
				n++
				return emit(e)
			})
		})
	default:
		return 0, fmt.Errorf("%w: unknown format %q", ErrBadQuery, format)
	}
	if err = firstErr(err, bw.Flush()); err != nil {
		return n, fmt.Errorf("mirror: export activity: %w", err)
	}
	return n, nil
}

// ChangesText renders field changes on one line: `title: "A" → "B"; …`.
func ChangesText(cs []hostsync.FieldChange) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		parts = append(parts, c.Field+": "+valueText(c.Old)+" → "+valueText(c.New))
	}
	return strings.Join(parts, "; ")
}

func valueText(v any) string {
	if v == nil {
		return "(none)"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// writeJSONArray streams items as one JSON array, one item per line.
func writeJSONArray(w *bufio.Writer, each func(emit func(any) error) error) error {
	w.WriteString("[")
	first := true
	err := each(func(v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if !first {
			w.WriteString(",")
		}
		first = false
		w.WriteString("\n")
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	_, err = w.WriteString("\n]\n")
	return err
}

// neutralise defuses spreadsheet formulas: names come from an external
// directory, so a cell starting with = + - @ tab or CR gets a leading '
// (OWASP, CWE-1236).
func neutralise(rec []string) []string {
	for i, s := range rec {
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			rec[i] = "'" + s
		}
	}
	return rec
}

// stamp formats a time as UTC RFC 3339, or "" when unset.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func hostRecord(h *hostsync.Host) []string {
	var r struct {
		Name struct {
			GivenName  string `json:"givenName"`
			FamilyName string `json:"familyName"`
		} `json:"name"`
		Phones []struct {
			Value string `json:"value"`
			Type  string `json:"type"`
		} `json:"phoneNumbers"`
	}
	_ = json.Unmarshal(h.Resource, &r) // a resource that does not decode only leaves these cells empty
	var work, mobile string
	for _, p := range r.Phones {
		switch strings.ToLower(p.Type) {
		case "work":
			work = p.Value
		case "mobile":
			mobile = p.Value
		}
	}
	return []string{h.ID, h.UserName, h.DisplayName, r.Name.GivenName, r.Name.FamilyName, h.Email, work, mobile,
		h.Title, h.Department, h.ExternalID, string(h.State), strconv.FormatBool(h.Active), stamp(h.Created),
		stamp(h.Modified), stamp(h.DeactivatedAt), h.DeactivatedBy, stamp(h.DeletedAt), h.DeletedBy, h.RemovedHow,
		stamp(h.RestoredAt), h.RestoredBy, strconv.FormatInt(h.Seq, 10)}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
