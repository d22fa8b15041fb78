//go:build visitly_upgrade_test

package pgstore

import "embed"

// upgradeFiles is one more migration after the real ones, in builds for
// the rolling-upgrade test only: such a binary is "the next version".
//
//go:embed upgradetest/*.sql
var upgradeFiles embed.FS
