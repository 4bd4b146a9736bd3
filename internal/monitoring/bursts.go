package monitoring

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"time"
)

// readKey is what many_reads counts as one read: one client per request.
//
// This is the per-request de-duplication of client reads, and the only one.
// A client page reads the client more than once in one request (its data,
// its history), each a client.read event, yet it is one look at the client.
// Remove readKey (count every event) once the client page is one store call
// with one client.read (issue 10, item 5).
func readKey(e Event) string {
	if e.Request == "" {
		return "event:" + strconv.FormatInt(e.ID, 10)
	}
	return e.Request + "\x00" + e.Client
}

// burst is a stretch of an account's events in which some window held at
// least the threshold of distinct keys.
type burst struct {
	account int64
	// start is the event at which the window first reached the threshold.
	start Event
	// events are the burst's events up to the end of the batch, one per key.
	events []Event
	// peak is the most distinct keys in one window.
	peak int
}

// bursts finds the bursts of each account's events (earlier and batch
// together, filtered by the rule) that start at an event of the batch: where
// the distinct keys among the events in (t−window, t] first reach
// threshold. A burst that started at an earlier event was found by the run
// that examined it. Accounts come in order, bursts in time order.
func bursts(earlier, batch []Event, window time.Duration, threshold int, key func(Event) string) []burst {
	inBatch := map[int64]bool{}
	byAccount := map[int64][]Event{}
	for _, e := range earlier {
		byAccount[e.Account] = append(byAccount[e.Account], e)
	}
	for _, e := range batch {
		inBatch[e.ID] = true
		byAccount[e.Account] = append(byAccount[e.Account], e)
	}
	var out []burst
	for _, account := range slices.Sorted(maps.Keys(byAccount)) {
		evs := byAccount[account]
		slices.SortStableFunc(evs, func(a, b Event) int {
			return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID))
		})
		out = append(out, accountBursts(evs, inBatch, window, threshold, key)...)
	}
	return out
}

// accountBursts slides the window over one account's events (in time order).
func accountBursts(evs []Event, inBatch map[int64]bool, window time.Duration, threshold int, key func(Event) string) []burst {
	var out []burst
	inWindow := map[string]int{}
	lo := 0
	active := false
	var cur *burst // nil while no burst or in one that started earlier
	var seen map[string]bool
	for i, e := range evs {
		inWindow[key(e)]++
		for ; !evs[lo].At.After(e.At.Add(-window)); lo++ {
			k := key(evs[lo])
			if inWindow[k]--; inWindow[k] == 0 {
				delete(inWindow, k)
			}
		}
		n := len(inWindow)
		switch {
		case n < threshold:
			if cur != nil {
				out = append(out, *cur)
			}
			active, cur = false, nil
		case !active:
			active = true
			if inBatch[e.ID] {
				cur, seen = &burst{account: e.Account, start: e, peak: n}, map[string]bool{}
				for _, w := range evs[lo : i+1] {
					if k := key(w); !seen[k] {
						seen[k] = true
						cur.events = append(cur.events, w)
					}
				}
			}
		case cur != nil:
			cur.peak = max(cur.peak, n)
			if k := key(e); !seen[k] {
				seen[k] = true
				cur.events = append(cur.events, e)
			}
		}
	}
	if cur != nil {
		out = append(out, *cur)
	}
	return out
}

// ids are the events' ids.
func ids(es []Event) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

// firstMunicipality is the first municipality the events name.
func firstMunicipality(es []Event) string {
	for _, e := range es {
		if e.Municipality != "" {
			return e.Municipality
		}
	}
	return ""
}

func sortedKeys[V any](m map[int64]V) []int64 { return slices.Sorted(maps.Keys(m)) }
