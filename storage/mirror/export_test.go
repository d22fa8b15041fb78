package mirror

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/visitly/hostsync"
)

func TestExportCSVWithSemicolons(t *testing.T) {
	m := queryFixture(t)
	var buf bytes.Buffer
	n, err := m.ExportHosts(context.Background(), &buf, hostsync.HostFilter{State: hostsync.StateRemoved},
		hostsync.ExportOptions{Format: hostsync.FormatCSV, Comma: ';'})
	if err != nil || n != 2 {
		t.Fatalf("ExportHosts = %d, %v", n, err)
	}
	text := strings.TrimPrefix(buf.String(), utf8BOM)
	if !strings.HasPrefix(text, "Host ID;User name;Display name;") {
		t.Fatalf("header %q", text[:min(len(text), 60)])
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil || len(recs) != 3 || len(recs[1]) != len(hostExportColumns) {
		t.Fatalf("CSV with ';': %d records, %v\n%s", len(recs), err, text)
	}
	if _, err := m.ExportHosts(context.Background(), io.Discard, hostsync.HostFilter{},
		hostsync.ExportOptions{Format: hostsync.FormatCSV, Comma: '|'}); err == nil {
		t.Error("a '|' separator was accepted")
	}
}

func TestExportExcel(t *testing.T) {
	m := queryFixture(t)
	ctx := context.Background()
	var buf bytes.Buffer
	n, err := m.ExportHosts(ctx, &buf, hostsync.HostFilter{State: hostsync.StateAll}, hostsync.ExportOptions{Format: hostsync.FormatXLSX})
	if err != nil || n != 5 {
		t.Fatalf("ExportHosts = %d, %v", n, err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("open the workbook: %v", err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Hosts"}) {
		t.Fatalf("sheets %v, want one named Hosts", got)
	}
	rows, err := f.GetRows("Hosts")
	if err != nil || len(rows) != 6 {
		t.Fatalf("%d rows, %v; want header + 5", len(rows), err)
	}
	want := make([]string, len(hostExportColumns))
	for i, c := range hostExportColumns {
		want[i] = c.title
	}
	if !slices.Equal(rows[0], want) {
		t.Errorf("header %q", rows[0])
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	byID := map[string][]string{}
	for _, r := range rows[1:] {
		byID[r[col["Host ID"]]] = r
	}
	// Text stays text: a formula-looking name is not a formula and needs no quote.
	if got := byID["3"][col["Display name"]]; got != "=cmd|' /C calc'!A0" {
		t.Errorf("display name %q", got)
	}
	if got := byID["5"][col["Active"]]; got != "no" {
		t.Errorf("the deleted host's Active is %q", got)
	}

	// Times are date cells: numbers with a date format, shown as UTC.
	deleted, _ := excelize.CoordinatesToCellName(col["Deleted (UTC)"]+1, rowOf(rows, col["Host ID"], "5"))
	raw, err := f.GetCellValue("Hosts", deleted, excelize.Options{RawCellValue: true})
	if _, perr := strconv.ParseFloat(raw, 64); err != nil || perr != nil {
		t.Errorf("%s holds %q, not a serial date number (%v)", deleted, raw, err)
	}
	style, err := f.GetCellStyle("Hosts", deleted)
	must(t, err)
	st, err := f.GetStyle(style)
	must(t, err)
	if st.CustomNumFmt == nil || *st.CustomNumFmt != XLSXTime {
		t.Errorf("%s has number format %v, want %q", deleted, st.CustomNumFmt, XLSXTime)
	}
	if shown, _ := f.GetCellValue("Hosts", deleted); shown != "2026-11-01 09:05:00" {
		t.Errorf("%s shows %q", deleted, shown)
	}

	// The header row is frozen and has filter buttons.
	panes, err := f.GetPanes("Hosts")
	must(t, err)
	if !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 {
		t.Errorf("panes %+v, want the first row frozen", panes)
	}
	tables, err := f.GetTables("Hosts")
	must(t, err)
	if len(tables) != 1 || tables[0].Range != "A1:X6" {
		t.Fatalf("tables %+v, want one over A1:X6", tables)
	}
	if !strings.Contains(zipEntry(t, buf.Bytes(), "xl/tables/table1.xml"), `<autoFilter ref="A1:X6"`) {
		t.Error("the table has no autofilter")
	}
}

func TestExportExcelActivityAndEmpty(t *testing.T) {
	m := queryFixture(t)
	ctx := context.Background()
	var buf bytes.Buffer
	if _, err := m.ExportActivity(ctx, &buf, hostsync.EventFilter{}, hostsync.ExportOptions{Format: hostsync.FormatXLSX}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	must(t, err)
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Activity"}) {
		t.Fatalf("sheets %v", got)
	}
	if v, _ := f.GetCellValue("Activity", "B1"); v != "When (UTC)" {
		t.Errorf("B1 = %q", v)
	}

	// Nothing matches: still a workbook with its header.
	buf.Reset()
	n, err := m.ExportHosts(ctx, &buf, hostsync.HostFilter{Search: "nobody-at-all"}, hostsync.ExportOptions{Format: hostsync.FormatXLSX})
	if err != nil || n != 0 {
		t.Fatalf("empty export = %d, %v", n, err)
	}
	g, err := excelize.OpenReader(&buf)
	must(t, err)
	defer g.Close()
	if v, _ := g.GetCellValue("Hosts", "A1"); v != "Host ID" {
		t.Errorf("empty export's A1 = %q", v)
	}
}

func rowOf(rows [][]string, col int, value string) int {
	for i, r := range rows {
		if r[col] == value {
			return i + 1
		}
	}
	return 0
}

func zipEntry(t *testing.T, b []byte, name string) string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	must(t, err)
	for _, f := range z.File {
		if f.Name == name {
			r, err := f.Open()
			must(t, err)
			defer r.Close()
			data, err := io.ReadAll(r)
			must(t, err)
			return string(data)
		}
	}
	t.Fatalf("no %s in the workbook", name)
	return ""
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
