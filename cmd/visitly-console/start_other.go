//go:build !linux

package main

import "time"

// processStarted is unknown here; processStart (package init) stands in for it.
func processStarted() (time.Time, bool) { return time.Time{}, false }
