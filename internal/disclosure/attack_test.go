package disclosure

import (
	"fmt"
	"math"
	"slices"
)

// The attackers below know the table's structure (Table.Relations), every
// shown cell, and, for an owner view, every cell of their own municipality.
// They work from those alone, never from the planner's witnesses.

// view is what one attacker knows.
type view struct {
	known []bool
	owner string // "" for outsiders
}

func attackerView(t *Table, p *Plan, owners []string, m string) view {
	v := view{known: make([]bool, t.Len()), owner: m}
	for i := range v.known {
		v.known[i] = !p.Suppressed(i) || (m != "" && owners[i] == m)
		if t.Hidden != nil && t.Hidden[i] {
			v.known[i] = false
		}
	}
	return v
}

// targets lists the primary cells the attacker must not pin down, with the
// interval its bounds must cover (the lower end raised by the attacker's own
// contribution to an aggregate).
func targets(t *Table, p *Plan, owners []string, m string) map[int][2]float64 {
	A, _ := newDim(t.Areas, "areas")
	out := map[int][2]float64{}
	for i := range t.Len() {
		if t.Hidden != nil && t.Hidden[i] {
			continue
		}
		lo, hi, small := primaryNeed(t.Kind, t.Values[i], clientsOf(t, i), float64(p.Threshold))
		if !small || (lo >= t.Values[i]-eps && hi <= t.Values[i]+eps) || (m != "" && owners[i] == m) {
			continue
		}
		if m != "" {
			// the attacker's own part of an aggregate is known to it
			a, pp, k := t.Coords(i)
			for _, l := range A.leaves[a] {
				if t.Areas.Nodes[l].Owner == m {
					lo += t.Values[t.Index(l, pp, k)]
					if t.Kind == Share {
						hi -= t.Clients[t.Index(l, pp, k)] - t.Values[t.Index(l, pp, k)]
					}
				}
			}
		}
		out[i] = [2]float64{lo, hi}
	}
	return out
}

// eliminate repeatedly solves every relation with exactly one unknown cell
// and returns the primary cells it worked out.
func eliminate(t *Table, v view, goals map[int][2]float64) []int {
	known := append([]bool(nil), v.known...)
	var rels []Relation
	t.Relations(func(r Relation) { rels = append(rels, Relation{r.Total, append([]int(nil), r.Parts...)}) })
	for changed := true; changed; {
		changed = false
		for _, r := range rels {
			unknown := -1
			n := 0
			if !known[r.Total] {
				unknown, n = r.Total, 1
			}
			for _, x := range r.Parts {
				if !known[x] {
					unknown = x
					n++
				}
			}
			if n == 1 {
				known[unknown] = true // the attacker now has t.Values[unknown]
				changed = true
			}
		}
	}
	var found []int
	for c := range goals {
		if known[c] {
			found = append(found, c)
		}
	}
	return found
}

// intervals propagates bounds through every relation until nothing changes
// and returns the primary cells whose bounds miss their required interval.
func intervals(t *Table, v view, goals map[int][2]float64) []string {
	n := t.Len()
	lo, hi := make([]float64, n), make([]float64, n)
	for i := range n {
		switch {
		case v.known[i]:
			lo[i], hi[i] = t.Values[i], t.Values[i]
		case t.Kind == Share:
			hi[i] = t.Clients[i]
		default:
			hi[i] = math.Inf(1)
		}
	}
	var rels []Relation
	t.Relations(func(r Relation) { rels = append(rels, Relation{r.Total, append([]int(nil), r.Parts...)}) })
	for round := 0; round < 200; round++ {
		changed := false
		tighten := func(i int, l, h float64) {
			if l > lo[i]+1e-9 {
				lo[i], changed = l, true
			}
			if h < hi[i]-1e-9 {
				hi[i], changed = h, true
			}
		}
		for _, r := range rels {
			sl, sh := 0.0, 0.0
			for _, x := range r.Parts {
				sl += lo[x]
				sh += hi[x]
			}
			tighten(r.Total, sl, sh)
			for _, x := range r.Parts {
				ol, oh := sl-lo[x], sh-hi[x]
				if math.IsInf(sh, 1) {
					oh = othersHigh(r.Parts, x, hi)
				}
				tighten(x, lo[r.Total]-oh, hi[r.Total]-ol)
			}
		}
		if !changed {
			break
		}
	}
	var bad []string
	for c, g := range goals {
		if lo[c] > g[0]+1e-6 || hi[c] < g[1]-1e-6 {
			a, p, k := t.Coords(c)
			bad = append(bad, fmt.Sprintf("%s/%s/%d=%g in [%g, %g], needs [%g, %g]",
				t.Areas.Nodes[a].ID, t.Periods.Nodes[p].ID, k, t.Values[c], lo[c], hi[c], g[0], g[1]))
		}
	}
	return bad
}

func othersHigh(parts []int, skip int, hi []float64) float64 {
	s := 0.0
	for _, x := range parts {
		if x != skip {
			s += hi[x]
		}
	}
	return s
}

// lpBounds computes, by linear programming, the exact bounds the attacker
// can put on every goal cell, and returns those that miss their interval.
func lpBounds(t *Table, v view, goals map[int][2]float64) []string {
	col := map[int]int{}
	var cells []int
	for i := range t.Len() {
		if !v.known[i] {
			col[i] = len(cells)
			cells = append(cells, i)
		}
	}
	nv := len(cells)
	var A [][]float64
	var b []float64
	t.Relations(func(r Relation) {
		row := make([]float64, nv)
		rhs := 0.0
		any := false
		add := func(i int, s float64) {
			if j, ok := col[i]; ok {
				row[j] += s
				any = true
			} else {
				rhs -= s * t.Values[i]
			}
		}
		add(r.Total, -1)
		for _, x := range r.Parts {
			add(x, 1)
		}
		if any {
			A = append(A, row)
			b = append(b, rhs)
		}
	})
	if t.Kind == Share { // y_j ≤ denominator, as y_j + s_j = d
		for j, i := range cells {
			for r := range A {
				A[r] = append(A[r], 0)
			}
			row := make([]float64, len(A[0]))
			row[j], row[nv+j] = 1, 1
			A = append(A, row)
			b = append(b, t.Clients[i])
		}
	}
	var bad []string
	l := newLP(A, b)
	for c, g := range goals {
		obj := make([]float64, len(A[0]))
		obj[col[c]] = 1
		maxV, bounded := l.max(obj)
		obj[col[c]] = -1
		minV, _ := l.max(obj)
		minV = -minV
		if minV > g[0]+1e-6 || (bounded && maxV < g[1]-1e-6) {
			a, p, k := t.Coords(c)
			bad = append(bad, fmt.Sprintf("%s/%s/%d=%g in [%g, %g], needs [%g, %g]",
				t.Areas.Nodes[a].ID, t.Periods.Nodes[p].ID, k, t.Values[c], minV, maxV, g[0], g[1]))
		}
	}
	return bad
}

// lp is a system A y = b, y ≥ 0, brought to a feasible basis once (phase 1
// of the two-phase simplex method), so that many objectives can then be
// maximised from it.
type lp struct {
	m, n, w int
	tab     [][]float64
	basis   []int
}

const lpTol = 1e-9

// newLP runs phase 1; the system is assumed feasible (the true table is a
// solution). Bland's rule avoids cycling.
func newLP(A [][]float64, b []float64) *lp {
	m, n := len(A), len(A[0])
	l := &lp{m: m, n: n, w: n + m + 1, tab: make([][]float64, m), basis: make([]int, m)}
	for i := range m {
		l.tab[i] = make([]float64, l.w)
		s := 1.0
		if b[i] < 0 {
			s = -1
		}
		for j := range n {
			l.tab[i][j] = s * A[i][j]
		}
		l.tab[i][n+i] = 1
		l.tab[i][l.w-1] = s * b[i]
		l.basis[i] = n + i
	}
	phase1 := make([]float64, l.w-1)
	for i := range m {
		phase1[n+i] = -1
	}
	l.run(l.tab, l.basis, phase1, func(int) bool { return true })
	for i := range m { // drive remaining artificials out of the basis
		if l.basis[i] >= n {
			for j := range n {
				if math.Abs(l.tab[i][j]) > lpTol {
					l.pivot(l.tab, l.basis, i, j)
					break
				}
			}
		}
	}
	return l
}

func (l *lp) pivot(tab [][]float64, basis []int, r, c int) {
	pv := tab[r][c]
	for j := range l.w {
		tab[r][j] /= pv
	}
	for i := range l.m {
		if i != r && tab[i][c] != 0 {
			f := tab[i][c]
			for j := range l.w {
				tab[i][j] -= f * tab[r][j]
			}
		}
	}
	basis[r] = c
}

// run maximises cost·y over the columns allowed by ok; false if unbounded.
func (l *lp) run(tab [][]float64, basis []int, cost []float64, ok func(int) bool) bool {
	for iter := 0; iter < 100000; iter++ {
		enter := -1
		for j := range l.w - 1 {
			if !ok(j) {
				continue
			}
			rc := cost[j]
			for i := range l.m {
				rc -= cost[basis[i]] * tab[i][j]
			}
			if rc > lpTol {
				enter = j
				break
			}
		}
		if enter < 0 {
			return true
		}
		leave := -1
		best := math.Inf(1)
		for i := range l.m {
			if tab[i][enter] > lpTol {
				if r := tab[i][l.w-1] / tab[i][enter]; r < best-lpTol || (r < best+lpTol && leave >= 0 && basis[i] < basis[leave]) {
					best, leave = r, i
				}
			}
		}
		if leave < 0 {
			return false
		}
		l.pivot(tab, basis, leave, enter)
	}
	panic("simplex: too many iterations")
}

// max maximises obj·y (phase 2, on a copy of the phase-1 tableau) and
// reports whether the maximum is finite.
func (l *lp) max(obj []float64) (float64, bool) {
	tab := make([][]float64, l.m)
	for i := range tab {
		tab[i] = slices.Clone(l.tab[i])
	}
	basis := slices.Clone(l.basis)
	cost := make([]float64, l.w-1)
	copy(cost, obj)
	if !l.run(tab, basis, cost, func(j int) bool { return j < l.n }) {
		return math.Inf(1), false
	}
	v := 0.0
	for i := range l.m {
		if basis[i] < l.n {
			v += obj[basis[i]] * tab[i][l.w-1]
		}
	}
	return v, true
}
