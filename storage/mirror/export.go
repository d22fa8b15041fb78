package mirror

import (
	"bufio"
	"cmp"
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

// CSVTime is how CSV exports write times, always UTC: the form Excel and LibreOffice read as a
// date and time in every locale (RFC 3339's T and Z make it text).
const CSVTime = "2006-01-02 15:04:05"

// A column of a CSV or Excel export: its header in words and its width in Excel (characters).
type column struct {
	title string
	width float64
}

var hostExportColumns = []column{{"Host ID", 38}, {"User name", 30}, {"Display name", 24}, {"First name", 14},
	{"Last name", 16}, {"Work email", 30}, {"Work phone", 16}, {"Mobile phone", 16}, {"Job title", 22},
	{"Department", 18}, {"External ID", 38}, {"State", 12}, {"Active", 8}, {"Created (UTC)", 20},
	{"Changed (UTC)", 20}, {"Deactivated (UTC)", 20}, {"Deactivated by", 20}, {"Deleted (UTC)", 20},
	{"Deleted by", 20}, {"How removed", 14}, {"Restored (UTC)", 20}, {"Restored by", 20}, {"Provisioned by", 14}, {"Change number", 10}}

var eventExportColumns = []column{{"Entry", 8}, {"When (UTC)", 20}, {"By", 24}, {"Actor", 12}, {"Action", 20},
	{"Resource type", 10}, {"Resource ID", 38}, {"User name", 30}, {"Changes", 60}, {"Detail", 40}}

// sheet receives an export's rows: each cell a string, an int64 or a time.Time (zero: empty).
type sheet interface {
	row(cells []any) error
	close() error
}

// ExportHosts writes every host matching q (Offset and Limit ignored) to w in
// opt's format and returns how many it wrote. JSON is an array of admin-API
// Host objects, SCIM resource included; CSV and Excel have one row per host
// with fixed columns headed in words. Neither holds a secret: the mirror has
// none. A host that is not active is never written as active, whatever its
// SCIM resource still says.
func (m *Mirror) ExportHosts(ctx context.Context, w io.Writer, q hostsync.HostFilter, opt hostsync.ExportOptions) (int, error) {
	q.Offset, q.Limit = 0, 0
	name := "Hosts"
	if q.State == hostsync.StateDeleted || q.State == hostsync.StateRemoved || q.State == hostsync.StateDeactivated {
		name = "Removed hosts"
	}
	n, err := m.export(w, opt, name, hostExportColumns, func(emit func(any) error) error {
		return m.eachHost(ctx, q, true, func(h *hostsync.Host) error {
			h.Active = h.State == hostsync.StateActive
			if opt.Format == hostsync.FormatJSON {
				if !h.Active {
					h.Resource = inactive(h.Resource)
				}
				return emit(h)
			}
			return emit(hostRecord(h))
		})
	})
	if err != nil {
		return n, fmt.Errorf("mirror: export hosts: %w", err)
	}
	return n, nil
}

// ExportActivity writes every entry matching q (Offset and Limit ignored),
// newest first, to w in opt's format and returns how many it wrote.
func (m *Mirror) ExportActivity(ctx context.Context, w io.Writer, q hostsync.EventFilter, opt hostsync.ExportOptions) (int, error) {
	q.Offset, q.Limit = 0, 0
	n, err := m.export(w, opt, "Activity", eventExportColumns, func(emit func(any) error) error {
		return m.eachEvent(ctx, q, func(e *hostsync.Event) error {
			if opt.Format == hostsync.FormatJSON {
				return emit(e)
			}
			return emit([]any{e.Seq, e.At, e.ActorName, e.Actor, e.Action, e.ResourceType, e.ResourceID,
				e.UserName, ChangesText(e.Changes), e.Detail})
		})
	})
	if err != nil {
		return n, fmt.Errorf("mirror: export activity: %w", err)
	}
	return n, nil
}

// export runs each with an emit that writes one item (a row of cells, or a value for JSON) in
// opt's format, and counts them.
func (m *Mirror) export(w io.Writer, opt hostsync.ExportOptions, name string, cols []column, each func(emit func(any) error) error) (int, error) {
	n := 0
	count := func(emit func(any) error) func(any) error {
		return func(v any) error {
			n++
			return emit(v)
		}
	}
	var sh sheet
	switch opt.Format {
	case hostsync.FormatJSON:
		bw := bufio.NewWriter(w)
		err := writeJSONArray(bw, func(emit func(any) error) error { return each(count(emit)) })
		return n, firstErr(err, bw.Flush())
	case hostsync.FormatCSV:
		comma := opt.Comma
		if comma == 0 {
			comma = ','
		}
		if comma != ',' && comma != ';' && comma != '\t' {
			return 0, fmt.Errorf("%w: CSV separator %q (want , ; or tab)", ErrBadQuery, comma)
		}
		sh = newCSVSheet(w, comma, cols)
	case hostsync.FormatXLSX:
		var err error
		if sh, err = newXLSXSheet(w, name, cols); err != nil {
			return 0, err
		}
	default:
		return 0, fmt.Errorf("%w: unknown format %q", ErrBadQuery, opt.Format)
	}
	err := each(count(func(v any) error { return sh.row(v.([]any)) }))
	return n, firstErr(err, sh.close())
}

// csvSheet writes rows as CSV: a BOM, headers in words, UTC times as CSVTime, formulas defused.
type csvSheet struct {
	bw *bufio.Writer
	cw *csv.Writer
}

func newCSVSheet(w io.Writer, comma rune, cols []column) *csvSheet {
	s := &csvSheet{bw: bufio.NewWriter(w)}
	s.cw = csv.NewWriter(s.bw)
	s.cw.Comma = comma
	s.bw.WriteString(utf8BOM)
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = c.title
	}
	s.cw.Write(head)
	return s
}

func (s *csvSheet) row(cells []any) error {
	rec := make([]string, len(cells))
	for i, c := range cells {
		switch v := c.(type) {
		case string:
			rec[i] = v
		case int64:
			rec[i] = strconv.FormatInt(v, 10)
		case time.Time:
			if !v.IsZero() {
				rec[i] = v.UTC().Format(CSVTime)
			}
		}
	}
	return s.cw.Write(neutralise(rec))
}

func (s *csvSheet) close() error {
	s.cw.Flush()
	return firstErr(s.cw.Error(), s.bw.Flush())
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

// inactive returns a SCIM resource with "active" false: Azure AD's DELETE leaves it true.
func inactive(res json.RawMessage) json.RawMessage {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(res, &m); err != nil || m == nil {
		return res // not an object: nothing claims the host is active
	}
	m["active"] = json.RawMessage("false")
	b, err := json.Marshal(m)
	if err != nil {
		return res
	}
	return b
}

// yesNo is the Active column: a person filters on words.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func hostRecord(h *hostsync.Host) []any {
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
	return []any{h.ID, h.UserName, h.DisplayName, r.Name.GivenName, r.Name.FamilyName, h.Email, work, mobile,
		h.Title, h.Department, h.ExternalID, string(h.State), yesNo(h.State == hostsync.StateActive), h.Created,
		h.Modified, h.DeactivatedAt, cmp.Or(h.DeactivatedByName, hostsync.ActorName(h.DeactivatedBy)),
		h.DeletedAt, cmp.Or(h.DeletedByName, hostsync.ActorName(h.DeletedBy)),
		h.RemovedHow, h.RestoredAt, hostsync.ActorName(h.RestoredBy), provisionedBy(h.IdP), h.Seq}
}

// provisionedBy is the Provisioned by column: the IdP's name, empty when
// not known (IdP.Name would say Azure AD for the empty IdP of a key).
func provisionedBy(p hostsync.IdP) string {
	if p == "" {
		return ""
	}
	return p.Name()
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
