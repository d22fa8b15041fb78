//go:build !unix

package hostdb

import "testing"

// fileOwner: files have no uid here (and the test is never root).
func fileOwner(t *testing.T, path string) int { return -1 }
