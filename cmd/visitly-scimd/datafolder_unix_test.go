//go:build unix

package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/visitly/hostsync/storage/hostdb"
)

// TestServeWarnsAboutAnOpenDataFolder: serve logs a warning when others
// may read its data folder, and none when the folder is 0700.
func TestServeWarnsAboutAnOpenDataFolder(t *testing.T) {
	for _, tt := range []struct {
		mode os.FileMode
		warn bool
	}{{0o755, true}, {0o750, true}, {0o700, false}} {
		t.Run(fmt.Sprintf("%#o", tt.mode), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if err := os.Mkdir(dir, tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, tt.mode); err != nil { // past the umask
				t.Fatal(err)
			}
			c := serveConfig{listen: freeAddr(t), db: filepath.Join(dir, "hostsync.db"), logLevel: "info", maxBody: 1 << 20,
				hostCache: hostdb.DefaultHostCacheLimit}
			stop, logs := startServe(t, c, "http", http.DefaultClient)
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			warned := strings.Contains(logs.String(), "is open to its group or other users")
			if warned != tt.warn {
				t.Errorf("warned %v, want %v; log:\n%s", warned, tt.warn, logs)
			}
		})
	}
}
