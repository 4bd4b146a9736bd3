package disclosure

import (
	"fmt"
	"math"
	"slices"
)

// Check verifies the plan against the table it was made for, independently
// of how the planner found it: every cell the primary rules catch is
// suppressed, and for every primary cell, each end of its required interval
// and every attacker (outsiders, and each municipality knowing its own
// cells), a recorded witness is an alternative table that differs from the
// true one only in suppressed cells not known to that attacker, satisfies
// every relation, keeps every cell within its bounds, and puts the cell at
// that end. A nil error is a proof of the protection criterion (see Protect).
func (p *Plan) Check(t *Table) error {
	if err := t.validate(); err != nil {
		return err
	}
	if p.dropped {
		return fmt.Errorf("disclosure: the plan was made without its proof (Options.DropProof)")
	}
	if len(p.Reasons) != t.Len() {
		return fmt.Errorf("disclosure: plan for %d cells, table has %d", len(p.Reasons), t.Len())
	}
	A, err := newDim(t.Areas, "areas")
	if err != nil {
		return err
	}
	upper := make([]float64, t.Len())
	T := float64(p.Threshold)
	for i := range upper {
		upper[i] = math.Inf(1)
		if t.Kind == Share {
			upper[i] = t.Clients[i]
		}
		if t.Hidden != nil && t.Hidden[i] {
			continue
		}
		_, _, small := primaryNeed(t.Kind, t.Values[i], clientsOf(t, i), T)
		if small && !p.Suppressed(i) {
			return fmt.Errorf("disclosure: small cell %d shown", i)
		}
	}
	if t.Kind == Median {
		return nil
	}
	P, err := newDim(t.Periods, "periods")
	if err != nil {
		return err
	}
	for id := range p.witnesses {
		if err := p.checkWitness(t, A, P, &p.witnesses[id]); err != nil {
			return fmt.Errorf("disclosure: witness %d: %w", id, err)
		}
	}
	for i := range t.Len() {
		if t.Hidden != nil && t.Hidden[i] {
			continue
		}
		lo, hi, small := primaryNeed(t.Kind, t.Values[i], clientsOf(t, i), T)
		if !small || (lo >= t.Values[i]-eps && hi <= t.Values[i]+eps) {
			continue
		}
		if err := p.checkCell(t, A, upper, i, lo, hi); err != nil {
			return err
		}
	}
	return nil
}

func (p *Plan) checkCell(t *Table, A *dim, upper []float64, c int, lo, hi float64) error {
	a, pp, k := t.Coords(c)
	cellOwner := A.owner[a]
	for dir := range 2 {
		amt := hi - t.Values[c]
		if dir == down {
			amt = t.Values[c] - lo
		}
		if amt <= eps {
			continue
		}
		var sets [][]string
		avoided := map[string]bool{}
		for _, id := range p.cover[c*2+dir] {
			w := &p.witnesses[id]
			j := slices.Index(w.cells, c)
			need := amt
			if w.avoid != "" {
				need -= ownPart(t, A, c, w.avoid, dir)
			}
			moved := 0.0
			if j >= 0 {
				tmin, tmax := trange(w, t.Values, upper)
				rl, rh := reach(t.Values[c], w.coef[j], tmin, tmax)
				moved = rh - t.Values[c]
				if dir == down {
					moved = t.Values[c] - rl
				}
			}
			if moved < need-1e-7 {
				continue
			}
			if w.avoid != "" {
				if !slices.Contains(w.owners, w.avoid) {
					avoided[w.avoid] = true
				}
				continue
			}
			var f []string
			for _, o := range w.owners {
				if o != cellOwner {
					f = append(f, o)
				}
			}
			sets = append(sets, f)
		}
		if len(sets) == 0 {
			return fmt.Errorf("disclosure: cell %d (%s, %s, %d) can be bounded away from %v by outsiders",
				c, t.Areas.Nodes[a].ID, t.Periods.Nodes[pp].ID, k, [2]float64{lo, hi}[dir])
		}
		u := slices.Clone(sets[0])
		for _, s := range sets[1:] {
			u = slices.DeleteFunc(u, func(o string) bool { return !slices.Contains(s, o) })
		}
		for _, o := range u {
			if !avoided[o] {
				return fmt.Errorf("disclosure: cell %d (%s, %s, %d) can be bounded by municipality %s using its own cells",
					c, t.Areas.Nodes[a].ID, t.Periods.Nodes[pp].ID, k, o)
			}
		}
	}
	return nil
}

// checkWitness verifies that a witness changes only suppressed cells, lists
// every municipality whose cells it changes, and satisfies every relation.
func (p *Plan) checkWitness(t *Table, A, P *dim, w *witness) error {
	coef := make(map[int]float64, len(w.cells))
	for j, i := range w.cells {
		if i < 0 || i >= t.Len() {
			return fmt.Errorf("cell out of range")
		}
		if !p.Suppressed(i) {
			return fmt.Errorf("changes shown cell %d", i)
		}
		coef[i] += w.coef[j]
		a, _, _ := t.Coords(i)
		if o := A.owner[a]; o != "" && !slices.Contains(w.owners, o) {
			return fmt.Errorf("changes cells of %s without saying so", o)
		}
	}
	var bad error
	seen := map[[2]int]bool{}
	check := func(total int, parts []int) {
		s := -coef[total]
		for _, x := range parts {
			s += coef[x]
		}
		if math.Abs(s) > 1e-7 && bad == nil {
			bad = fmt.Errorf("relation at cell %d off by %g", total, s)
		}
	}
	for i := range coef {
		a, pp, k := t.Coords(i)
		// every area relation a takes part in, as total or as part
		for _, n := range slices.Concat([]int{a}, A.parent[a]) {
			for di, dec := range t.Areas.Nodes[n].Parts {
				if seen[[2]int{t.Index(n, pp, k), di}] {
					continue
				}
				seen[[2]int{t.Index(n, pp, k), di}] = true
				parts := make([]int, len(dec))
				for x, c := range dec {
					parts[x] = t.Index(c, pp, k)
				}
				check(t.Index(n, pp, k), parts)
			}
		}
		for _, n := range slices.Concat([]int{pp}, P.parent[pp]) {
			for di, dec := range t.Periods.Nodes[n].Parts {
				key := [2]int{t.Index(a, n, k), -1 - di}
				if seen[key] {
					continue
				}
				seen[key] = true
				parts := make([]int, len(dec))
				for x, c := range dec {
					parts[x] = t.Index(a, c, k)
				}
				check(t.Index(a, n, k), parts)
			}
		}
		for b, bd := range t.Breakdowns {
			first := t.Category(b, 0)
			if k != 0 && (k < first || k >= first+len(bd.Categories)) {
				continue
			}
			parts := make([]int, len(bd.Categories))
			for j := range bd.Categories {
				parts[j] = t.Index(a, pp, first+j)
			}
			check(t.Index(a, pp, 0), parts)
		}
	}
	return bad
}
