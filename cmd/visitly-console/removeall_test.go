package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRemoveAllDeletesTheTree(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Visitly Host Sync")
	deep := filepath.Join(dir, "mirrors", "Zoë Müller")
	if err := os.MkdirAll(deep, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{filepath.Join(dir, "settings.json"), filepath.Join(deep, "mirror.db")} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := removeAll(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("%s still there: %v", dir, err)
	}
	if err := removeAll(dir); err != nil {
		t.Fatalf("removing a missing folder: %v", err)
	}
}
