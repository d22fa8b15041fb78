package directory

import (
	"context"
	"flag"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync/scimclient"
	"github.com/visitly/hostsync/ui"
)

var update = flag.Bool("update", false, "render the screens to docs/screenshots/*.png")

// TestScreenshots renders the three screens against a real service with the software driver. It
// always runs (so the rendering path is tested) and writes the PNGs only with -update:
//
//	LANG=en_US.UTF-8 CGO_ENABLED=0 go test ./ui/directory -run Screenshots -update
func TestScreenshots(t *testing.T) {
	h := newHarness(t)
	fyne.CurrentApp().Settings().SetTheme(lightTheme{ui.Theme()})
	people := []struct{ user, name, dept, title string }{
		{"ann.lee", "Ann Lee", "Sales", "Account manager"}, {"bo.chen", "Bo Chen", "Engineering", "Engineer"},
		{"cy.diaz", "Cy Díaz", "Engineering", "Architect"}, {"dana.ek", "Dana Ek", "Finance", "Controller"},
		{"eli.novak", "Eli Novak", "Marketing", "Brand lead"}, {"finn.okafor", "Finn Okafor", "Operations", "Facilities"},
		{"gus.rossi", "Gus Rossi", "Sales", "Sales director"}, {"hana.sato", "Hana Sato", "People", "HR partner"},
		{"ivo.weber", "Ivo Weber", "Legal", "Counsel"}, {"jo.young", "Jo Young", "Support", "Support lead"},
		{"kim.zhou", "Kim Zhou", "Engineering", "SRE"}, {"lea.muller", "Léa Müller", "Finance", "Analyst"},
		{"mo.haddad", "Mo Haddad", "Operations", "Reception"}, {"nia.brown", "Nia Brown", "Marketing", "Designer"},
		{"oda.berg", "Oda Berg", "Engineering", "Engineering manager"}, {"pia.kowalski", "Pia Kowalski", "Sales", "SDR"},
		{"quinn.ito", "Quinn Ito", "Support", "Agent"}, {"rui.costa", "Rui Costa", "Engineering", "Engineer"},
		{"sara.lind", "Sara Lind", "People", "Recruiter"}, {"tom.reid", "Tom Reid", "Legal", "Paralegal"},
	}
	ids := map[string]string{}
	for _, p := range people {
		ids[p.user] = h.svc.create(t, p.user+"@contoso.com", p.name, p.dept, p.title)
	}
	h.svc.group(t, "Visitly hosts — London", ids["ann.lee"], ids["bo.chen"], ids["gus.rossi"])
	h.svc.patch(t, ids["ann.lee"], scimclient.PatchOp{Op: "replace", Path: "title", Value: "Sales lead"})
	h.svc.remove(t, ids["pia.kowalski"])
	h.svc.remove(t, ids["quinn.ito"])
	h.svc.patch(t, ids["rui.costa"], scimclient.PatchOp{Op: "replace", Path: "active", Value: false})
	h.svc.remove(t, ids["tom.reid"])
	h.dir.Start()

	shots := []struct {
		file    string
		build   func(context.Context) fyne.CanvasObject
		prepare func()
	}{
		{"hosts.png", h.dir.HostsPage, func() {
			s := h.dir.current.(*hostsScreen)
			s.table.table.Select(widget.TableCellID{Row: 0, Col: 0})
		}},
		{"deleted-hosts.png", h.dir.DeletedPage, func() {
			s := h.dir.current.(*deletedScreen)
			pickUser(t, s, "pia.kowalski@contoso.com")
			pickUser(t, s, "quinn.ito@contoso.com")
			s.table.table.Select(widget.TableCellID{Row: 0, Col: 1})
		}},
		{"activity.png", h.dir.ActivityPage, func() {
			s := h.dir.current.(*activityScreen)
			rows, _ := s.table.table.Length()
			for r := range rows {
				if cellText(t, s.table, r, "Action") == "Updated" {
					s.table.table.Select(widget.TableCellID{Row: r, Col: 0})
				}
			}
		}},
	}
	for _, shot := range shots {
		h.show(shot.build(h.page()))
		shot.prepare()
		relayout(h.win.Content())
		img := h.win.Canvas().Capture()
		if b := img.Bounds(); b.Dx() < 1000 {
			t.Fatalf("%s: captured %v", shot.file, b)
		}
		if !*update {
			continue
		}
		path := filepath.Join("..", "..", "docs", "screenshots", shot.file)
		f, err := os.Create(path)
		must(t, err)
		must(t, png.Encode(f, img))
		must(t, f.Close())
		t.Log("wrote", path)
	}
}

// relayout lays the tree out again from the leaves up, as cmd/screenshots does: the software driver
// does not re-check minimum sizes that grew after the first layout.
func relayout(o fyne.CanvasObject) {
	objs := test.LaidOutObjects(o)
	for i := len(objs) - 1; i >= 0; i-- {
		objs[i].Refresh()
	}
}

// lightTheme forces the light variant, as an OS in light mode would.
type lightTheme struct{ fyne.Theme }

func (t lightTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, theme.VariantLight)
}
