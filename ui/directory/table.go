package directory

import (
	"context"
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync/ui"
)

// column describes one column of a dataTable.
type column[T any] struct {
	title string
	width float32
	sort  string // the mirror's sort key; "" when the column does not sort
	text  func(T) string
	// tone colours the text (states); nil is the default colour.
	tone func(T) widget.Importance
	// check makes a checkbox column (multi-select in Deleted hosts).
	check bool
}

// dataTable is a virtualised, sortable table over a pager: the header row's buttons sort, the
// cells read rows from the pager, and an empty result shows a friendly message instead.
type dataTable[T any] struct {
	cols                  []column[T]
	pager                 *pager[T]
	table                 *widget.Table
	empty                 *fyne.Container
	emptyTitle, emptyText *widget.Label
	view                  *fyne.Container

	sort string
	desc bool

	run    ui.Runner
	cancel context.CancelFunc // the current load's

	onError  func(error)    // a read failed
	onSort   func()         // a header was tapped: the screen runs its query again
	onSelect func(T)        // a row was selected
	checked  func(T) bool   // check column state
	onCheck  func(T, bool)  // check column toggled
	loading  string         // text of a cell whose page is on its way
	key      func(T) string // identifies a row, to keep the selection across reloads
	selected string
}

func newDataTable[T any](run ui.Runner, cols []column[T], emptyTitle, emptyText string) *dataTable[T] {
	t := &dataTable[T]{cols: cols, pager: newPager[T](run), run: run, loading: "…"}
	t.table = &widget.Table{
		Length: func() (int, int) { return t.pager.total, len(t.cols) },
		CreateCell: func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return container.NewStack(l, widget.NewCheck("", nil))
		},
		UpdateCell:    t.updateCell,
		ShowHeaderRow: true,
		CreateHeader:  func() fyne.CanvasObject { return newHeaderCell() },
		UpdateHeader:  t.updateHeader,
	}
	t.table.OnSelected = func(id widget.TableCellID) {
		if r, ok := t.pager.row(id.Row); ok {
			if t.key != nil {
				t.selected = t.key(r)
			}
			if t.onSelect != nil {
				t.onSelect(r)
			}
		}
	}
	for i, c := range cols {
		t.table.SetColumnWidth(i, c.width)
	}
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

func (t *dataTable[T]) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	t.pager.updating = true
	defer func() { t.pager.updating = false }()
	box := o.(*fyne.Container)
	l, ch := box.Objects[0].(*widget.Label), box.Objects[1].(*widget.Check)
	c := t.cols[id.Col]
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
	if id.Col < 0 || id.Col >= len(t.cols) {
		h.set("", nil)
		return
	}
	c := t.cols[id.Col]
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

// scrollTop shows the first rows (a new search or filter).
func (t *dataTable[T]) scrollTop() {
	t.table.UnselectAll()
	t.table.ScrollToTop()
}
