package directory

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"fyne.io/fyne/v2/test"
)

func TestTableDropsTheResultOfAnOlderLoad(t *testing.T) {
	test.NewTempApp(t)
	var held []func() // applies waiting for the UI goroutine, in the order the work finished
	run := func(work func() func()) { held = append(held, work()) }
	tbl := newDataTable(run, []column[int]{{title: "n", text: strconv.Itoa}}, "", "")
	var shown []int
	load := func(ctx context.Context, rows ...int) {
		tbl.load(ctx, func(context.Context) (int, error) { return len(rows), nil },
			func(_ context.Context, offset, limit int) ([]int, error) {
				return rows[offset:min(offset+limit, len(rows))], nil
			},
			func(n int) { shown = append(shown, n) })
	}
	page, leave := context.WithCancel(context.Background())
	load(page, 1)
	load(page, 1, 2)
	held[1]() // the newer result first, then the older one late
	held[0]()
	if !slices.Equal(shown, []int{2}) || tbl.pager.total != 2 {
		t.Fatalf("shown %v, table of %d rows; want only the newer result of 2", shown, tbl.pager.total)
	}

	// Leaving the page drops a result still on its way.
	load(page, 1, 2, 3)
	leave()
	held[2]()
	if !slices.Equal(shown, []int{2}) {
		t.Errorf("shown %v after the page was left", shown)
	}
}
