package directory

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/visitly/hostsync"
	"github.com/visitly/hostsync/storage/mirror"
	"github.com/visitly/hostsync/ui"
)

var (
	firstNames  = []string{"Ann", "Bo", "Cy", "Dana", "Eve", "Finn", "Gus", "Hana", "Ivo", "Jo", "Kim", "Lea", "Mo", "Nia", "Oda"}
	lastNames   = []string{"Lee", "Chen", "Díaz", "Ek", "Smith", "Novak", "Okafor", "Rossi", "Sato", "Weber", "Young", "Zhou"}
	departments = []string{"Sales", "Engineering", "Finance", "Marketing", "Operations", "Legal", "Support", "People"}
)

// fillMirror writes n synthetic hosts (about 1 % removed) straight into a mirror file, as a first
// sync would, and returns it open.
func fillMirror(tb testing.TB, dir string, n int) *mirror.Mirror {
	tb.Helper()
	ctx := context.Background()
	m, err := mirror.Open(ctx, filepath.Join(dir, mirror.FileName))
	if err != nil {
		tb.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	const batch = 5000
	for start := 0; start < n; start += batch {
		var b mirror.Batch
		for i := start; i < min(start+batch, n); i++ {
			first, last := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)]
			user := strings.ToLower(first+"."+last) + strconv.Itoa(i) + "@example.com"
			dept := departments[i%len(departments)]
			res, _ := json.Marshal(map[string]any{
				"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User", enterpriseURN}, "userName": user,
				"displayName": first + " " + last, "title": "Specialist " + strconv.Itoa(i%40), "active": true,
				"emails":      []any{map[string]any{"type": "work", "value": user, "primary": true}},
				enterpriseURN: map[string]any{"department": dept, "employeeNumber": strconv.Itoa(100000 + i)},
			})
			h := hostsync.Host{ID: fmt.Sprintf("h%06d", i), Seq: int64(i + 1), State: hostsync.StateActive, UserName: user,
				ExternalID: fmt.Sprintf("oid-%08x", i*2654435761), DisplayName: first + " " + last, Email: user, Active: true,
				Created: base.Add(time.Duration(i) * time.Second), Modified: base.Add(time.Duration(i) * time.Second), Resource: res}
			if i%100 == 99 {
				h.State, h.Active, h.DeletedAt, h.DeletedBy, h.RemovedHow = hostsync.StateDeleted, false, h.Modified, "apikey:1", "DELETE"
			}
			b.Hosts = append(b.Hosts, h)
		}
		b.ChangesCursor = int64(min(start+batch, n))
		if err := m.Apply(ctx, b); err != nil {
			tb.Fatal(err)
		}
	}
	return m
}

// BenchmarkHosts100k opens the Hosts screen over 100,000 hosts up to its first rendered frame, and
// measures a search as typed (the query and the table update, after the debounce).
//
//	LANG=en_US.UTF-8 CGO_ENABLED=0 go test ./ui/directory -run '^$' -bench Hosts100k -benchtime 20x
func BenchmarkHosts100k(b *testing.B) {
	dir := b.TempDir()
	t0 := time.Now()
	m := fillMirror(b, dir, 100_000)
	defer m.Close()
	b.Logf("filled 100,000 hosts in %s", time.Since(t0).Round(time.Millisecond))
	a := test.NewTempApp(b)
	a.Settings().SetTheme(ui.Theme())
	w := a.NewWindow("Visitly Console")
	w.Resize(fyne.NewSize(1280, 800))
	ts := &timers{}
	env := &ui.Env{Window: w, Run: ui.Inline, After: ts.after, Delays: ui.DefaultDelays}
	d := New(context.Background(), env, Deps{Mirror: m})

	b.Run("open", func(b *testing.B) {
		for b.Loop() {
			w.SetContent(d.HostsPage(b.Context()))
			w.Canvas().Capture() // the first frame, painted by the software driver
		}
	})
	s := d.current.(*hostsScreen)
	if got := s.count.Text; got != "99,000 hosts" {
		b.Fatalf("count %q", got)
	}
	terms := []string{"eng", "ann", "díaz sales", "oid-0", "chen finance 77"}
	b.Run("search", func(b *testing.B) {
		i := 0
		for b.Loop() {
			s.search.SetText(terms[i%len(terms)])
			ts.fire(searchDelay)
			i++
		}
	})
	b.Run("scroll", func(b *testing.B) {
		// A page the cache does not hold: fetched and shown.
		i := 0
		for b.Loop() {
			row := (i * 7919) % 99_000
			s.table.table.ScrollTo(tableCell(row))
			w.Canvas().Capture()
			i++
		}
		if s.table.pager.cached() > maxPages*pageSize {
			b.Fatalf("%d rows cached", s.table.pager.cached())
		}
	})
	b.Logf("process peak RSS %d MB (resident now %d MB)", rssKB("VmHWM")/1024, rssKB("VmRSS")/1024)
}

// rssKB reads the process's resident memory from /proc (Linux).
func rssKB(field string) int {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}

func tableCell(row int) widget.TableCellID { return widget.TableCellID{Row: row, Col: 0} }
