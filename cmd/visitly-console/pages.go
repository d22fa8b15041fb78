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

	"github.com/visitly/hostsync/storage/mirror"
	"github.com/visitly/hostsync/ui"
	"github.com/visitly/hostsync/ui/directory"
)

// directoryPages are the Hosts, Deleted hosts and Activity screens: one directory.Directory per
// session, over that service's own mirror file in the data folder, synced at start, every minute,
// on Sync now / F5 / File › Refresh, and read by the screens even when the service is unreachable.
type directoryPages struct {
	dataDir string
	env     *ui.Env

	sess    *ui.Session
	dir     *directory.Directory
	openErr error
	cancel  context.CancelFunc
	mirrors map[string]*mirror.Mirror // by path; kept open until the window closes
}

func newDirectoryPages(dataDir string, env *ui.Env) *directoryPages {
	return &directoryPages{dataDir: dataDir, env: env, mirrors: map[string]*mirror.Mirror{}}
}

// pages are the shell's builders of the three screens.
func (p *directoryPages) pages() map[string]ui.PageBuilder {
	return map[string]ui.PageBuilder{
		ui.PageHosts:    p.builder((*directory.Directory).HostsPage),
		ui.PageDeleted:  p.builder((*directory.Directory).DeletedPage),
		ui.PageActivity: p.builder((*directory.Directory).ActivityPage),
	}
}

// menuItems are File › Sync now (F5) and Export… (Ctrl/Cmd+E).
func (p *directoryPages) menuItems() []*fyne.MenuItem {
	exportItem := fyne.NewMenuItem("Export…", p.export)
	exportItem.Shortcut = &desktop.CustomShortcut{KeyName: fyne.KeyE, Modifier: fyne.KeyModifierShortcutDefault}
	return []*fyne.MenuItem{fyne.NewMenuItem("Sync now (F5)", p.syncNow), exportItem}
}

// onSession syncs as soon as a session exists, whichever page is shown.
func (p *directoryPages) onSession(s *ui.Session) {
	if s != p.sess {
		p.attach(s)
	}
}

// close stops the syncs and closes the mirrors.
func (p *directoryPages) close() {
	p.detach()
	for path, m := range p.mirrors {
		if err := m.Close(); err != nil && p.env.Log != nil {
			p.env.Log.Warn("close the mirror", "path", path, "err", err)
		}
	}
}

// builder makes a ui.PageBuilder of one screen.
func (p *directoryPages) builder(screen func(*directory.Directory, context.Context) fyne.CanvasObject) ui.PageBuilder {
	return func(ctx context.Context, _ *ui.Env, s *ui.Session) fyne.CanvasObject {
		if s != p.sess {
			p.attach(s)
		}
		if p.dir == nil {
			return problemPage(p.openErr)
		}
		return screen(p.dir, ctx)
	}
}

// attach makes the screens follow session s and syncs its mirror.
func (p *directoryPages) attach(s *ui.Session) {
	p.detach()
	p.sess = s
	key := ""
	if !s.Embedded {
		key = strings.TrimRight(s.Service.URL(), "/") // as the subcommands name it: one mirror per service
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
	p.dir = directory.New(ctx, p.env, directory.Deps{Mirror: m, Source: s.Service, Admin: s.Service, Navigate: p.env.Navigate})
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
		if p.env.Log != nil {
			p.env.Log.Debug("sync now") // the end-to-end run counts these
		}
		p.dir.SyncNow()
	}
}

// serviceChanged syncs at once when the header sees the service's data change, so a host an
// identity provider added shows within seconds rather than at the next periodic sync.
func (p *directoryPages) serviceChanged() {
	if p.dir != nil {
		p.dir.SyncNow()
	}
}

func (p *directoryPages) export() {
	if p.dir != nil {
		p.dir.Export()
	}
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
