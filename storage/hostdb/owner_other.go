//go:build !unix

package hostdb

import "io/fs"

// chownLike: on Windows a new file takes its folder's access rules, which
// are the old file's unless someone changed them by hand.
func chownLike(path string, like fs.FileInfo) error { return nil }
