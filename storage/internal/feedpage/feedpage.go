// Package feedpage cuts a page of the change feed the same way in every
// store: the hosts and groups written after a cursor, merged in write order
// (the store's seq or transaction id, a host before the groups its write
// touched), at most a limit of them, and never one write split across two
// pages, so that resuming from the page's cursor misses nothing.
package feedpage

import (
	"sort"

	"github.com/visitly/hostsync"
)

// Item is one change of the feed; GroupN is a group's row in its store
// (to read its members), 0 for a host.
type Item struct {
	hostsync.ChangeRecord
	GroupN int64
}

// Sort orders items by write (Seq), a host before the groups of its write.
func Sort(items []Item) {
	sort.SliceStable(items, func(i, j int) bool {
		if items[i].Seq != items[j].Seq {
			return items[i].Seq < items[j].Seq
		}
		return items[i].Host != nil && items[j].Host == nil
	})
}

// Pick takes up to limit items that are known complete (Seq below bound,
// when bound > 0: a truncated read may lack the rest of that write) without
// splitting one write across pages; more says items were left.
func Pick(items []Item, bound int64, limit int) (page []Item, more bool) {
	eligible := items
	if bound > 0 {
		k := sort.Search(len(items), func(i int) bool { return items[i].Seq >= bound })
		eligible = items[:k]
	}
	if len(eligible) > limit {
		k := limit
		for k > 0 && eligible[k-1].Seq == eligible[k].Seq {
			k--
		}
		if k == 0 { // the first write alone exceeds limit; it is complete, take it whole
			for k < len(eligible) && eligible[k].Seq == eligible[0].Seq {
				k++
			}
		}
		eligible = eligible[:k]
	}
	return eligible, len(eligible) < len(items)
}
