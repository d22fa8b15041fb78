package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
)

// Colour is never the only sign: each coloured header line says its state in words, and a
// service that stopped answering turns the green "last call" line neutral.
func TestHeaderSaysItsStateInWordsNotOnlyColour(t *testing.T) {
	now := time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)
	h := newHarness(t)
	hd := newHeader(h.env)
	ok := hostsync.Status{LastSuccessfulCall: &hostsync.Call{At: now.Add(-time.Minute), Actor: "apikey:3", Method: "GET", Path: "/Users"}}
	hd.show(&ok, nil, now)
	if hd.lastOK.Importance != widget.SuccessImportance || !strings.Contains(hd.state.Text, "reachable") {
		t.Fatalf("healthy header: %v %q / %q", hd.lastOK.Importance, hd.state.Text, hd.lastOK.Text)
	}

	hd.show(&hostsync.Status{}, fmt.Errorf("%w: refused", scimclient.ErrUnreachable), now)
	if hd.lastOK.Text != "Azure AD: unknown" || hd.lastOK.Importance != widget.MediumImportance {
		t.Errorf("unknown is shown as %q in importance %v, want neutral", hd.lastOK.Text, hd.lastOK.Importance)
	}
	if hd.state.Text != "unreachable" {
		t.Errorf("state in words = %q", hd.state.Text)
	}
}
