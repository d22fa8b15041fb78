package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/visitly/hostsync"
)

func testAPIKeys(t *testing.T, h *harness) {
	st, _ := h.open(t)
	_, _, err := st.CreateAPIKey(ctxBg, cli, "Google", hostsync.IdP("google"))
	wantErr(t, "a key for an unknown IdP", err, hostsync.ErrUnknownIdP)
	secret, k, err := st.CreateAPIKey(ctxBg, cli, "Okta prod", hostsync.IdPOkta)
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) < 43 || k.ID == "" || k.Label != "Okta prod" || k.IdP != hostsync.IdPOkta || k.Prefix != secret[:8] || k.Created.IsZero() {
		t.Fatalf("created key %+v (secret of %d characters)", k, len(secret))
	}
	got, err := st.AuthenticateAPIKey(ctxBg, secret)
	if err != nil || got.ID != k.ID || got.IdP != hostsync.IdPOkta || got.LastUsed.IsZero() {
		t.Fatalf("AuthenticateAPIKey = %+v, %v", got, err)
	}
	st.NoteCall(got, "PATCH", "/Users/1")
	if c, err := st.CheckAPIKey(ctxBg, secret); err != nil || c.ID != k.ID {
		t.Errorf("CheckAPIKey = %+v, %v", c, err)
	}
	for _, bad := range []string{"", "vhs_", secret + "x", secret[:len(secret)-1]} {
		_, err := st.AuthenticateAPIKey(ctxBg, bad)
		wantErr(t, "a wrong secret", err, hostsync.ErrUnauthorized)
	}
	list, err := st.ListAPIKeys(ctxBg)
	if err != nil || len(list) != 1 || list[0].ID != k.ID || list[0].LastUsed.IsZero() ||
		list[0].LastMethod != "PATCH" || list[0].LastPath != "/Users/1" {
		t.Errorf("ListAPIKeys = %+v, %v; want the key with its last call", list, err)
	}
	idps, err := st.KeyIdPs(ctxBg)
	if err != nil || idps[k.ID] != hostsync.IdPOkta {
		t.Errorf("KeyIdPs = %v, %v", idps, err)
	}
	r, err := st.RevokeAPIKey(ctxBg, admin, k.ID)
	if err != nil || r.Revoked.IsZero() {
		t.Fatalf("revoke: %+v, %v", r, err)
	}
	_, err = st.AuthenticateAPIKey(ctxBg, secret)
	wantErr(t, "a revoked key", err, hostsync.ErrUnauthorized)
	if again, err := st.RevokeAPIKey(ctxBg, admin, k.ID); err != nil || !again.Revoked.Equal(r.Revoked) {
		t.Errorf("revoking twice: %+v, %v; want a no-op", again, err)
	}
	_, err = st.RevokeAPIKey(ctxBg, admin, "999")
	var nf *hostsync.NotFoundError
	if !errors.As(err, &nf) || nf.Kind != "API key" {
		t.Errorf("revoking an unknown key: %v", err)
	}
	if idps, _ := st.KeyIdPs(ctxBg); idps[k.ID] != hostsync.IdPOkta {
		t.Errorf("a revoked key's IdP is still known: %v", idps)
	}
	evs := allEvents(t, st)
	var created, revoked int
	for _, e := range evs {
		switch e.Action {
		case hostsync.ActionKeyCreated:
			created++
		case hostsync.ActionKeyRevoked:
			revoked++
		}
	}
	if created != 1 || revoked != 1 {
		t.Errorf("key events: %d created, %d revoked; want 1 and 1", created, revoked)
	}
}

func testAdminToken(t *testing.T, h *harness) {
	st, _ := h.open(t)
	if has, err := st.HasAdminToken(ctxBg); err != nil || has {
		t.Fatalf("a new database has an admin token: %v, %v", has, err)
	}
	wantErr(t, "admin auth with none set", st.AuthenticateAdmin(ctxBg, "vha_x"), hostsync.ErrUnauthorized)
	tok, err := st.RotateAdminToken(ctxBg, cli)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AuthenticateAdmin(ctxBg, tok); err != nil {
		t.Errorf("the new admin token: %v", err)
	}
	if has, _ := st.HasAdminToken(ctxBg); !has {
		t.Error("HasAdminToken false after rotating")
	}
	// An API key is not an admin token, and the other way round.
	key, _, err := st.CreateAPIKey(ctxBg, cli, "k", hostsync.IdPAzureAD)
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, "an API key as admin token", st.AuthenticateAdmin(ctxBg, key), hostsync.ErrUnauthorized)
	_, err = st.AuthenticateAPIKey(ctxBg, tok)
	wantErr(t, "the admin token as API key", err, hostsync.ErrUnauthorized)
	tok2, err := st.RotateAdminToken(ctxBg, cli)
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, "the rotated-out admin token", st.AuthenticateAdmin(ctxBg, tok), hostsync.ErrUnauthorized)
	if err := st.AuthenticateAdmin(ctxBg, tok2); err != nil {
		t.Errorf("the rotated-in admin token: %v", err)
	}
}

// testRevocationAcrossProcesses: a key revoked by one process is refused
// by another on the same database within a second, and a key made by one
// works on the other at once.
func testRevocationAcrossProcesses(t *testing.T, h *harness) {
	a, db := h.open(t)
	b := h.reopen(t, db)
	secret, k, err := a.CreateAPIKey(ctxBg, cli, "Azure AD", hostsync.IdPAzureAD)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.AuthenticateAPIKey(ctxBg, secret); err != nil {
		t.Fatalf("a key made by another process, at its first use: %v", err)
	}
	if _, err := a.RevokeAPIKey(ctxBg, admin, k.ID); err != nil {
		t.Fatal(err)
	}
	revoked := time.Now()
	for {
		_, err := b.AuthenticateAPIKey(ctxBg, secret)
		if errors.Is(err, hostsync.ErrUnauthorized) {
			t.Logf("refused by the other process %v after the revoke", time.Since(revoked).Round(time.Millisecond))
			break
		}
		if time.Since(revoked) > time.Second+100*time.Millisecond { // the bound, and a scheduler tick
			t.Fatalf("the other process still accepts the revoked key after %v (err %v)", time.Since(revoked), err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// And a new admin token works on the other process at its first use.
	tok, err := a.RotateAdminToken(ctxBg, cli)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.AuthenticateAdmin(ctxBg, tok); err != nil {
		t.Errorf("an admin token made by another process: %v", err)
	}
}
