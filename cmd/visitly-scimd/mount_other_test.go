//go:build !linux

package main

import "testing"

// mountTiny and mountReadOnly need Linux's tmpfs.
func mountTiny(t *testing.T, size int) string { return "" }
func mountReadOnly(t *testing.T) string       { return "" }
