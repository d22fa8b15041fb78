package ui

import (
	"context"
	"errors"
	"runtime"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
)

// Sidebar page IDs.
const (
	PageHosts    = "hosts"
	PageDeleted  = "deleted"
	PageActivity = "activity"
	PageSync     = "sync" // the "Host Synchronization" group
	PageAzureAD  = "azuread"
	PageOkta     = "okta"
	PageOneLogin = "onelogin"
	PageSettings = "settings"
)

// PageBuilder makes a sidebar page's content for a session. ctx is the page's: it is cancelled when
// the user leaves the page, the session is replaced or the window closes, and the page's late
// results are dropped by it. It runs on the UI goroutine; slow work goes through env.Run.
type PageBuilder func(ctx context.Context, env *Env, s *Session) fyne.CanvasObject

var pageTitles = map[string]string{
	PageHosts: "Hosts", PageDeleted: "Deleted hosts", PageActivity: "Activity",
	PageSync: "Host Synchronization", PageAzureAD: "Azure AD", PageOkta: "Okta", PageOneLogin: "OneLogin",
	PageSettings: "Settings",
}

// pageIcon is a function, not a map: theme icons must not be read before the app exists.
func pageIcon(id string) fyne.Resource {
	switch id {
	case PageHosts:
		return theme.AccountIcon()
	case PageDeleted:
		return theme.DeleteIcon()
	case PageActivity:
		return theme.HistoryIcon()
	case PageSync:
		return theme.ViewRefreshIcon()
	case PageAzureAD, PageOkta, PageOneLogin:
		return theme.LoginIcon()
	default:
		return theme.SettingsIcon()
	}
}

// Shell is the main window: health header, sidebar and the current page.
type Shell struct {
	env   *Env
	conn  Connector
	pages map[string]PageBuilder // Hosts, Deleted hosts, Activity: plugged in by main

	base    context.Context
	cancel  context.CancelFunc // the current session's
	ctx     context.Context
	session *Session
	current string
	// pageCancel ends the page on display: the next show, or Close, calls it.
	pageCancel context.CancelFunc

	header  *header
	banner  *banner
	nav     *widget.Tree
	content *fyne.Container
	scroll  *container.Scroll // around every page, so no page sets the window's minimum size
	azure   *idpPage          // the IdP page on display (Azure AD, Okta or OneLogin)
	setting *settingsPage

	focused   fyne.Focusable // the control watchFocus last scrolled to
	stopFocus func()
	still     time.Duration     // how long the keyboard has stayed on focused, counted in focusChecks
	ring      *canvas.Rectangle // drawn around the focused control
	ringLayer *fyne.Container

	onSess    []func(*Session)
	onRefresh []func()
	onChange  []func()
	fileItems []*fyne.MenuItem
}

// OnSession registers f to run (on the UI goroutine) each time the shell switches to a new
// session, e.g. to start a mirror sync for it.
func (s *Shell) OnSession(f func(*Session)) { s.onSess = append(s.onSess, f) }

// OnRefresh registers f to run when the user chooses File › Refresh, after the shell reloads the
// page, e.g. to sync the mirror.
func (s *Shell) OnRefresh(f func()) { s.onRefresh = append(s.onRefresh, f) }

// OnServiceChange registers f to run (on the UI goroutine) when the header's status poll sees
// that the service's data changed (its status cursor moved: an identity provider created, changed
// or removed a host), e.g. to sync the mirror at once instead of at the next minute.
func (s *Shell) OnServiceChange(f func()) { s.onChange = append(s.onChange, f) }

// AddFileItems puts items, then a separator, at the top of the File menu. Call it before Build.
func (s *Shell) AddFileItems(items ...*fyne.MenuItem) { s.fileItems = append(s.fileItems, items...) }

// NewShell returns the shell for env.Window. pages supplies the Hosts, Deleted hosts and Activity
// screens (keys PageHosts, PageDeleted, PageActivity); missing ones show a placeholder.
func NewShell(ctx context.Context, env *Env, conn Connector, pages map[string]PageBuilder) *Shell {
	s := &Shell{env: env, conn: conn, pages: pages, base: ctx, current: PageAzureAD}
	if s.pages == nil {
		s.pages = map[string]PageBuilder{}
	}
	s.header = newHeader(env)
	s.header.onChange = func() {
		for _, f := range s.onChange {
			f()
		}
	}
	s.banner = newBanner()
	s.content = container.NewStack()
	s.nav = s.newNav()
	env.Navigate = s.Show
	return s
}

// Build returns the window's content and installs the menus.
func (s *Shell) Build() fyne.CanvasObject {
	s.env.Window.SetMainMenu(s.menu(runtime.GOOS))
	c := s.env.Window.Canvas()
	c.SetOnTypedKey(s.onTypedKey(c.OnTypedKey()))
	side := container.NewBorder(nil, nil, nil, widget.NewSeparator(), s.nav)
	// The banner scrolls with the page: a long error must not make the window taller.
	s.scroll = container.NewScroll(container.NewBorder(s.banner.box, nil, nil, nil, s.content))
	split := container.NewHSplit(side, s.scroll)
	split.Offset = 0.21 // "Host Synchronization" fits at 1000 px
	s.nav.Select(s.current)
	s.ring = &canvas.Rectangle{StrokeColor: theme.Color(theme.ColorNameForeground), StrokeWidth: 2, CornerRadius: theme.InputRadiusSize()}
	s.ring.Hide()
	s.ringLayer = container.NewWithoutLayout(s.ring)
	s.stopFocus = s.env.After(focusCheck, s.watchFocus)
	main := container.NewBorder(container.NewVBox(s.header.box, widget.NewSeparator()), nil, nil, nil, split)
	return container.NewStack(main, s.ringLayer)
}

// watchFocus brings a newly focused control (Tab, Shift+Tab) into view and draws a ring around
// it, then looks again later. The ring is what makes focus plain on every control: Fyne's own
// focus tint cannot be seen on a primary (teal) button.
func (s *Shell) watchFocus() {
	c := s.env.Window.Canvas()
	f := c.Focused()
	o, ok := f.(fyne.CanvasObject)
	if ok && f != s.focused {
		scrollIntoView(s.env.Window.Content(), o)
	}
	s.rest(f)
	s.focused = f
	s.placeRing(o, ok && c.Overlays().Top() == nil)
	s.stopFocus = s.env.After(focusCheck, s.watchFocus)
}

// rest wakes animations when the keyboard moves to f and puts them to rest once it has stayed
// restAfter on one control.
func (s *Shell) rest(f fyne.Focusable) {
	if s.env.Rest == nil {
		return
	}
	if f != s.focused {
		s.still = 0
		s.env.Rest(false, f)
		return
	}
	if s.still < restAfter {
		s.still += focusCheck
		if s.still >= restAfter {
			s.env.Rest(true, f)
		}
	}
}

// placeRing draws the focus ring around o, or hides it when o is nil, covered by a dialog or
// scrolled out of its page.
// It touches the ring only when something changed: every Hide, Show and Refresh repaints the whole
// window, which five times a second kept a software-rendered window busy while nobody used it.
func (s *Shell) placeRing(o fyne.CanvasObject, show bool) {
	if !show || o == nil || !o.Visible() || !s.inView(o) {
		if s.ring.Visible() {
			s.ring.Hide()
		}
		return
	}
	d := fyne.CurrentApp().Driver()
	const gap = 2
	pos := d.AbsolutePositionForObject(o).Subtract(d.AbsolutePositionForObject(s.ringLayer)).SubtractXY(gap, gap)
	size := o.Size().AddWidthHeight(2*gap, 2*gap)
	stroke := theme.Color(theme.ColorNameForeground)
	if s.ring.Visible() && s.ring.Position() == pos && s.ring.Size() == size && s.ring.StrokeColor == stroke {
		return
	}
	s.ring.Move(pos)
	s.ring.Resize(size)
	s.ring.StrokeColor = stroke
	s.ring.Show()
	s.ring.Refresh()
}

// inView reports whether o lies inside the visible part of the page's scroll area (objects
// outside the page, such as the sidebar, always do).
func (s *Shell) inView(o fyne.CanvasObject) bool {
	if pathTo(s.scroll, o) == nil {
		return true
	}
	d := fyne.CurrentApp().Driver()
	top := d.AbsolutePositionForObject(o).Y - d.AbsolutePositionForObject(s.scroll).Y
	return top >= 0 && top+o.Size().Height <= s.scroll.Size().Height+1
}

// onTypedKey handles the keys no focused widget took: Enter and Escape for the dialog on top, F5
// as File › Refresh (Ctrl+R), the rest to next.
func (s *Shell) onTypedKey(next func(*fyne.KeyEvent)) func(*fyne.KeyEvent) {
	return func(ev *fyne.KeyEvent) {
		switch {
		case HandleDialogKey(s.env.Window, ev):
		case ev.Name == fyne.KeyF5:
			s.onRefreshMenu()
		case next != nil:
			next(ev)
		}
	}
}

// Connect sets up the configured service in the background and shows the result.
func (s *Shell) Connect() {
	s.header.connecting("Connecting…")
	settings := s.conn.Settings()
	s.env.Run(func() func() {
		sess, err := s.conn.Connect(s.base, settings, "")
		return func() {
			if err != nil {
				s.header.setHealth("unreachable", "not connected")
				if errors.Is(err, hostsync.ErrKeyringUnavailable) || errors.Is(err, ErrDatabase) {
					// Settings cannot fix these; the user fixes the keyring or disk, then retries.
					s.banner.show(Describe(err), "Retry", s.Connect)
				} else {
					s.banner.show(Describe(err), "Open Settings", func() { s.Show(PageSettings) })
				}
				s.show()
				return
			}
			s.SetSession(sess)
		}
	})
}

// SetSession switches every page to a new session.
func (s *Shell) SetSession(sess *Session) {
	if s.cancel != nil {
		s.cancel()
	}
	s.ctx, s.cancel = context.WithCancel(s.base)
	s.session = sess
	s.banner.hide()
	s.header.setSession(s.ctx, sess)
	for _, f := range s.onSess {
		f(sess)
	}
	if s.current == PageSettings && s.setting != nil {
		return // keep the page that just saved, with its "Connected to …" line
	}
	s.show()
}

// Session is the current session, or nil while none is connected.
func (s *Shell) Session() *Session { return s.session }

// Show navigates to a page.
func (s *Shell) Show(id string) {
	if id == PageSync {
		id = PageAzureAD
	}
	s.current = id
	s.nav.Select(id)
	s.show()
}

// show rebuilds the current page for the current session.
func (s *Shell) show() {
	var obj fyne.CanvasObject
	if s.pageCancel != nil {
		s.pageCancel()
	}
	s.azure, s.setting = nil, nil
	ctx := s.ctx
	if ctx == nil {
		ctx = s.base
	}
	ctx, s.pageCancel = context.WithCancel(ctx)
	switch {
	case s.current == PageSettings:
		s.setting = newSettingsPage(ctx, s.env, s.conn, s.session, s.SetSession)
		obj = s.setting.build()
	case s.session == nil:
		obj = placeholder("Not connected", "The console has no service to talk to yet. Check the message above or open Settings.")
	case idpOfPage(s.current) != "":
		s.azure = newIdPPage(ctx, s.env, s.session, idpOfPage(s.current))
		s.azure.changed = s.header.refresh
		obj = s.azure.build()
	case s.pages[s.current] != nil:
		obj = s.pages[s.current](ctx, s.env, s.session)
	default:
		obj = placeholder(pageTitles[s.current], "This screen is not available in this build.")
	}
	s.content.Objects = []fyne.CanvasObject{obj}
	s.content.Refresh()
	if s.scroll != nil {
		s.scroll.ScrollToTop()
	}
}

// idpOfPage is the identity provider whose page id is; "" for other pages.
func idpOfPage(id string) hostsync.IdP {
	switch id {
	case PageAzureAD:
		return hostsync.IdPAzureAD
	case PageOkta:
		return hostsync.IdPOkta
	case PageOneLogin:
		return hostsync.IdPOneLogin
	}
	return ""
}

func placeholder(title, text string) fyne.CanvasObject {
	t := widget.NewLabelWithStyle(title, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	l := widget.NewLabel(text)
	l.Alignment = fyne.TextAlignCenter
	l.Wrapping = fyne.TextWrapWord
	return container.NewCenter(container.NewVBox(t, l))
}

func (s *Shell) newNav() *widget.Tree {
	children := map[string][]string{
		"":       {PageHosts, PageDeleted, PageActivity, PageSync, PageSettings},
		PageSync: {PageAzureAD, PageOkta, PageOneLogin},
	}
	t := widget.NewTree(
		func(id widget.TreeNodeID) []widget.TreeNodeID { return children[id] },
		func(id widget.TreeNodeID) bool { return len(children[id]) > 0 || id == "" },
		func(branch bool) fyne.CanvasObject {
			return container.NewHBox(widget.NewIcon(theme.AccountIcon()), widget.NewLabel("Deleted hosts"))
		},
		func(id widget.TreeNodeID, branch bool, o fyne.CanvasObject) {
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Icon).SetResource(pageIcon(id))
			box.Objects[1].(*widget.Label).SetText(pageTitles[id])
		})
	t.OpenBranch(PageSync)
	t.OnSelected = func(id widget.TreeNodeID) {
		if id == PageSync {
			t.Select(PageAzureAD)
			return
		}
		if id != s.current {
			s.current = id
			s.show()
		}
	}
	return t
}

// menu puts the common actions, with their shortcuts, in the menu bar of goos. Shortcuts use
// fyne.KeyModifierShortcutDefault: Ctrl on Windows and Linux, ⌘ on a Mac.
//
// On a Mac the menus go to the screen's menu bar, and Fyne moves an item labelled "Settings…"
// into the app menu (Visitly Console › Settings… ⌘,), where GLFW's app menu already has
// "Quit Visitly Console" (⌘Q), which closes the window as our Quit does. File › Quit is left out
// there: Fyne gives an IsQuit item without an action its action only in the menu bar it draws
// inside the window, so on a Mac it would do nothing.
func (s *Shell) menu(goos string) *fyne.MainMenu {
	short := func(k fyne.KeyName, shift bool) fyne.Shortcut {
		m := fyne.KeyModifierShortcutDefault
		if shift {
			m |= fyne.KeyModifierShift
		}
		return &desktop.CustomShortcut{KeyName: k, Modifier: m}
	}
	item := func(label string, sc fyne.Shortcut, f func()) *fyne.MenuItem {
		it := fyne.NewMenuItem(label, f)
		it.Shortcut = sc
		return it
	}
	onAzure := func(f func(p *idpPage)) func() {
		return func() {
			if s.azure == nil {
				s.Show(PageAzureAD)
			}
			if s.azure != nil {
				f(s.azure)
			}
		}
	}
	goTo := func(id string) func() { return func() { s.Show(id) } }
	var file []*fyne.MenuItem
	if len(s.fileItems) > 0 {
		file = append(append(file, s.fileItems...), fyne.NewMenuItemSeparator())
	}
	file = append(file,
		item("Refresh", short(fyne.KeyR, false), s.onRefreshMenu),
		item("Settings…", short(fyne.KeyComma, false), goTo(PageSettings)),
	)
	if goos != "darwin" {
		// Quit with no action: the driver fills in closing every window, so deferred cleanup runs.
		quit := item("Quit", short(fyne.KeyQ, false), nil)
		quit.IsQuit = true
		file = append(file, fyne.NewMenuItemSeparator(), quit)
	}
	return fyne.NewMainMenu(
		fyne.NewMenu("File", file...),
		fyne.NewMenu("Go",
			item("Hosts", short(fyne.Key1, false), goTo(PageHosts)),
			item("Deleted hosts", short(fyne.Key2, false), goTo(PageDeleted)),
			item("Activity", short(fyne.Key3, false), goTo(PageActivity)),
			item("Azure AD", short(fyne.Key4, false), goTo(PageAzureAD)),
			item("Okta", short(fyne.Key5, false), goTo(PageOkta)),
			item("OneLogin", short(fyne.Key6, false), goTo(PageOneLogin)),
		),
		// Acts on the identity provider page on display (Azure AD's when another page is).
		fyne.NewMenu("Identity provider",
			item("Copy Tenant URL", short(fyne.KeyU, true), onAzure((*idpPage).onCopyTenant)),
			item("Copy API key", short(fyne.KeyK, true), onAzure((*idpPage).onCopyKey)),
			item("Reveal or hide API key", short(fyne.KeyR, true), onAzure((*idpPage).onReveal)),
			fyne.NewMenuItemSeparator(),
			item("Test connection", short(fyne.KeyT, false), s.TestConnection),
			item("Generate new key…", short(fyne.KeyG, true), onAzure((*idpPage).onGenerate)),
		),
	)
}

// TestConnection is Identity provider › Test connection: it runs the test of the IdP page on
// display, or shows the Azure AD page and runs its test.
func (s *Shell) TestConnection() {
	if s.azure == nil {
		s.Show(PageAzureAD)
	}
	if s.azure != nil {
		s.azure.onTest()
	}
}

// onRefreshMenu is File › Refresh: the shell's reload, then what main added.
func (s *Shell) onRefreshMenu() {
	s.refresh()
	for _, f := range s.onRefresh {
		f()
	}
}

// refresh reloads what is on display in place: the header, and an IdP page's key, keys and
// status. Nothing is rebuilt, so a page keeps what the user did on it (search, filters, selection,
// focus, unsaved settings); the host screens update themselves after the sync onRefresh starts.
func (s *Shell) refresh() {
	if s.session == nil {
		s.Connect()
		return
	}
	s.header.refresh()
	if s.azure != nil {
		s.azure.load()
	}
}

// Close cancels the page's and the session's background work.
func (s *Shell) Close() {
	if s.pageCancel != nil {
		s.pageCancel()
	}
	if s.cancel != nil {
		s.cancel()
	}
	if s.header.stop != nil {
		s.header.stop()
	}
	if s.stopFocus != nil {
		s.stopFocus()
	}
}
