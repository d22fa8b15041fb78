package scimserver

import (
	"path/filepath"
	"testing"

	"github.com/visitly/hostsync/scimserver/idpreplay"
)

// TestIdPReplay replays every recorded Okta and OneLogin sequence
// (testdata/<idp>/sequences/*.json at the repository root) against the real
// handler on a fresh store of every kind (SQLite, PostgreSQL): each step
// must get exactly the status the sequence expects (no 4xx it does not
// expect, never a 5xx), in the media type its Accept asked for, with the
// values it expects.
func TestIdPReplay(t *testing.T) {
	files := idpreplay.Files(t, filepath.Join("..", "testdata"))
	n := map[string]int{}
	for name, f := range files {
		n[filepath.Dir(name)]++
		for _, kind := range everyStore {
			t.Run(kind.name+"/"+name, func(t *testing.T) {
				e := newEnvOn(t, Options{Version: "test"}, kind)
				idpreplay.Replay(t, e.srv.Client(), e.srv.URL+SCIMBasePath, e.key, idpreplay.Load(t, f))
			})
		}
	}
	if n["okta"] < 4 || n["onelogin"] < 2 {
		t.Fatalf("found sequences %v under testdata/*/sequences, want Okta's 4 and OneLogin's 2", n)
	}
}
