//go:build !visitly_upgrade_test

package pgstore

import "embed"

// upgradeFiles is empty outside the rolling-upgrade test's builds.
var upgradeFiles embed.FS
