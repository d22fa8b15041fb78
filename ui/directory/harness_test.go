package directory

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	fynestorage "fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/scimserver"
	"github.com/visitly/hostsync/storage/hostdb"
	"github.com/visitly/hostsync/storage/mirror"
	"github.com/visitly/hostsync/ui"
)

// service is the real host-sync service (storage on a temp file + scimserver over httptest) with
// an admin client (the console) and a SCIM client holding an API key (Azure AD).
type service struct {
	admin *scimclient.Client
	azure *scimclient.Client
	hs    *httptest.Server
	key   string // Azure AD's API key
}

func newService(t testing.TB) *service {
	t.Helper()
	ctx := context.Background()
	st, err := hostdb.Open(ctx, filepath.Join(t.TempDir(), "hostsync.db"))
	if err != nil {
		t.Fatal(err)
	}
	// The benchmarks measure the console's memory with 100,000 hosts; the
	// console's own embedded service keeps no host cache at that size (its
	// limit is 50,000), so neither does this in-process stand-in.
	st.SetHostCacheLimit(0)
	srv := scimserver.New(st, scimserver.Options{Version: "test"})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		st.Close()
	})
	tok, err := st.RotateAdminToken(ctx, hostsync.Actor{Kind: hostsync.ActorSystem})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := scimclient.New(hs.URL, scimclient.WithAdminToken(tok))
	if err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateKey(ctx, "Azure AD", hostsync.IdPAzureAD)
	if err != nil {
		t.Fatal(err)
	}
	azure, err := scimclient.New(hs.URL, scimclient.WithAPIKey(key.Secret))
	if err != nil {
		t.Fatal(err)
	}
	return &service{admin: admin, azure: azure, hs: hs, key: key.Secret}
}

// create provisions a user the way Azure AD does and returns its id.
func (s *service) create(t testing.TB, userName, displayName, dept, title string) string {
	t.Helper()
	return createWith(t, s.azure, userName, displayName, dept, title)
}

// idp is a SCIM client holding a new API key of another identity provider.
func (s *service) idp(t testing.TB, p hostsync.IdP) *scimclient.Client {
	t.Helper()
	key, err := s.admin.CreateKey(context.Background(), p.Name(), p)
	if err != nil {
		t.Fatal(err)
	}
	c, err := scimclient.New(s.hs.URL, scimclient.WithAPIKey(key.Secret))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// createWith provisions a user through an identity provider's client and returns its id.
func createWith(t testing.TB, idp *scimclient.Client, userName, displayName, dept, title string) string {
	t.Helper()
	given, family, _ := strings.Cut(displayName, " ")
	u := map[string]any{
		"schemas":      []string{"urn:ietf:params:scim:schemas:core:2.0:User", enterpriseURN},
		"userName":     userName,
		"externalId":   "ext-" + strings.Split(userName, "@")[0],
		"active":       true,
		"displayName":  displayName,
		"title":        title,
		"name":         map[string]any{"givenName": given, "familyName": family},
		"emails":       []any{map[string]any{"type": "work", "value": userName, "primary": true}},
		"phoneNumbers": []any{map[string]any{"type": "mobile", "value": "+44 7700 900123"}},
		enterpriseURN:  map[string]any{"department": dept, "employeeNumber": "E-" + given},
	}
	raw, err := idp.CreateUser(context.Background(), u)
	if err != nil {
		t.Fatalf("create %s: %v", userName, err)
	}
	var out struct{ ID string }
	if err := json.Unmarshal(raw, &out); err != nil || out.ID == "" {
		t.Fatalf("create %s: no id in %s", userName, raw)
	}
	return out.ID
}

func (s *service) patch(t testing.TB, id string, ops ...scimclient.PatchOp) {
	t.Helper()
	if _, err := s.azure.PatchUser(context.Background(), id, ops...); err != nil {
		t.Fatalf("patch %s: %v", id, err)
	}
}

func (s *service) remove(t testing.TB, id string) {
	t.Helper()
	if err := s.azure.DeleteUser(context.Background(), id); err != nil {
		t.Fatalf("delete %s: %v", id, err)
	}
}

// timers replaces ui.AfterFunc: nothing fires until the test says so.
type timers struct {
	pending map[int]pendingTimer
	next    int
}

type pendingTimer struct {
	d time.Duration
	f func()
}

func (ts *timers) after(d time.Duration, f func()) func() {
	if ts.pending == nil {
		ts.pending = map[int]pendingTimer{}
	}
	ts.next++
	id := ts.next
	ts.pending[id] = pendingTimer{d, f}
	return func() { delete(ts.pending, id) }
}

// fire runs the timers set for d.
func (ts *timers) fire(d time.Duration) int {
	n := 0
	for id, p := range ts.pending {
		if p.d == d {
			delete(ts.pending, id)
			p.f()
			n++
		}
	}
	return n
}

// harness is one console window on a real service and a real mirror file.
type harness struct {
	svc     *service
	m       *mirror.Mirror
	win     fyne.Window
	env     *ui.Env
	timers  *timers
	dir     *Directory
	saved   string   // where the last export went
	opened  []string // URLs given to the system to open
	visited []string // pages Navigate was asked for
	leave   func()   // ends the page on display, as the shell does when another is shown
}

// page is the context of a page about to be shown, as the shell gives it: it ends the page before.
func (h *harness) page() context.Context {
	if h.leave != nil {
		h.leave()
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.leave = cancel
	return ctx
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	t.Setenv("LANG", "en_US.UTF-8")
	a := test.NewTempApp(t)
	a.Settings().SetTheme(ui.Theme())
	h := &harness{svc: newService(t), timers: &timers{}}
	t.Cleanup(func() {
		if h.leave != nil {
			h.leave()
		}
	})
	m, err := mirror.Open(context.Background(), filepath.Join(t.TempDir(), mirror.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	h.m = m
	h.win = a.NewWindow("Visitly Console")
	h.win.Resize(fyne.NewSize(1280, 800))
	h.env = &ui.Env{Window: h.win, Run: ui.Inline, After: h.timers.after, Delays: ui.DefaultDelays}
	exports := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h.dir = New(ctx, h.env, Deps{Mirror: m, Source: h.svc.admin, Admin: h.svc.admin,
		Save: func(_ fyne.Window, suggested string, done func(io.WriteCloser, fyne.URI, error)) {
			h.saved = filepath.Join(exports, suggested)
			f, err := os.Create(h.saved)
			done(f, fynestorage.NewFileURI(h.saved), err)
		},
		OpenURL:  func(u *url.URL) error { h.opened = append(h.opened, u.String()); return nil },
		Navigate: func(p string) { h.visited = append(h.visited, p) }})
	return h
}

// show puts a page on the window, as the shell does.
func (h *harness) show(page fyne.CanvasObject) {
	h.win.SetContent(page)
}

// cellText is what the table shows in a row of the column titled col: the table's own create and
// update callbacks. The column must be on display.
func cellText[T any](t *testing.T, tbl *dataTable[T], row int, col string) string {
	t.Helper()
	o := tbl.table.CreateCell()
	tbl.table.UpdateCell(widget.TableCellID{Row: row, Col: colIndex(t, tbl, col)}, o)
	return o.(*fyne.Container).Objects[1].(*widget.Label).Text
}

// colIndex is the table column on display titled col.
func colIndex[T any](t *testing.T, tbl *dataTable[T], col string) int {
	t.Helper()
	k := slices.Index(tbl.visible(), col)
	if k < 0 {
		t.Fatalf("no column %q on display: %q", col, tbl.visible())
	}
	return k
}

// columnTexts reads one column of every row.
func columnTexts[T any](t *testing.T, tbl *dataTable[T], col string) []string {
	t.Helper()
	rows, _ := tbl.table.Length()
	out := make([]string, rows)
	for r := range rows {
		out[r] = cellText(t, tbl, r, col)
	}
	return out
}

// texts collects every label's text under o, in order.
func texts(o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			out = append(out, x.Text)
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case *container.Scroll:
			walk(x.Content)
		}
	}
	walk(o)
	return out
}

// tapOverlayButton taps the button labelled label in the top dialog.
func tapOverlayButton(t *testing.T, w fyne.Window, label string) {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog open to tap %q", label)
	}
	for _, o := range test.LaidOutObjects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text == label {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("no %q button in the dialog", label)
}

// overlayTexts is the text of the top dialog.
func overlayTexts(w fyne.Window) string {
	top := w.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	var out []string
	for _, o := range test.LaidOutObjects(top) {
		if l, ok := o.(*widget.Label); ok {
			out = append(out, l.Text)
		}
	}
	return strings.Join(out, "\n")
}

func closeDialogs(w fyne.Window) {
	for w.Canvas().Overlays().Top() != nil {
		w.Canvas().Overlays().Remove(w.Canvas().Overlays().Top())
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var _ = fmt.Sprint

// group creates a group with members through SCIM, as Azure AD does.
func (s *service) group(t testing.TB, name string, members ...string) {
	t.Helper()
	var ms []any
	for _, id := range members {
		ms = append(ms, map[string]any{"value": id})
	}
	body, _ := json.Marshal(map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
		"displayName": name, "members": ms})
	req := httptest.NewRequest("POST", s.hs.URL+scimclient.SCIMPath+"/Groups", strings.NewReader(string(body)))
	req.RequestURI = ""
	req.Header.Set("Authorization", "Bearer "+s.key)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := s.hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("create group %s: %s", name, resp.Status)
	}
}
