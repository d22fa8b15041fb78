package directory

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/scimclient"
)

// technical collects the texts under the "Technical details" sections below o.
func technical(o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Accordion:
			for _, it := range x.Items {
				if it.Title == "Technical details" {
					out = append(out, texts(it.Detail)...)
				}
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case *container.Scroll:
			walk(x.Content)
		}
	}
	walk(o)
	return out
}

// An office manager reads plain words; the SCIM terms are one click away for IT admins.
func TestRemovedHostIsDescribedInPlainWords(t *testing.T) {
	h := newHarness(t)
	ids := seedFour(t, h)
	h.svc.remove(t, ids["ann"])
	h.dir.Start()
	h.show(h.dir.DeletedPage(h.page()))
	s := h.dir.current.(*deletedScreen)
	s.table.table.Select(widget.TableCellID{Row: 0, Col: 1})

	plain := texts(s.details.body)
	got := strings.Join(plain, "\n")
	if !strings.Contains(got, "Removed in Azure AD on ") || !strings.Contains(got, "an admin can restore it") {
		t.Errorf("removal is not told in plain words:\n%s", got)
	}
	for _, jargon := range []string{"DELETE", "active=false", "apikey:"} {
		if strings.Contains(got, jargon) {
			t.Errorf("office-manager text holds %q:\n%s", jargon, got)
		}
	}
	// Azure AD's DELETE leaves "active": true in the resource; the host is not listed as active.
	i := slices.Index(plain, "Active")
	if i < 0 || i+1 >= len(plain) || plain[i+1] != "no" {
		t.Errorf("the deleted host's Active attribute is not \"no\":\n%s", got)
	}
	tech := strings.Join(technical(s.details.body), "\n")
	for _, want := range []string{"DELETE /Users/{id}", "apikey:1", "deleted"} {
		if !strings.Contains(tech, want) {
			t.Errorf("technical details lack %q:\n%s", want, tech)
		}
	}
}

func TestActivityEntryInPlainWordsWithTechnicalDetails(t *testing.T) {
	h := newHarness(t)
	ids := seedFour(t, h)
	h.svc.patch(t, ids["ann"], scimclient.PatchOp{Op: "replace", Path: "title", Value: "Sales lead"})
	h.dir.Start()
	h.show(h.dir.ActivityPage(h.page()))
	s := h.dir.current.(*activityScreen)
	s.table.table.Select(widget.TableCellID{Row: 0, Col: 0})

	got := strings.Join(texts(s.detail), "\n")
	if !strings.Contains(got, "Azure AD (key #1)") {
		t.Errorf("the actor is not named in words:\n%s", got)
	}
	for _, jargon := range []string{"apikey:1", "host.updated"} {
		if strings.Contains(got, jargon) {
			t.Errorf("office-manager text holds %q:\n%s", jargon, got)
		}
	}
	tech := strings.Join(technical(s.detail), "\n")
	for _, want := range []string{"apikey:1", "host.updated"} {
		if !strings.Contains(tech, want) {
			t.Errorf("technical details lack %q:\n%s", want, tech)
		}
	}
}

func TestActionAndRemovalWords(t *testing.T) {
	for _, tc := range []struct {
		action       string
		idp          hostsync.IdP
		event, label string
	}{
		{"host.deleted", hostsync.IdPOkta, "Removed in Okta", "Removed in the IdP"},
		{"host.deactivated", hostsync.IdPOneLogin, "Turned off in OneLogin", "Turned off in the IdP"},
		{"host.reactivated", hostsync.IdPAzureAD, "Turned back on in Azure AD", "Turned back on in the IdP"},
		{"host.deleted", "", "Removed in Azure AD", "Removed in the IdP"}, // not known: the only IdP before keys had one
		{"host.created", hostsync.IdPOkta, "Created", "Created"},
		{"something.new", "", "something.new", "something.new"},
	} {
		e := hostsync.Event{Action: tc.action, IdP: tc.idp}
		if got := EventWords(&e); got != tc.event {
			t.Errorf("EventWords(%s by %q) = %q, want %q", tc.action, tc.idp, got, tc.event)
		}
		if got := ActionWords(tc.action); got != tc.label {
			t.Errorf("ActionWords(%q) = %q, want %q", tc.action, got, tc.label)
		}
	}
}
