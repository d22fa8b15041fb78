//go:build !linux

package main

import "testing"

// mountTiny: filling a small file system needs Linux's tmpfs.
func mountTiny(t *testing.T, size int) string { return "" }
