package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/visitly/hostsync/storage/keyring"
)

// TestEmbeddedWithRealKeyring runs the first start against the OS keyring (gnome-keyring under
// D-Bus in CI). Outside CI it skips when no Secret Service answers.
func TestEmbeddedWithRealKeyring(t *testing.T) {
	kr := keyring.New("io.visitly.hostsync.test")
	if _, err := kr.Get("probe"); errors.Is(err, keyring.ErrUnavailable) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no usable keyring in CI: %v", err)
		}
		t.Skipf("no usable keyring: %v", err)
	}
	t.Cleanup(func() { kr.DeleteAll() })
	dir := t.TempDir()
	b := newBackend(dir, config{ListenAddr: "127.0.0.1:0"}, kr, slog.New(slog.DiscardHandler), "test")
	defer b.Close()
	sess, err := b.Connect(context.Background(), embeddedSettings(dir), "")
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := b.accounts("")
	tok, err := kr.Get(admin)
	if err != nil || !strings.HasPrefix(tok, "vha_") {
		t.Fatalf("admin credential in the keyring: %v", err)
	}
	if _, err := sess.Service.Status(context.Background()); err != nil {
		t.Fatal(err)
	}
	assertNoSecretInFiles(t, dir, tok)
}
