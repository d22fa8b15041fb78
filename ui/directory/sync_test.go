package directory

import (
	"context"
	"testing"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/mirror"
)

// slowFirstSync is the real mirror whose Sync first reports the progress of a long first sync.
type slowFirstSync struct {
	*mirror.Mirror
	during func() // called after the progress report, while the sync "runs"
}

func (s *slowFirstSync) Sync(ctx context.Context, src hostsync.Feed, opt hostsync.SyncOptions) (hostsync.SyncResult, error) {
	opt.OnProgress(hostsync.SyncProgress{Phase: "changes", Done: 25_000, Total: 100_000})
	s.during()
	return s.Mirror.Sync(ctx, src, opt)
}

func TestProgressBarOnALongFirstSync(t *testing.T) {
	h := newHarness(t)
	seedFour(t, h)
	var seen []string
	fake := &slowFirstSync{Mirror: h.m}
	d := New(context.Background(), h.env, Deps{Mirror: fake, Source: h.svc.admin, Admin: h.svc.admin})
	h.show(d.HostsPage(h.page())) // the screen is up before the first sync, as in the window
	s := d.current.(*hostsScreen)
	fake.during = func() {
		seen = append(seen, s.st.fresh.Text)
		if !s.st.progBox.Visible() || s.st.progress.Value != 25_000 || s.st.progress.Max != 100_000 || !s.st.syncBtn.Disabled() {
			t.Errorf("during the sync: bar visible=%v %v/%v, Sync now disabled=%v",
				s.st.progBox.Visible(), s.st.progress.Value, s.st.progress.Max, s.st.syncBtn.Disabled())
		}
	}
	d.Start()
	if len(seen) != 1 || seen[0] != "Syncing… 25,000 of 100,000 changes" {
		t.Fatalf("status during the sync: %q", seen)
	}
	if s.st.progBox.Visible() || s.st.syncBtn.Disabled() {
		t.Fatal("the bar stays after the sync")
	}
	if got := s.count.Text; got != "4 hosts" {
		t.Fatalf("after the first sync the table shows %q", got)
	}
}
