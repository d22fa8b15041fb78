package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
)

// fakeService is an in-memory host-sync service: keys, events, and healthy SCIM answers.
type fakeService struct {
	mu       sync.Mutex
	url      string
	keys     []hostsync.Key
	secrets  map[string]string // key id → secret
	events   []hostsync.ConsoleEvent
	keysRead int // calls of Keys
	// probedWith is the API key of the last Test connection.
	probedWith string
	queries    []scimclient.ListQuery // every ListUsers a probe made
	status     hostsync.Status
	err        error // returned by every admin call when set
}

func newFakeService() *fakeService {
	return &fakeService{url: "http://127.0.0.1:8765", secrets: map[string]string{}, status: hostsync.Status{Service: "visitly-scimd", Version: "test"}}
}

func (f *fakeService) URL() string       { return f.url }
func (f *fakeService) TenantURL() string { return f.url + scimclient.SCIMPath }

// The Hosts, Deleted hosts and Activity screens are ui/directory's; the shell's tests never call these.
func (f *fakeService) Changes(ctx context.Context, since int64, limit int) (*hostsync.ChangePage, error) {
	return &hostsync.ChangePage{}, nil
}

func (f *fakeService) Activity(ctx context.Context, q hostsync.ActivityQuery) (*hostsync.ActivityPage, error) {
	return &hostsync.ActivityPage{}, nil
}

func (f *fakeService) Restore(ctx context.Context, id string) (*hostsync.Host, error) {
	return nil, &scimclient.Error{Status: 404}
}

// prober is the fake's SCIM side called with one API key: Session.Probe.
func (f *fakeService) prober(apiKey string) Prober {
	f.mu.Lock()
	f.probedWith = apiKey
	f.mu.Unlock()
	return &fakeProber{f, apiKey}
}

type fakeProber struct {
	f      *fakeService
	apiKey string
}

func (f *fakeService) Status(ctx context.Context) (*hostsync.Status, error) {
	if f.err != nil {
		return nil, f.err
	}
	s := f.status
	return &s, nil
}

func (f *fakeService) Keys(ctx context.Context) ([]hostsync.Key, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keysRead++
	if f.err != nil {
		return nil, f.err
	}
	return append([]hostsync.Key(nil), f.keys...), nil
}

// addKey creates a key as the service would and returns its secret: Azure AD's, as before keys
// had an IdP.
func (f *fakeService) addKey(label string) string { return f.addIdPKey(label, "") }

// addIdPKey creates a key of idp and returns its secret.
func (f *fakeService) addIdPKey(label string, idp hostsync.IdP) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := strconv.Itoa(len(f.keys) + 1)
	secret := fmt.Sprintf("vhs_%04dsecret-%s", len(f.keys)+1, label)
	f.keys = append(f.keys, hostsync.Key{ID: id, Label: label, IdP: idp, Created: time.Now(), Prefix: secret[:8]})
	f.secrets[id] = secret
	return secret
}

func (f *fakeService) CreateKey(ctx context.Context, label string, idp hostsync.IdP) (*hostsync.NewKey, error) {
	if f.err != nil {
		return nil, f.err
	}
	secret := f.addIdPKey(label, idp)
	f.mu.Lock()
	defer f.mu.Unlock()
	return &hostsync.NewKey{Key: f.keys[len(f.keys)-1], Secret: secret}, nil
}

func (f *fakeService) RevokeKey(ctx context.Context, id string) (*hostsync.Key, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	for i := range f.keys {
		if f.keys[i].ID == id {
			f.keys[i].Revoked = time.Now()
			k := f.keys[i]
			return &k, nil
		}
	}
	return nil, &scimclient.Error{Status: 404}
}

func (f *fakeService) RecordActivity(ctx context.Context, e hostsync.ConsoleEvent) (*hostsync.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, e)
	return &hostsync.Event{Action: e.Action}, nil
}

func (f *fakeService) keyReads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.keysRead
}

func (f *fakeService) actions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, e := range f.events {
		out = append(out, e.Action)
	}
	return out
}

func (p *fakeProber) authorized() error {
	f := p.f
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, s := range f.secrets {
		for _, k := range f.keys {
			if k.ID == id && s == p.apiKey && k.Active() {
				return nil
			}
		}
	}
	return &scimclient.Error{Status: 401, Detail: "unknown or revoked API key"}
}

func list(resources ...string) *scimclient.ListResponse {
	l := &scimclient.ListResponse{Schemas: []string{scimclient.ListResponseSchema}, TotalResults: len(resources)}
	for _, r := range resources {
		l.Resources = append(l.Resources, json.RawMessage(r))
	}
	return l
}

func (f *fakeProber) ListUsers(ctx context.Context, q scimclient.ListQuery) (*scimclient.ListResponse, error) {
	f.f.mu.Lock()
	f.f.queries = append(f.f.queries, q)
	f.f.mu.Unlock()
	if err := f.authorized(); err != nil {
		return nil, err
	}
	return list(), nil
}

func (f *fakeProber) ServiceProviderConfig(ctx context.Context) (*scimclient.ServiceProviderConfig, error) {
	if err := f.authorized(); err != nil {
		return nil, err
	}
	var c scimclient.ServiceProviderConfig
	c.Patch.Supported, c.Filter.Supported, c.Filter.MaxResults = true, true, 1000
	return &c, nil
}

func (f *fakeProber) ResourceTypes(ctx context.Context) (*scimclient.ListResponse, error) {
	if err := f.authorized(); err != nil {
		return nil, err
	}
	return list(`{"name":"User"}`, `{"name":"Group"}`), nil
}

func (f *fakeProber) Schemas(ctx context.Context) (*scimclient.ListResponse, error) {
	if err := f.authorized(); err != nil {
		return nil, err
	}
	return list(`{"id":"urn:ietf:params:scim:schemas:core:2.0:User"}`, `{"id":"urn:ietf:params:scim:schemas:core:2.0:Group"}`), nil
}

// memSecrets is a SecretStore in memory whose failures tests choose.
type memSecrets struct {
	m              map[string]string
	getErr, setErr error
}

func newMemSecrets() *memSecrets { return &memSecrets{m: map[string]string{}} }

func (s *memSecrets) Get(account string) (string, error) {
	if s.getErr != nil {
		return "", s.getErr
	}
	v, ok := s.m[account]
	if !ok {
		return "", fmt.Errorf("get %q: %w", account, hostsync.ErrSecretNotFound)
	}
	return v, nil
}

func (s *memSecrets) Set(account, secret string) error {
	if s.setErr != nil {
		return s.setErr
	}
	s.m[account] = secret
	return nil
}

func (s *memSecrets) Delete(account string) error {
	delete(s.m, account)
	return nil
}

// errKeyringDown is what a Linux box without a Secret Service gives.
var errKeyringDown = fmt.Errorf("keyring: get \"api-key\": %w: The name org.freedesktop.secrets was not provided by any .service files", hostsync.ErrKeyringUnavailable)

// timers fires AfterFunc callbacks when the test says so.
type timers struct {
	pending map[int]timer
	next    int
}

type timer struct {
	d time.Duration
	f func()
}

func (t *timers) after(d time.Duration, f func()) func() {
	if t.pending == nil {
		t.pending = map[int]timer{}
	}
	id := t.next
	t.next++
	t.pending[id] = timer{d, f}
	return func() { delete(t.pending, id) }
}

// fire runs the pending timers of duration d.
func (t *timers) fire(d time.Duration) int {
	var ids []int
	for id, tm := range t.pending {
		if tm.d == d {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	for _, id := range ids {
		f := t.pending[id].f
		delete(t.pending, id)
		f()
	}
	return len(ids)
}

var testDelays = Delays{RevealFor: 30 * time.Second, ClearClipboard: 60 * time.Second, CopiedFeedback: 2 * time.Second, StatusEvery: 15 * time.Second}

const account = "api-key/http://127.0.0.1:8765"

type harness struct {
	env    *Env
	svc    *fakeService
	sec    *memSecrets
	timers *timers
	win    fyne.Window
	sess   *Session
	leave  func() // the user leaves the page h.azure built: its context ends
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	app := test.NewTempApp(t)
	win := test.NewTempWindow(t, nil)
	win.Resize(fyne.NewSize(1100, 800))
	h := &harness{svc: newFakeService(), sec: newMemSecrets(), timers: &timers{}, win: win}
	h.env = &Env{Window: win, Clipboard: app.Clipboard(), Secrets: h.sec, Run: Inline, After: h.timers.after, Delays: testDelays}
	h.sess = &Session{Service: h.svc, Embedded: true, APIKeyAccount: account, Probe: h.svc.prober}
	return h
}

// azure builds the Azure AD page in the window.
func (h *harness) azure(t *testing.T) *idpPage {
	t.Helper()
	return h.idpPage(t, hostsync.IdPAzureAD)
}

// idpPage builds idp's page in the window.
func (h *harness) idpPage(t *testing.T, idp hostsync.IdP) *idpPage {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h.leave = cancel
	p := newIdPPage(ctx, h.env, h.sess, idp)
	h.win.SetContent(p.build())
	return p
}

// tapDialogButton taps the button labelled text in the dialog on top of the window.
func tapDialogButton(t *testing.T, win fyne.Window, text string) {
	t.Helper()
	top := win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog open; wanted to tap %q", text)
	}
	for _, o := range test.LaidOutObjects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("dialog has no %q button", text)
}

// dialogText is every label's text in the dialog on top, joined.
func dialogText(win fyne.Window) string {
	top := win.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	var s string
	for _, o := range test.LaidOutObjects(top) {
		if l, ok := o.(*widget.Label); ok {
			s += l.Text + "\n"
		}
	}
	return s
}
