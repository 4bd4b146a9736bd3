package disclosure

import "slices"

// acc accumulates coefficients on a dense key range (cells, or (period,
// category) pairs), remembering which keys were touched so that it can be
// cleared and listed in key order without a map. One is kept per planner
// and reused by every search.
type acc struct {
	v    []float64
	used []bool
	keys []int // touched keys, in first-touch order until sorted
}

func newAcc(n int) *acc {
	return &acc{v: make([]float64, n), used: make([]bool, n)}
}

// reset clears every touched key.
func (a *acc) reset() {
	for _, k := range a.keys {
		a.v[k], a.used[k] = 0, false
	}
	a.keys = a.keys[:0]
}

func (a *acc) add(k int, x float64) {
	if !a.used[k] {
		a.used[k] = true
		a.keys = append(a.keys, k)
	}
	a.v[k] += x
}

// sorted returns the touched keys ascending (a view valid until the next
// add or reset).
func (a *acc) sorted() []int {
	if 4*len(a.keys) >= len(a.v) {
		// dense: a scan is cheaper than a sort
		n := 0
		for k, u := range a.used {
			if u {
				a.keys[n] = k
				n++
			}
		}
		return a.keys
	}
	slices.Sort(a.keys)
	return a.keys
}
