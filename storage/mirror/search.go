package mirror

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/visitly/hostsync"
)

// Searches run on hosts_fts, an FTS5 index over the five searchable columns
// and the state (see migrations/003_search_state.sql). With the state in the
// index, counting a search reads the index alone: even a one-letter search,
// which matches a good part of the hosts, is counted without reading a host
// row.
//
// A page of results is read in one of two ways, chosen per query:
//   - planSparse drives the query from the search index (CROSS JOIN fixes
//     the join order) and sorts the matches: its cost follows the number of
//     matches, which suits a narrow search.
//   - planDense walks a sort index in the requested order and keeps the rows
//     found in the set of matches, stopping at the page: its cost follows
//     the page's depth divided by the matches' density, which suits a broad
//     search such as the one or two letters typed first.
//
// SQLite's planner cannot choose between them (it cannot know how many rows
// a MATCH returns), so plan counts the matches up to the break-even point.

// searchColumns restricts typed words to the searchable columns: the state
// column only filters.
const searchColumns = "{display_name user_name email department external_id}"

// wordsExpr turns typed text into an FTS5 query: split into words the way
// the tokenizer splits (on anything but letters and digits), each word quoted
// (so no FTS syntax can be injected) and matched as a prefix of a word of a
// searchable column, all ANDed. It is "" when there are no words.
func wordsExpr(search string) string {
	words := strings.FieldsFunc(search, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	terms := make([]string, 0, len(words))
	for _, w := range words {
		terms = append(terms, searchColumns+`: "`+w+`"*`)
	}
	return strings.Join(terms, " AND ")
}

// hostConds is a HostFilter's conditions, both as SQL on hosts and as an FTS5 query.
type hostConds struct {
	words     string // wordsExpr of the search, "" for none
	match     string // words AND the state filter, for hosts_fts
	stateCond string // the state (and IdP) filter on hosts, "" for all states and IdPs
	stateArgs []any
	idp       bool // stateCond filters by IdP, which the search index cannot
}

// newHostConds turns q into the conditions of a host query.
func newHostConds(q hostsync.HostFilter) (hostConds, error) {
	f := hostConds{words: wordsExpr(q.Search)}
	var stateMatch string
	switch q.State {
	case "", hostsync.StateActive, hostsync.StateDeactivated, hostsync.StateDeleted:
		state := q.State
		if state == "" {
			state = hostsync.StateActive
		}
		f.stateCond, f.stateArgs = "hosts.state = ?", []any{string(state)}
		stateMatch = `state: "` + string(state) + `"`
	case hostsync.StateRemoved:
		f.stateCond = "hosts.state IN ('deactivated', 'deleted')"
		stateMatch = `(state: "deactivated" OR state: "deleted")`
	case hostsync.StateAll:
	default:
		return f, fmt.Errorf("%w: unknown state %q", ErrBadQuery, q.State)
	}
	f.match = f.words
	if f.words != "" && stateMatch != "" {
		f.match += " AND " + stateMatch
	}
	if q.IdP != "" {
		// The search index does not hold the IdP: it filters the host rows.
		f.idp = true
		f.stateCond = strings.TrimPrefix(f.stateCond+" AND hosts.idp = ?", " AND ")
		f.stateArgs = append(f.stateArgs, string(q.IdP))
	}
	return f, nil
}

// queryPlan says how a page of hosts is read.
type queryPlan int

const (
	planScan   queryPlan = iota // no search: the hosts table and its indexes
	planSparse                  // from the search index to the hosts
	planDense                   // along a sort index, keeping the matches
	planNone                    // nothing matches
)

// from returns the FROM and WHERE clauses of f under plan p, and their
// arguments.
func (f hostConds) from(p queryPlan) (string, []any) {
	switch p {
	case planSparse:
		from := " FROM hosts_fts CROSS JOIN hosts ON hosts.rid = hosts_fts.rowid WHERE hosts_fts MATCH ?"
		if f.idp {
			return from + " AND hosts.idp = ?", []any{f.match, f.stateArgs[len(f.stateArgs)-1]}
		}
		return from, []any{f.match}
	case planDense:
		// The unary + keeps the planner from driving the query from the set
		// of matches (the sparse plan, unsorted): it walks the sort index.
		in := "+hosts.rid IN (SELECT rowid FROM hosts_fts WHERE hosts_fts MATCH ?)"
		if f.stateCond == "" {
			return " FROM hosts WHERE " + in, []any{f.words}
		}
		return " FROM hosts WHERE " + f.stateCond + " AND " + in, append(append([]any{}, f.stateArgs...), f.words)
	}
	if f.stateCond == "" {
		return " FROM hosts", nil
	}
	return " FROM hosts WHERE " + f.stateCond, f.stateArgs
}

// sortIndexed says which (state filter, column) orders a sort index serves:
// "state:col" for one state, "all:col" for every state.
var sortIndexed = func() map[string]bool {
	out := map[string]bool{}
	for _, ix := range sortIndexes {
		_, cols, _ := strings.Cut(ix, "(")
		first, second, two := strings.Cut(strings.TrimSuffix(cols, ")"), ", ")
		switch {
		case two && first == "state":
			out["state:"+second] = true
		case !two:
			out["all:"+first] = true
		}
	}
	return out
}()

// Costs per item of the two plans, in microseconds measured on a 2-core
// machine over 100,000 hosts (only their ratios matter): the sparse plan
// looks up each match's host row and keeps the rows up to the page in its
// sort; the dense plan puts each match in a set, then walks the sort index
// probing the set.
const (
	sparsePerMatch = 0.75
	sparsePerKept  = 1.5
	densePerMatch  = 0.15
	densePerEntry  = 0.2
)

// denseWins says whether the dense plan is cheaper for n matches among
// hosts when the page ends at row k (0: every row).
func denseWins(n, k, hosts float64) bool {
	if k == 0 || k > n {
		k = n // the sparse plan keeps every match; the dense one walks the whole index
	}
	walk := hosts
	if k < n {
		walk = min(hosts, k*hosts/n)
	}
	return densePerMatch*n+densePerEntry*walk < sparsePerMatch*n+sparsePerKept*k
}

// plan chooses how to read the page of q ordered by col, counting the
// matches only up to where the dense plan starts to win (the difference
// between the plans' costs grows with the number of matches).
func (m *Mirror) plan(ctx context.Context, q hostsync.HostFilter, f hostConds, col string) (queryPlan, error) {
	key := "state:" + col
	switch q.State {
	case hostsync.StateAll:
		key = "all:" + col
	case hostsync.StateRemoved:
		key = "" // two states: no index walks them in one order
	}
	if f.words == "" {
		return planScan, nil
	} else if !sortIndexed[key] {
		return planSparse, nil
	}
	var hosts int64
	if err := m.r.QueryRowContext(ctx, `SELECT coalesce(max(rid), 0) FROM hosts`).Scan(&hosts); err != nil {
		return 0, fmt.Errorf("mirror: hosts: %w", err)
	}
	k := float64(0)
	if q.Limit > 0 {
		k = float64(q.Offset + q.Limit)
	}
	// The fewest matches for which the dense plan wins (hosts+1: never).
	least := int64(sort.Search(int(hosts), func(i int) bool { return denseWins(float64(i+1), k, float64(hosts)) })) + 1
	// The words alone are counted: cheaper than with the state (whose doclist
	// is as long as the state is common), and an overestimate matters little:
	// the dense plan walks only the rows of the state.
	var n int64
	if err := m.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM hosts_fts WHERE hosts_fts MATCH ? LIMIT ?)`,
		f.words, least).Scan(&n); err != nil {
		return 0, fmt.Errorf("mirror: hosts: %w", err)
	}
	switch {
	case n == 0:
		return planNone, nil // not even in another state
	case n >= least && least <= hosts:
		return planDense, nil
	}
	return planSparse, nil
}
