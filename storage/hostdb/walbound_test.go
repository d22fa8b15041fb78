package hostdb

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestWALStaysBoundedUnderSustainedWrites: with writers that never pause,
// no checkpoint beside them ever catches up, and only the committer's own
// checkpoint between two batches lets the WAL start over (checkpoint.go).
// Sampled all along, the -wal file must stay near the stated bound
// (walRestartPages, here 500 pages = 2 MB) plus what the committer's looks
// let through.
func TestWALStaysBoundedUnderSustainedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("writes for 3 seconds")
	}
	ctx := context.Background()
	s, path := openTest(t)
	const restart = 500
	s.walRestartPages.Store(restart)
	var pageSize int64
	if err := s.r.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize); err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	var written atomic.Int64
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.CreateHost(ctx, azure, hostDoc(fmt.Sprintf("w%d-%d", w, i), true, map[string]any{"title": "Engineer"})); err != nil {
					t.Error(err)
					return
				}
				written.Add(1)
			}
		}()
	}
	var maxWAL int64
	start := time.Now()
	for time.Since(start) < 3*time.Second {
		if fi, err := os.Stat(path + "-wal"); err == nil {
			maxWAL = max(maxWAL, fi.Size())
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	elapsed := time.Since(start)

	// The committer looks every walStatEvery; a look may find the loop's
	// own checkpoint running (busy) and try again at the next. Flat out,
	// this machine kind appends ~100 MB of WAL a second: 40 MB allows
	// several missed looks, and is far below the 280 MB the WAL reached
	// when only the loop's rounds (every checkpointEvery) could ask.
	const bound = 40 << 20
	t.Logf("%d hosts in %v; WAL at most %d KB (restart at %d KB)", written.Load(), elapsed.Round(time.Millisecond),
		maxWAL>>10, restart*pageSize>>10)
	if maxWAL > bound {
		t.Errorf("WAL reached %d MB under sustained writes, want under %d MB", maxWAL>>20, bound>>20)
	}
}
