package hostsync

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestKeyringHint(t *testing.T) {
	unavailable := fmt.Errorf("%w: get %q: %w", ErrKeyringUnavailable, "api-key", errors.New("raw keyring text"))
	tests := []struct {
		name string
		goos string
		err  error
		want string // a phrase the hint must contain; "" means no hint at all
	}{
		{"nil", "linux", nil, ""},
		{"not found", "windows", fmt.Errorf("%w: get", ErrSecretNotFound), ""},
		{"too big", "darwin", fmt.Errorf("%w: set", ErrSecretTooBig), "only short secrets"},
		{"linux", "linux", unavailable, "install and unlock GNOME Keyring or KWallet"},
		{"freebsd", "freebsd", unavailable, "GNOME Keyring or KWallet"},
		{"macOS", "darwin", unavailable, "unlock the login keychain"},
		{"windows", "windows", unavailable, "Credential Manager"},
		{"other", "plan9", unavailable, "no OS keyring"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := keyringHint(tt.goos, tt.err)
			if tt.want == "" {
				if got != "" {
					t.Errorf("keyringHint(%s, %v) = %q, want none", tt.goos, tt.err, got)
				}
				return
			}
			if !strings.Contains(strings.ToLower(got), strings.ToLower(tt.want)) {
				t.Errorf("keyringHint(%s, %v) = %q, want it to mention %q", tt.goos, tt.err, got, tt.want)
			}
		})
	}
}
