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

// pkSum accumulates coefficients on (period node, category) pairs, key
// p×nK+k. It remembers the touched periods and, for each, the range of
// touched categories, so that listing the keys in order needs no sort of
// the keys (the few periods are sorted by insertion).
type pkSum struct {
	nK     int
	v      []float64
	used   []bool
	rows   []int // touched periods
	rowUse []bool
	lo, hi []int // per touched period: first and last touched category
	keys   []int
}

func newPkSum(nP, nK int) *pkSum {
	return &pkSum{nK: nK, v: make([]float64, nP*nK), used: make([]bool, nP*nK),
		rowUse: make([]bool, nP), lo: make([]int, nP), hi: make([]int, nP)}
}

// reset clears every touched key.
func (a *pkSum) reset() {
	for _, p := range a.rows {
		for k := a.lo[p]; k <= a.hi[p]; k++ {
			a.v[p*a.nK+k], a.used[p*a.nK+k] = 0, false
		}
		a.rowUse[p] = false
	}
	a.rows = a.rows[:0]
}

func (a *pkSum) add(p, k int, x float64) {
	if !a.rowUse[p] {
		a.rowUse[p] = true
		a.rows = append(a.rows, p)
		a.lo[p], a.hi[p] = k, k
	} else {
		a.lo[p], a.hi[p] = min(a.lo[p], k), max(a.hi[p], k)
	}
	key := p*a.nK + k
	a.used[key] = true
	a.v[key] += x
}

// sorted returns the touched keys ascending (a view valid until the next
// call).
func (a *pkSum) sorted() []int {
	rows := a.rows
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && rows[j] < rows[j-1]; j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
	a.keys = a.keys[:0]
	for _, p := range rows {
		for k := a.lo[p]; k <= a.hi[p]; k++ {
			if a.used[p*a.nK+k] {
				a.keys = append(a.keys, p*a.nK+k)
			}
		}
	}
	return a.keys
}
