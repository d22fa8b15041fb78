package ui

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// fakeBackups is main's backups as the card sees them.
type fakeBackups struct {
	last time.Time
	err  error
	made []string
}

func (f *fakeBackups) Folder() string           { return "/data/backups" }
func (f *fakeBackups) Last() (time.Time, error) { return f.last, nil }
func (f *fakeBackups) BackupNow(ctx context.Context) (string, error) {
	if f.err != nil {
		return "", f.err
	}
	f.last = time.Now()
	p := fmt.Sprintf("/data/backups/hostsync-%d.db", len(f.made)+1)
	f.made = append(f.made, p)
	return p, nil
}

func TestSettingsBackUpNow(t *testing.T) {
	h, s, _ := newShellHarness(t, nil)
	fb := &fakeBackups{}
	h.sess.Backups = fb
	s.Connect()
	s.Show(PageSettings)
	c := s.setting.backups
	if c == nil {
		t.Fatal("the embedded service's Settings have no Backups card")
	}
	if c.last.Text != "Last backup: none yet" || c.open.Visible() {
		t.Errorf("before: %q, Open folder shown %v", c.last.Text, c.open.Visible())
	}
	test.Tap(c.now)
	if c.result.Text != "Backed up to /data/backups/hostsync-1.db" || c.result.Importance != widget.SuccessImportance || !c.open.Visible() {
		t.Errorf("after: %q (%v), Open folder shown %v", c.result.Text, c.result.Importance, c.open.Visible())
	}
	if !strings.HasPrefix(c.last.Text, "Last backup: ") || !strings.HasSuffix(c.last.Text, "(just now)") || c.progress.Visible() {
		t.Errorf("last %q, progress shown %v", c.last.Text, c.progress.Visible())
	}

	fb.err = fmt.Errorf("back up: %w: %w", ErrDiskFull, syscall.ENOSPC)
	test.Tap(c.now)
	if !strings.HasPrefix(c.result.Text, "Backup failed: The disk is full. Free some space") || c.result.Importance != widget.DangerImportance || c.open.Visible() {
		t.Errorf("disk full: %q (%v)", c.result.Text, c.result.Importance)
	}
}

func TestRemoteSettingsHaveNoBackups(t *testing.T) {
	h, s, _ := newShellHarness(t, nil)
	h.sess.Embedded = false
	s.Connect()
	s.Show(PageSettings)
	if s.setting.backups != nil {
		t.Error("a remote service's Settings offer Back up now")
	}
}
