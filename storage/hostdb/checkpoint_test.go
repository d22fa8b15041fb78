package hostdb

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/visitly/hostsync"
)

// TestCheckpointsKeepTheWALBounded writes 3,000 hosts from 8 goroutines in
// six bursts over a few checkpoint periods, with a small restart bound:
// checkpoints must run beside the writer, and the WAL must start over rather
// than hold every page written (about 100 MB here without checkpoints).
func TestCheckpointsKeepTheWALBounded(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	s.walRestartPages.Store(500)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 375 {
				if i%63 == 62 {
					time.Sleep(checkpointEvery + 100*time.Millisecond)
				}
				if _, err := s.CreateHost(ctx, azure, hostDoc(fmt.Sprintf("w%d-%d", w, i), true, map[string]any{"title": "Engineer"})); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	waitFor(t, 5*time.Second, "a checkpoint", func() bool { return s.checkpoints.Load() > 0 })
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 40<<20 {
		t.Errorf("WAL is %d MB after 3,000 hosts, want it restarted well before that", fi.Size()>>20)
	}
	if _, total, err := s.QueryHosts(ctx, hostsync.LiveHostQuery{}); err != nil || total != 3000 {
		t.Errorf("%d hosts, %v", total, err)
	}
	t.Logf("WAL %d KB, %d checkpoints", fi.Size()>>10, s.checkpoints.Load())
}
