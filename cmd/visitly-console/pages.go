package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/storage/mirror"
	"github.com/visitly/hostsync/ui"
	"github.com/visitly/hostsync/ui/directory"
)

// The Hosts, Deleted hosts and Activity screens: one directory.Directory per session, over that
// service's own mirror file in the data folder, synced at start, every minute, on Sync now / F5 /
// File › Refresh, and read by the screens even when the service is unreachable.
func init() {
	pages[ui.PageHosts] = windowPages.builder((*directory.Directory).HostsPage)
	pages[ui.PageDeleted] = windowPages.builder((*directory.Directory).DeletedPage)
	pages[ui.PageActivity] = windowPages.builder((*directory.Directory).ActivityPage)
}

// windowPages is the window's state behind those builders (the shell calls builders, which cannot
// carry it).
var windowPages = &directoryPages{mirrors: map[string]*mirror.Mirror{}}

type directoryPages struct {
	dataDir string
	env     *ui.Env
	shell   *ui.Shell

	sess    *ui.Session
	dir     *directory.Directory
	openErr error
	cancel  context.CancelFunc
	mirrors map[string]*mirror.Mirror // by path; kept open until the window closes
}

// startPages binds the screens to the window: it syncs as soon as a session exists (even while
// another page is shown), adds File › Sync now and Export… (Ctrl/Cmd+E), makes File › Refresh
// (Ctrl/Cmd+R) and F5 sync, and returns the function that stops it all and closes the mirrors.
func startPages(dataDir string, env *ui.Env, shell *ui.Shell) (stop func()) {
	p := windowPages
	p.dataDir, p.env, p.shell = dataDir, env, shell
	p.extendMenu()
	c := env.Window.Canvas()
	prev := c.OnTypedKey()
	c.SetOnTypedKey(func(e *fyne.KeyEvent) {
		if e.Name == fyne.KeyF5 {
			p.syncNow()
			return
		}
		if prev != nil {
			prev(e)
		}
	})
	shell.OnSession(func(s *ui.Session) {
		if s != p.sess {
			p.attach(s) // sync as soon as connected, whichever page is shown
		}
	})
	return func() {
		p.detach()
		for path, m := range p.mirrors {
			if err := m.Close(); err != nil && env.Log != nil {
				env.Log.Warn("close the mirror", "path", path, "err", err)
			}
		}
	}
}

// builder makes a ui.PageBuilder of one screen.
func (p *directoryPages) builder(screen func(*directory.Directory) fyne.CanvasObject) ui.PageBuilder {
	return func(_ context.Context, env *ui.Env, s *ui.Session) fyne.CanvasObject {
		if p.env == nil {
			p.env = env // tests and tools that skip startPages
		}
		if s != p.sess {
			p.attach(s)
		}
		if p.dir == nil {
			return problemPage(p.openErr)
		}
		return screen(p.dir)
	}
}

// attach makes the screens follow session s and syncs its mirror.
func (p *directoryPages) attach(s *ui.Session) {
	p.detach()
	p.sess = s
	c, ok := s.Service.(*scimclient.Client)
	if !ok {
		p.openErr = fmt.Errorf("the service connection (%T) cannot feed the local mirror", s.Service)
		return
	}
	key := ""
	if !s.Embedded {
		key = strings.TrimRight(c.URL(), "/") // as the subcommands name it: one mirror per service
	}
	path := mirror.Path(p.dataDir, key)
	m := p.mirrors[path]
	if m == nil {
		// Opening is a few milliseconds (the file exists after the first run); it is done here so
		// the screen can be built at once.
		var err error
		if m, err = mirror.Open(context.Background(), path); err != nil {
			p.openErr = fmt.Errorf("open the local mirror: %w", err)
			return
		}
		p.mirrors[path] = m
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.dir = directory.New(ctx, p.env, directory.Deps{Mirror: m, Source: c, Admin: c,
		Navigate: func(page string) {
			if p.shell != nil {
				p.shell.Show(page)
			}
		}})
	p.dir.Start()
}

func (p *directoryPages) detach() {
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
	if p.dir != nil {
		p.dir.Close()
	}
	p.dir, p.sess, p.openErr = nil, nil, nil
}

func (p *directoryPages) syncNow() {
	if p.dir != nil {
		p.dir.SyncNow()
	}
}

func (p *directoryPages) export() {
	if p.dir != nil {
		p.dir.Export()
	}
}

// extendMenu adds the directory's actions to the shell's File menu and makes Refresh sync too.
func (p *directoryPages) extendMenu() {
	mm := p.env.Window.MainMenu()
	if mm == nil {
		return
	}
	for _, m := range mm.Items {
		if m.Label != "File" {
			continue
		}
		for _, it := range m.Items {
			if it.Label == "Refresh" && it.Action != nil {
				refresh := it.Action
				it.Action = func() {
					refresh()
					p.syncNow()
				}
			}
		}
		syncItem := fyne.NewMenuItem("Sync now (F5)", p.syncNow)
		exportItem := fyne.NewMenuItem("Export…", p.export)
		exportItem.Shortcut = &desktop.CustomShortcut{KeyName: fyne.KeyE, Modifier: fyne.KeyModifierShortcutDefault}
		m.Items = append([]*fyne.MenuItem{syncItem, exportItem, fyne.NewMenuItemSeparator()}, m.Items...)
	}
	p.env.Window.SetMainMenu(mm)
}

// problemPage explains why the screens cannot show the mirror.
func problemPage(err error) fyne.CanvasObject {
	if err == nil {
		err = errors.New("no session")
	}
	pr := ui.Describe(err)
	title := widget.NewLabelWithStyle(pr.Title, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	msg := widget.NewLabel(pr.Message + "\n\n" + err.Error())
	msg.Wrapping = fyne.TextWrapWord
	msg.Alignment = fyne.TextAlignCenter
	return container.NewCenter(container.NewVBox(title, msg))
}
