package mirror

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// XLSXTime is the number format of date cells in Excel exports (UTC, as the header says).
const XLSXTime = "yyyy-mm-dd hh:mm:ss"

// xlsxSheet writes rows as one Excel worksheet through excelize's stream writer (rows go to a
// temporary file, not memory, so a few hundred thousand hosts fit): headers in words in a frozen,
// filterable first row, times as real date cells. Cells hold text, never formulas, so names from
// the directory need no defusing here.
type xlsxSheet struct {
	w     io.Writer
	f     *excelize.File
	sw    *excelize.StreamWriter
	name  string
	cols  int
	rows  int // written so far, header included
	dates int // the style id of date cells
}

func newXLSXSheet(w io.Writer, name string, cols []column) (*xlsxSheet, error) {
	f := excelize.NewFile()
	s := &xlsxSheet{w: w, f: f, name: name, cols: len(cols)}
	err := func() error {
		if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
			return err
		}
		var err error
		if s.sw, err = f.NewStreamWriter(name); err != nil {
			return err
		}
		format := XLSXTime
		if s.dates, err = f.NewStyle(&excelize.Style{CustomNumFmt: &format}); err != nil {
			return err
		}
		bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
		if err != nil {
			return err
		}
		for i, c := range cols {
			if err := s.sw.SetColWidth(i+1, i+1, c.width); err != nil {
				return err
			}
		}
		// The header row stays in view while scrolling.
		if err := s.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
			return err
		}
		head := make([]any, len(cols))
		for i, c := range cols {
			head[i] = excelize.Cell{StyleID: bold, Value: c.title}
		}
		s.rows = 1
		return s.sw.SetRow("A1", head)
	}()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("start Excel sheet: %w", err)
	}
	return s, nil
}

func (s *xlsxSheet) row(cells []any) error {
	vals := make([]any, len(cells))
	for i, c := range cells {
		switch v := c.(type) {
		case time.Time:
			if !v.IsZero() {
				vals[i] = excelize.Cell{StyleID: s.dates, Value: v.UTC()}
			}
		case string:
			if v != "" {
				vals[i] = v
			}
		default:
			vals[i] = v
		}
	}
	s.rows++
	cell, err := excelize.CoordinatesToCellName(1, s.rows)
	if err != nil {
		return err
	}
	return s.sw.SetRow(cell, vals)
}

// close makes the rows a table (its header row gets filter buttons), then writes the workbook.
func (s *xlsxSheet) close() error {
	defer s.f.Close()
	last, err := excelize.CoordinatesToCellName(s.cols, max(s.rows, 2))
	if err != nil {
		return err
	}
	table := strings.ReplaceAll(s.name, " ", "")
	if err := s.sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: table, StyleName: "TableStyleLight1"}); err != nil {
		return fmt.Errorf("add the header filter table: %w", err)
	}
	if err := s.sw.Flush(); err != nil {
		return err
	}
	return s.f.Write(s.w)
}
