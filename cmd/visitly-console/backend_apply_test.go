package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/visitly/hostsync/ui"
)

// freeAddr is a loopback address nothing listens on (just now).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Moving to a port another program holds fails before anything stops: the service keeps serving
// on its address and the saved settings stay.
func TestTakenPortKeepsTheRunningService(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b := newTestBackend(t, dir, &memKeyring{m: map[string]string{}})
	addr := freeAddr(t)
	sess, err := b.Connect(ctx, ui.Settings{ListenAddr: addr}, "")
	if err != nil {
		t.Fatal(err)
	}
	saved, _ := os.ReadFile(configPath(dir))
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, err = b.Connect(ctx, ui.Settings{ListenAddr: busy.Addr().String()}, "")
	if !errors.Is(err, ui.ErrAddressInUse) {
		t.Fatalf("err = %v, want ErrAddressInUse", err)
	}
	if _, err := sess.Service.Status(ctx); err != nil {
		t.Errorf("the running service stopped: %v", err)
	}
	if now, _ := os.ReadFile(configPath(dir)); !bytes.Equal(now, saved) || b.Settings().ListenAddr != addr {
		t.Errorf("settings changed after a failure:\n%s", now)
	}

	// A change on the same port (a public URL) restarts in place and serves.
	sess2, err := b.Connect(ctx, ui.Settings{ListenAddr: addr, PublicURL: "https://hosts.example.com"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess2.Service.Status(ctx); err != nil || sess2.Service.TenantURL() != "https://hosts.example.com/v1/usersync/SCIM" {
		t.Errorf("after a change on the same port: %v, Tenant URL %s", err, sess2.Service.TenantURL())
	}
	// A move to a free port: the new one serves, the old one is closed.
	moved, err := b.Connect(ctx, ui.Settings{ListenAddr: freeAddr(t)}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := moved.Service.Status(ctx); err != nil {
		t.Errorf("the moved service does not answer: %v", err)
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("the old address %s still accepts connections", addr)
	}
}

// Listening on the network (for Microsoft's provisioning agent): the console itself still talks
// to it over loopback.
func TestListenOnTheNetwork(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b := newTestBackend(t, dir, &memKeyring{m: map[string]string{}})
	sess, err := b.Connect(ctx, ui.Settings{ListenAddr: "0.0.0.0:0"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sess.Service.URL(), "http://127.0.0.1:") {
		t.Errorf("the console dials %s", sess.Service.URL())
	}
	if _, err := sess.Service.Status(ctx); err != nil {
		t.Fatal(err)
	}
	if b.Settings().ListenAddr != "0.0.0.0:0" {
		t.Errorf("saved %q", b.Settings().ListenAddr)
	}
}
