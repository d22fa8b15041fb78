package hostdb

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/visitly/hostsync"
)

// TestWrongSecretsReloadTheKeyCacheRarely: an unknown secret makes the key
// cache look in the database again (it may be a key just created elsewhere),
// but 50 clients sending wrong secrets as fast as they can reload it at most
// once per missReloadEvery between them.
func TestWrongSecretsReloadTheKeyCacheRarely(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	start := time.Now()
	before := s.keys.reloads.Load()
	var n atomic.Int64
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Since(start) < 500*time.Millisecond {
				var err error
				if i%2 == 0 {
					err = s.AuthenticateAdmin(ctx, adminTokenPrefix+"wrong")
				} else {
					_, err = s.AuthenticateAPIKey(ctx, apiKeyPrefix+"wrong")
				}
				if !errors.Is(err, hostsync.ErrUnauthorized) {
					t.Errorf("wrong secret: %v", err)
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	reloads := s.keys.reloads.Load() - before
	if limit := int64(time.Since(start)/missReloadEvery) + 2; reloads > limit {
		t.Errorf("%d wrong secrets reloaded the cache %d times, want at most %d", n.Load(), reloads, limit)
	}
	if reloads < 2 {
		t.Errorf("%d wrong secrets reloaded the cache %d times in 500 ms: a miss must look again", n.Load(), reloads)
	}
	t.Logf("%d wrong secrets, %d reloads", n.Load(), reloads)
}
