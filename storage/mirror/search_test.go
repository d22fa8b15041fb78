package mirror

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/visitly/hostsync"
	sqlitedb "github.com/visitly/hostsync/storage/internal/sqlite"
)

// TestSearchPlansAgree checks both ways of reading a page of search results
// (sparse: from the search index; dense: along a sort index) and the plan
// Hosts chooses against a model of the search in Go, over every state
// filter, the indexed and unindexed sorts, both directions and deep pages.
func TestSearchPlansAgree(t *testing.T) {
	ctx := context.Background()
	m, _ := openTest(t)
	rng := rand.New(rand.NewPCG(5, 6))
	first := []string{"Ann", "Anna", "Bob", "Maya", "Mark", "Sam", "Sara", "Zoe"}
	last := []string{"Smith", "Martin", "Moreau", "Salas", "Berg", "Ng"}
	depts := []string{"Sales", "Marketing", "R&D", "", "Support"}
	states := []hostsync.State{hostsync.StateActive, hostsync.StateActive, hostsync.StateActive, hostsync.StateDeactivated, hostsync.StateDeleted}
	var hosts []hostsync.Host
	for i := range 1500 {
		f, l := first[rng.IntN(len(first))], last[rng.IntN(len(last))]
		h := hostsync.Host{ID: fmt.Sprintf("h%04d", i), Seq: int64(i + 1), State: states[rng.IntN(len(states))],
			UserName: strings.ToLower(f+"."+l) + fmt.Sprint(i) + "@example.com", DisplayName: f + " " + l,
			ExternalID: fmt.Sprintf("x-%d", rng.IntN(300)), Department: depts[rng.IntN(len(depts))],
			Title: []string{"Lead", "Engineer", "Analyst"}[rng.IntN(3)], IdP: []hostsync.IdP{hostsync.IdPAzureAD, hostsync.IdPOkta, ""}[rng.IntN(3)]}
		h.Email, h.Modified = h.UserName, sqlitedb.Time(int64(1_700_000_000_000+rng.IntN(1000)*1000))
		if h.State != hostsync.StateActive {
			h.DeactivatedAt = h.Modified
		}
		hosts = append(hosts, h)
	}
	// Half through a bulk load (search index rebuilt at the end), half
	// indexed row by row, as a first and a later sync would.
	if _, err := m.beginBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(ctx, Batch{Hosts: hosts[:750], derived: true}); err != nil {
		t.Fatal(err)
	}
	if err := m.endBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(ctx, Batch{Hosts: hosts[750:], derived: true}); err != nil {
		t.Fatal(err)
	}
	// Some hosts change state, some their name too, afterwards (the search
	// index follows).
	for i := 0; i < 1500; i += 7 {
		h := &hosts[i]
		h.Seq += 10_000
		h.State = states[(i/7+1)%len(states)]
		if i%2 == 0 {
			h.DisplayName = "Renamed " + h.DisplayName
		}
	}
	var changed []hostsync.Host
	for i := 0; i < 1500; i += 7 {
		changed = append(changed, hosts[i])
	}
	if err := m.Apply(ctx, Batch{Hosts: changed, derived: true}); err != nil {
		t.Fatal(err)
	}

	searches := []string{"m", "sa", "mar", "anna smi", "x 1", "r&d", "renamed m", "zz"}
	sorts := []string{hostsync.SortDisplayName, hostsync.SortModified, hostsync.SortRemovedAt, hostsync.SortTitle}
	pages := [][2]int{{0, 60}, {500, 20}, {0, 0}}
	combos := 0
	for _, search := range searches {
		for _, state := range []hostsync.State{hostsync.StateActive, hostsync.StateDeactivated, hostsync.StateDeleted, hostsync.StateRemoved, hostsync.StateAll} {
			for _, sort := range sorts {
				for _, desc := range []bool{false, true} {
					if desc && sort != hostsync.SortDisplayName && sort != hostsync.SortModified {
						continue
					}
					// Every other combination also keeps only Okta's hosts.
					q := hostsync.HostFilter{Search: search, State: state, Sort: sort, Desc: desc}
					if combos++; combos%2 == 0 {
						q.IdP = hostsync.IdPOkta
					}
					want := modelSearch(hosts, q)
					n, err := m.CountHosts(ctx, q)
					if err != nil || n != len(want) {
						t.Fatalf("CountHosts(%+v) = %d, %v; want %d", q, n, err, len(want))
					}
					for _, pg := range pages {
						q.Offset, q.Limit = pg[0], pg[1]
						lo, hi := min(q.Offset, len(want)), len(want)
						if q.Limit > 0 {
							hi = min(lo+q.Limit, len(want))
						}
						wantIDs := strings.Join(want[lo:hi], ",")
						got, err := m.Hosts(ctx, q)
						if err != nil {
							t.Fatalf("Hosts(%+v): %v", q, err)
						}
						if ids(got) != wantIDs {
							t.Fatalf("Hosts(%+v) =\n%s\nwant\n%s", q, ids(got), wantIDs)
						}
						for _, p := range []queryPlan{planSparse, planDense} {
							if got := planIDs(t, m, q, p); got != wantIDs {
								t.Fatalf("plan %d of %+v =\n%s\nwant\n%s", p, q, got, wantIDs)
							}
						}
					}
				}
			}
		}
	}
}

// planIDs reads q's page under plan p.
func planIDs(t *testing.T, m *Mirror, q hostsync.HostFilter, p queryPlan) string {
	t.Helper()
	f, err := newHostConds(q)
	if err != nil {
		t.Fatal(err)
	}
	_, order, err := hostOrder(q)
	if err != nil {
		t.Fatal(err)
	}
	from, args := f.from(p)
	limit := q.Limit
	if limit == 0 {
		limit = -1
	}
	rows, err := m.r.QueryContext(context.Background(), "SELECT hosts.id"+from+order+" LIMIT ? OFFSET ?", append(args, limit, q.Offset)...)
	if err != nil {
		t.Fatalf("plan %d of %+v: %v", p, q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatalf("plan %d of %+v: %v", p, q, err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("plan %d of %+v: %v", p, q, err)
	}
	return strings.Join(out, ",")
}

// modelSearch is the search in Go, for ASCII data: lower-cased words of
// letters and digits, each typed word the prefix of a word of a searchable
// field; sorted case-insensitively with the insertion order breaking ties.
func modelSearch(hosts []hostsync.Host, q hostsync.HostFilter) []string {
	split := func(s string) []string {
		return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	}
	type row struct {
		h   hostsync.Host
		pos int
	}
	var rows []row
	for i, h := range hosts {
		switch {
		case q.State == hostsync.StateAll:
		case q.State == hostsync.StateRemoved:
			if h.State == hostsync.StateActive {
				continue
			}
		case h.State != q.State:
			continue
		}
		if q.IdP != "" && h.IdP != q.IdP {
			continue
		}
		var tokens []string
		for _, f := range []string{h.DisplayName, h.UserName, h.Email, h.Department, h.ExternalID} {
			tokens = append(tokens, split(f)...)
		}
		ok := true
		for _, w := range split(q.Search) {
			ok = ok && slices.ContainsFunc(tokens, func(tok string) bool { return strings.HasPrefix(tok, w) })
		}
		if ok {
			rows = append(rows, row{h, i})
		}
	}
	key := func(h hostsync.Host) string {
		switch q.Sort {
		case hostsync.SortUserName:
			return strings.ToLower(h.UserName)
		case hostsync.SortModified:
			return fmt.Sprintf("%020d", sqlitedb.Millis(h.Modified))
		case hostsync.SortRemovedAt:
			return fmt.Sprintf("%020d", sqlitedb.Millis(h.RemovedAt()))
		case hostsync.SortTitle:
			return strings.ToLower(h.Title)
		case hostsync.SortDepartment:
			return strings.ToLower(h.Department)
		}
		return strings.ToLower(h.DisplayName)
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		c := cmp.Or(strings.Compare(key(a.h), key(b.h)), cmp.Compare(a.pos, b.pos))
		if q.Desc {
			return -c
		}
		return c
	})
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.h.ID
	}
	return out
}
