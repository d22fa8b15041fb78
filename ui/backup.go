package ui

import (
	"context"
	"net/url"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	fynestorage "fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
)

// Backups are the embedded service's database backups; main implements them. A remote service
// has none here (its server is backed up with visitly-scimd backup).
type Backups interface {
	// Folder is where backups go: <data folder>/backups.
	Folder() string
	// Last is when the newest backup was made; zero when there is none.
	Last() (time.Time, error)
	// BackupNow writes a consistent copy of the database into Folder and returns its path.
	BackupNow(ctx context.Context) (string, error)
}

// backupCard is Settings › Backups: the last backup, Back up now, and where they are.
type backupCard struct {
	ctx      context.Context
	env      *Env
	b        Backups
	last     *widget.Label
	now      *widget.Button
	progress *widget.ProgressBarInfinite
	result   *widget.Label
	open     *widget.Button
	folder   string // the folder the last backup went to, for Open folder
}

func newBackupCard(ctx context.Context, env *Env, b Backups) *backupCard {
	c := &backupCard{ctx: ctx, env: env, b: b,
		last:     widget.NewLabel(""),
		progress: widget.NewProgressBarInfinite(),
		result:   &widget.Label{Wrapping: fyne.TextWrapBreak},
	}
	c.now = &widget.Button{Text: "Back up now", Icon: theme.DocumentSaveIcon(), OnTapped: c.onBackUp}
	c.open = &widget.Button{Text: "Open folder", Icon: theme.FolderOpenIcon(), OnTapped: c.onOpen}
	c.progress.Stop()
	c.progress.Hide()
	c.result.Hide()
	c.open.Hide()
	c.showLast()
	return c
}

func (c *backupCard) build() fyne.CanvasObject {
	return widget.NewCard("Backups", "The embedded service's hosts, groups, keys and activity", container.NewVBox(
		c.last,
		// The result above the buttons: the focused button is scrolled into view, and so it is.
		c.result,
		c.progress,
		container.NewHBox(c.now, c.open),
		lowLabel("A backup is made every day while the console runs; the last 7 are kept in "+c.b.Folder()+
			". To restore one, close the console and run: visitly-scimd restore --from BACKUP --db DATABASE."),
	))
}

func (c *backupCard) showLast() {
	t, err := c.b.Last()
	switch {
	case err != nil:
		c.last.SetText("Last backup: unknown (" + Describe(err).Title + ")")
	case t.IsZero():
		c.last.SetText("Last backup: none yet")
	default:
		c.last.SetText("Last backup: " + t.Local().Format("2 Jan 2006 15:04") + " (" + hostsync.Ago(t, time.Now()) + ")")
	}
}

func (c *backupCard) onBackUp() {
	c.now.Disable()
	c.open.Hide()
	c.result.Importance = widget.MediumImportance
	c.result.SetText("Backing up… the service keeps serving meanwhile.")
	c.result.Show()
	c.progress.Show()
	c.progress.Start()
	c.env.Run(func() func() {
		path, err := c.b.BackupNow(c.ctx)
		return func() {
			c.progress.Stop()
			c.progress.Hide()
			c.now.Enable()
			if err != nil {
				p := Describe(err)
				c.result.Importance = widget.DangerImportance
				c.result.SetText("Backup failed: " + p.Title + ". " + p.Hint)
				return
			}
			c.folder = c.b.Folder()
			c.result.Importance = widget.SuccessImportance
			c.result.SetText("Backed up to " + path)
			c.open.Show()
			c.showLast()
		}
	})
}

func (c *backupCard) onOpen() {
	u, err := url.Parse(fynestorage.NewFileURI(c.folder).String())
	if err == nil {
		err = fyne.CurrentApp().OpenURL(u)
	}
	if err != nil {
		ShowError(c.env.Window, err)
	}
}
