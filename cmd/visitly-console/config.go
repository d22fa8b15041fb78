package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/visitly/hostsync/ui"
)

// defaultListen is the embedded service's address on a fresh machine: loopback only.
const defaultListen = "127.0.0.1:8765"

// dataDir picks the folder for all local state: the flag, then VISITLY_DATA_DIR, then the OS's
// per-user data folder.
func dataDir(flagValue string) (string, error) {
	if flagValue != "" {
		return filepath.Abs(flagValue)
	}
	if v := os.Getenv("VISITLY_DATA_DIR"); v != "" {
		return filepath.Abs(v)
	}
	return osDataDir(runtime.GOOS, os.Getenv, os.UserConfigDir, os.UserHomeDir)
}

// osDataDir is per OS: %AppData%\Visitly Host Sync, ~/Library/Application Support/Visitly Host
// Sync, $XDG_DATA_HOME/visitly-hostsync (default ~/.local/share/visitly-hostsync).
func osDataDir(goos string, getenv func(string) string, configDir, homeDir func() (string, error)) (string, error) {
	switch goos {
	case "windows", "darwin":
		d, err := configDir()
		if err != nil {
			return "", fmt.Errorf("find the user data folder: %w", err)
		}
		return filepath.Join(d, "Visitly Host Sync"), nil
	default:
		if x := getenv("XDG_DATA_HOME"); filepath.IsAbs(x) {
			return filepath.Join(x, "visitly-hostsync"), nil
		}
		h, err := homeDir()
		if err != nil {
			return "", fmt.Errorf("find the home folder: %w", err)
		}
		return filepath.Join(h, ".local", "share", "visitly-hostsync"), nil
	}
}

// config is the console's non-secret settings file; secrets live in the OS keyring only. The TLS
// key is named by its path: its content is never copied here.
type config struct {
	Remote     bool   `json:"remote,omitempty"`
	ListenAddr string `json:"listenAddr,omitempty"`
	RemoteURL  string `json:"remoteURL,omitempty"`
	PublicURL  string `json:"publicURL,omitempty"`
	TLSCert    string `json:"tlsCert,omitempty"`
	TLSKey     string `json:"tlsKey,omitempty"`
	ACMEDomain string `json:"acmeDomain,omitempty"`
	ACMEEmail  string `json:"acmeEmail,omitempty"`
}

func configPath(dir string) string { return filepath.Join(dir, "settings.json") }

func loadConfig(dir string) (config, error) {
	c := config{ListenAddr: defaultListen}
	b, err := os.ReadFile(configPath(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read settings: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return config{ListenAddr: defaultListen}, fmt.Errorf("read settings %s: %w", configPath(dir), err)
	}
	if c.ListenAddr == "" {
		c.ListenAddr = defaultListen
	}
	return c, nil
}

// saveConfig writes atomically so a crash never leaves half a file.
func saveConfig(dir string, c config) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp := configPath(dir) + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	if err := os.Rename(tmp, configPath(dir)); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	return nil
}

func (c config) settings(dir string) ui.Settings {
	return ui.Settings{Remote: c.Remote, ListenAddr: c.ListenAddr, RemoteURL: c.RemoteURL, DataDir: dir,
		PublicURL: c.PublicURL, TLSCert: c.TLSCert, TLSKey: c.TLSKey, ACMEDomain: c.ACMEDomain, ACMEEmail: c.ACMEEmail}
}

func configFrom(s ui.Settings) config {
	return config{Remote: s.Remote, ListenAddr: s.ListenAddr, RemoteURL: s.RemoteURL,
		PublicURL: s.PublicURL, TLSCert: s.TLSCert, TLSKey: s.TLSKey, ACMEDomain: s.ACMEDomain, ACMEEmail: s.ACMEEmail}
}
