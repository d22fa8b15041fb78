package directory

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync/ui"
)

// column describes one column of a dataTable.
type column[T any] struct {
	title string
	// width is the column's narrowest useful width; grow shares the window's spare width between
	// columns (0: the column keeps its width).
	width float32
	grow  float32
	// drop makes the column give way when the table is too narrow for every column (the details
	// pane is open, the window is small): the highest drop goes first; 0 never goes.
	drop int
	sort string // the mirror's sort key; "" when the column does not sort
	text func(T) string
	// tone colours the text (states); nil is the default colour.
	tone func(T) widget.Importance
	// check makes a checkbox column (multi-select in Deleted hosts).
	check bool
}

// dataTable is a virtualised, sortable table over a pager: the header row's buttons sort, the
// cells read rows from the pager, and an empty result shows a friendly message instead. Its
// columns fit the width it is given (see fit); the first sticky columns stay in view when it
// scrolls sideways; a row is selected as a whole and the keyboard moves the selection.
type dataTable[T any] struct {
	cols                  []column[T]
	vis                   []int     // the columns on display, as indices into cols
	hidden                []bool    // columns the screen hides (the IdP column with one IdP)
	widths                []float32 // of the columns on display
	pager                 *pager[T]
	table                 *rowTable
	empty                 *fyne.Container
	emptyTitle, emptyText *widget.Label
	view                  *fyne.Container
	fitted                float32 // the width fit last laid the columns out for

	sort string
	desc bool

	run    ui.Runner
	cancel context.CancelFunc // the current load's

	onError  func(error)    // a read failed
	onSort   func()         // a header was tapped: the screen runs its query again
	onSelect func(T)        // a row was selected
	onClear  func()         // the selection went (Escape, a new query, the row left the result)
	onOpen   func()         // Enter: show the selected row's details
	onSync   func()         // F5
	checked  func(T) bool   // check column state
	onCheck  func(T, bool)  // check column toggled
	loading  string         // text of a cell whose page is on its way
	key      func(T) string // identifies a row, to keep the selection across reloads
	selected string
	row      int  // the selected row, -1 for none
	quiet    bool // a selection made by the table itself (reselect): no onSelect
}

func newDataTable[T any](run ui.Runner, cols []column[T], emptyTitle, emptyText string) *dataTable[T] {
	t := &dataTable[T]{cols: cols, hidden: make([]bool, len(cols)), pager: newPager[T](run), run: run, loading: "…", row: -1}
	t.table = &rowTable{onKey: t.typedKey, onResize: func(s fyne.Size) bool { return t.fit(s.Width) }, onFocus: func(bool) { t.table.Refresh() }}
	t.table.Length = func() (int, int) { return t.pager.total, len(t.vis) }
	t.table.CreateCell = func() fyne.CanvasObject {
		l := widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		return container.NewStack(canvas.NewRectangle(color.Transparent), l, widget.NewCheck("", nil), newFocusFrame())
	}
	t.table.UpdateCell = t.updateCell
	t.table.ShowHeaderRow = true
	t.table.CreateHeader = func() fyne.CanvasObject { return newHeaderCell() }
	t.table.UpdateHeader = t.updateHeader
	t.table.ExtendBaseWidget(t.table)
	// The first column (the name), after the checkbox if there is one, stays in view.
	t.table.StickyColumnCount = 1
	if len(cols) > 1 && cols[0].check {
		t.table.StickyColumnCount = 2
	}
	t.table.OnSelected = func(id widget.TableCellID) {
		r, ok := t.pager.row(id.Row)
		if !ok {
			return
		}
		t.row = id.Row
		if t.key != nil {
			t.selected = t.key(r)
		}
		t.table.Refresh() // the whole row shows the selection
		if !t.quiet && t.onSelect != nil {
			t.onSelect(r)
		}
	}
	t.table.OnUnselected = func(widget.TableCellID) {
		t.row = -1
		t.table.Refresh()
	}
	t.layoutColumns(0)
	t.pager.onLoaded = t.table.Refresh
	t.pager.onError = t.fail
	t.emptyTitle = widget.NewLabelWithStyle(emptyTitle, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	t.emptyText = widget.NewLabel(emptyText)
	t.emptyText.Alignment = fyne.TextAlignCenter
	t.emptyText.Wrapping = fyne.TextWrapWord
	t.empty = container.NewCenter(container.NewGridWrap(fyne.NewSize(420, 160), container.NewVBox(
		container.NewCenter(widget.NewIcon(theme.InfoIcon())), t.emptyTitle, t.emptyText)))
	t.empty.Hide()
	t.view = container.NewStack(t.table, t.empty)
	return t
}

// fit lays the columns out for a table width w, once per width; it reports whether it did.
func (t *dataTable[T]) fit(w float32) bool {
	if w <= 0 || w == t.fitted {
		return false
	}
	t.fitted = w
	t.layoutColumns(w)
	return true
}

// layoutColumns chooses the columns on display for a table width w (0: all at their own width)
// and their widths: columns drop out, highest drop first, until the rest fit at their own width;
// the spare width goes to the growing columns. When even the columns that never drop do not fit,
// the table scrolls sideways with its sticky columns kept in view.
func (t *dataTable[T]) layoutColumns(w float32) {
	sep := theme.Padding() // the table puts this between columns
	var vis []int
	for i := range t.cols {
		if !t.hidden[i] {
			vis = append(vis, i)
		}
	}
	need := func(vis []int) float32 {
		var sum float32
		for _, i := range vis {
			sum += t.cols[i].width + sep
		}
		return sum
	}
	for w > 0 && need(vis) > w {
		worst := -1
		for k, i := range vis {
			if t.cols[i].drop > 0 && (worst < 0 || t.cols[i].drop > t.cols[vis[worst]].drop) {
				worst = k
			}
		}
		if worst < 0 {
			break
		}
		vis = append(vis[:worst:worst], vis[worst+1:]...)
	}
	spare := w - need(vis) - 2 // a hair to spare: no sideways scroll bar from rounding
	var grow float32
	for _, i := range vis {
		grow += t.cols[i].grow
	}
	widths := make([]float32, len(vis))
	for k, i := range vis {
		widths[k] = t.cols[i].width
		if spare > 0 && grow > 0 {
			widths[k] += float32(math.Floor(float64(spare * t.cols[i].grow / grow)))
		}
	}
	t.vis, t.widths = vis, widths
	for k, wd := range widths {
		t.table.SetColumnWidth(k, wd)
	}
	t.table.Refresh()
}

// hide hides or shows column i (a column only some data needs).
func (t *dataTable[T]) hide(i int, hidden bool) {
	if t.hidden[i] == hidden {
		return
	}
	t.hidden[i] = hidden
	t.layoutColumns(t.fitted)
}

// visible is the titles of the columns on display.
func (t *dataTable[T]) visible() []string {
	out := make([]string, len(t.vis))
	for k, i := range t.vis {
		out[k] = t.cols[i].title
	}
	return out
}

// textCol is the first column on display that shows text: where a keyboard selection lands.
func (t *dataTable[T]) textCol() int {
	for k, i := range t.vis {
		if !t.cols[i].check {
			return k
		}
	}
	return 0
}

// typedKey is the table's keyboard: up and down move the selection, Enter opens the selected
// row's details, Escape clears the selection, Space ticks the selected row's checkbox and F5
// syncs. It reports whether it used the key.
func (t *dataTable[T]) typedKey(e *fyne.KeyEvent) bool {
	rows := t.pager.total
	switch e.Name {
	case fyne.KeyUp, fyne.KeyDown, fyne.KeyPageUp, fyne.KeyPageDown, fyne.KeyHome, fyne.KeyEnd:
		if rows == 0 {
			return true
		}
		next := map[fyne.KeyName]int{fyne.KeyUp: t.row - 1, fyne.KeyDown: t.row + 1, fyne.KeyPageUp: t.row - 10,
			fyne.KeyPageDown: t.row + 10, fyne.KeyHome: 0, fyne.KeyEnd: rows - 1}[e.Name]
		if t.row < 0 {
			next = 0
		}
		t.table.Select(widget.TableCellID{Row: max(0, min(rows-1, next)), Col: t.textCol()})
	case fyne.KeyReturn, fyne.KeyEnter:
		if t.row < 0 && rows > 0 {
			t.table.Select(widget.TableCellID{Row: 0, Col: t.textCol()})
		}
		if t.row >= 0 && t.onOpen != nil {
			t.onOpen()
		}
	case fyne.KeyEscape:
		t.clearSelection()
	case fyne.KeySpace:
		r, ok := t.pager.row(t.row)
		if !ok || t.onCheck == nil || t.checked == nil {
			return false
		}
		t.onCheck(r, !t.checked(r))
		t.table.Refresh()
	case fyne.KeyF5:
		if t.onSync != nil {
			t.onSync()
		}
	default:
		return false
	}
	return true
}

// clearSelection unselects the row and tells the screen.
func (t *dataTable[T]) clearSelection() {
	t.table.UnselectAll()
	t.row, t.selected = -1, ""
	t.table.Refresh()
	if t.onClear != nil {
		t.onClear()
	}
}

// reselect puts the selection back on the selected row after a reload moved it, without telling
// the screen; when the row is no longer among the rows read, it clears the highlight (the
// screen decides about its details). It reports whether the row was found.
func (t *dataTable[T]) reselect() bool {
	if t.selected == "" || t.key == nil {
		return false
	}
	for n, rows := range t.pager.pages {
		for off, r := range rows {
			if t.key(r) == t.selected {
				t.quiet = true
				t.table.Select(widget.TableCellID{Row: n*pageSize + off, Col: t.textCol()})
				t.quiet = false
				return true
			}
		}
	}
	t.table.UnselectAll()
	t.row = -1
	t.table.Refresh()
	return false
}

func (t *dataTable[T]) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	t.pager.updating = true
	defer func() { t.pager.updating = false }()
	box := o.(*fyne.Container)
	bg, l, ch := box.Objects[0].(*canvas.Rectangle), box.Objects[1].(*widget.Label), box.Objects[2].(*widget.Check)
	var fill color.Color = color.Transparent
	if id.Row == t.row {
		// The whole selected row is highlighted, more strongly while the table has the keyboard.
		fill = theme.Color(theme.ColorNameSelection)
		if t.table.focused {
			fill = theme.Color(theme.ColorNameFocus)
		}
	}
	if bg.FillColor != fill {
		bg.FillColor = fill
		bg.Refresh()
	}
	// While the table has the keyboard, a primary-coloured frame rings the selected row.
	showFrame(box.Objects[3].(*fyne.Container), t.table.focused && id.Row == t.row, id.Col == 0)
	if id.Col < 0 || id.Col >= len(t.vis) {
		return
	}
	c := t.cols[t.vis[id.Col]]
	r, ok := t.pager.row(id.Row)
	if c.check {
		l.Hide()
		ch.Show()
		ch.OnChanged = nil
		ch.SetChecked(ok && t.checked != nil && t.checked(r))
		if ok {
			ch.OnChanged = func(on bool) {
				if t.onCheck != nil {
					t.onCheck(r, on)
				}
			}
		}
		return
	}
	ch.Hide()
	l.Show()
	text, imp := t.loading, widget.MediumImportance
	if ok {
		text = c.text(r)
		if c.tone != nil {
			imp = c.tone(r)
		}
	}
	if l.Text != text || l.Importance != imp {
		l.Text, l.Importance = text, imp
		l.Refresh()
	}
}

func (t *dataTable[T]) updateHeader(id widget.TableCellID, o fyne.CanvasObject) {
	h := o.(*headerCell)
	h.onTap = nil
	if id.Col < 0 || id.Col >= len(t.vis) {
		h.set("", nil)
		return
	}
	c := t.cols[t.vis[id.Col]]
	switch {
	case c.sort == "" || c.sort != t.sort:
		h.set(c.title, nil)
	case t.desc:
		h.set(c.title, theme.MoveDownIcon())
	default:
		h.set(c.title, theme.MoveUpIcon())
	}
	if c.sort != "" {
		h.onTap = func() { t.sortBy(c.sort) }
	}
}

// headerCell is a column header: bold title, the sort direction when the table sorts by it, and a
// tap to sort.
type headerCell struct {
	widget.BaseWidget
	label *widget.Label
	icon  *widget.Icon
	onTap func()
}

func newHeaderCell() *headerCell {
	h := &headerCell{label: &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis},
		icon: widget.NewIcon(nil)}
	h.ExtendBaseWidget(h)
	return h
}

func (h *headerCell) set(title string, icon fyne.Resource) {
	h.label.SetText(title)
	h.icon.SetResource(icon)
	if icon == nil {
		h.icon.Hide()
	} else {
		h.icon.Show()
	}
}

func (h *headerCell) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, nil, h.icon, h.label))
}

// Tapped sorts by this column.
func (h *headerCell) Tapped(*fyne.PointEvent) {
	if h.onTap != nil {
		h.onTap()
	}
}

// Cursor shows that a sortable header can be clicked.
func (h *headerCell) Cursor() desktop.Cursor {
	if h.onTap != nil {
		return desktop.PointerCursor
	}
	return desktop.DefaultCursor
}

// sortBy sorts by key, or flips the direction when it already sorts by key.
func (t *dataTable[T]) sortBy(key string) {
	if t.sort == key {
		t.desc = !t.desc
	} else {
		t.sort, t.desc = key, false
	}
	if t.onSort != nil {
		t.onSort()
	}
}

// load runs a new query off the UI goroutine: the count and the first page side by side, so the
// table never shows a count without rows; later pages are read as the table scrolls. A load cancels
// the one before it, so the older one's late result, and its pages, are dropped: their context is
// done. ctx is the page's. shown runs on the UI goroutine once the result is on screen.
func (t *dataTable[T]) load(ctx context.Context, count func(ctx context.Context) (int, error),
	rows func(ctx context.Context, offset, limit int) ([]T, error), shown func(n int)) {
	if t.cancel != nil {
		t.cancel()
	}
	ctx, t.cancel = context.WithCancel(ctx)
	t.run(func() func() {
		// The count and the first page are independent reads: run them side by side.
		var first []T
		var ferr error
		pageDone := make(chan struct{})
		go func() {
			defer close(pageDone)
			first, ferr = rows(ctx, 0, pageSize)
		}()
		n, err := count(ctx)
		<-pageDone
		err = errors.Join(err, ferr)
		return func() {
			if ctx.Err() != nil {
				return // a newer query took over, or the page was left
			}
			if err != nil {
				t.fail(fmt.Errorf("read this computer's copy of the directory: %w", err))
				return
			}
			t.pager.reset(ctx, n, first, rows)
			if n == 0 {
				t.empty.Show()
			} else {
				t.empty.Hide()
			}
			t.table.Refresh()
			if shown != nil {
				shown(n)
			}
		}
	})
}

func (t *dataTable[T]) fail(err error) {
	if t.onError != nil {
		t.onError(err)
	}
}

// setEmpty changes what an empty result says (nothing at all, or nothing matching a search).
func (t *dataTable[T]) setEmpty(title, text string) {
	t.emptyTitle.SetText(title)
	t.emptyText.SetText(text)
}

// scrollTop shows the first rows (a new search or filter) with nothing selected.
func (t *dataTable[T]) scrollTop() {
	if t.row >= 0 || t.selected != "" {
		t.clearSelection()
	}
	t.table.ScrollToTop()
}
