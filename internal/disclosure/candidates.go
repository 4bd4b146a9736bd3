package disclosure

import (
	"math"
	"slices"
)

// search state for one (cell, direction, amount, excluded owners).
type search struct {
	pl      *planner
	c       int
	a, p, k int
	tau     float64 // signed move of the cell
	exclude []string
	best    float64
	bestW   *witness
	tries   int
	// outA, outP: the nodes the witness must move as a whole (the cell's
	// own, or an aggregate cell's when the witness moves one of its leaves):
	// partners are taken from outside them.
	outA, outP int
}

// catMode is how the category factor is formed.
type catMode struct {
	kind  uint8 // catPair, catSpread, catChain
	other int   // catPair: the other category
}

const (
	catPair   = iota // the cell's category minus one other of its breakdown
	catSpread        // minus several others, as much as each can bear
	catChain         // the cell's category and the total move together
)

// done: a candidate that suppresses nothing new cannot be beaten by much.
func (s *search) done() bool { return s.best < 0.5 }

// best returns the cheapest witness found that moves cell c by amt in
// direction dir without touching cells owned by the excluded municipalities,
// or nil.
func (pl *planner) best(c, dir int, amt float64, exclude []string) *witness {
	a, p, _ := pl.coords(c)
	return pl.bestIn(c, dir, amt, exclude, a, p)
}

func (pl *planner) bestIn(c, dir int, amt float64, exclude []string, outA, outP int) *witness {
	s := &search{pl: pl, c: c, tau: amt, exclude: exclude, best: math.Inf(1), outA: outA, outP: outP}
	if dir == down {
		s.tau = -amt
	}
	s.a, s.p, s.k = pl.coords(c)
	d := pl.A
	cellA := func(l int) int { return pl.idx(l, s.p, s.k) }
	ins := s.spreads(d, s.a, cellA, s.excluded)
	root := d.top[s.outA]
	var singles, pool []int
	if !root && len(ins) > 0 {
		from := d.leaves[s.a][0]
		if !d.isLeaf[s.a] {
			from = s.maxLeaf(d, s.a, cellA)
		}
		skip := func(l int) bool { return s.excluded(l) || slices.Contains(d.leaves[s.outA], l) }
		singles = s.pick(pl.partners[from], cellA, skip)
		for _, l := range pl.largest(s.p, s.k)[:min(3, len(pl.largest(s.p, s.k)))] {
			if !skip(l) && !slices.Contains(singles, l) {
				singles = append(singles, l)
			}
		}
		pool = s.pool(pl.partners[from], cellA, skip)
	}
	periods := s.periodFactors()
	modes := s.catModes()
	for _, fp := range periods {
		for _, cm := range modes {
			for _, in := range ins {
				if root {
					s.try(d.extend(in), fp, cm)
					continue
				}
				if fa, ok := s.areaSpread(in, pool, fp, cm); ok {
					s.try(fa, fp, cm)
				}
				for _, b := range singles {
					if s.done() {
						return s.bestW
					}
					s.try(d.extend(in.plus(b, -1)), fp, cm)
				}
			}
			if s.done() {
				return s.bestW
			}
		}
	}
	return s.bestW
}

func (s *search) catModes() []catMode {
	var out []catMode
	if s.pl.catOf[s.k] >= 0 {
		for _, f := range s.catPairs() {
			other := f.nodes[0]
			if other == s.k {
				other = f.nodes[1]
			}
			out = append(out, catMode{kind: catPair, other: other})
		}
		out = append(out, catMode{kind: catSpread})
	}
	return append(out, catMode{kind: catChain})
}

// fixed returns the category coefficients a mode fixes in advance.
func (s *search) fixed(cm catMode) ([]int, []float64) {
	switch {
	case cm.kind == catPair:
		return []int{s.k, cm.other}, []float64{1, -1}
	case cm.kind == catSpread || s.k == 0:
		return []int{s.k}, []float64{1}
	}
	return []int{0, s.k}, []float64{1, 1}
}

// room is how far cell i can move in the sign of ch.
func (pl *planner) room(i int, ch float64) float64 {
	if ch < 0 {
		return pl.x[i]
	}
	return pl.upper[i] - pl.x[i]
}

// pool lists candidate partner leaves for spreading: the nearest ones and
// the largest ones anywhere.
func (s *search) pool(list []int, cell func(int) int, skip func(int) bool) []int {
	var out []int
	for _, l := range list {
		if len(out) >= 12 {
			break
		}
		if !skip(l) {
			out = append(out, l)
		}
	}
	for _, l := range s.pl.largest(s.p, s.k) {
		if len(out) >= 16 {
			break
		}
		if !skip(l) && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// largest lists area leaves by their value at (p, k), largest first.
func (pl *planner) largest(p, k int) []int {
	key := p*pl.nK + k
	if l, ok := pl.byValue[key]; ok {
		return l
	}
	var leaves []int
	for l := range pl.A.n {
		if pl.A.isLeaf[l] {
			leaves = append(leaves, l)
		}
	}
	slices.SortStableFunc(leaves, func(x, y int) int {
		return cmpDesc(pl.x[pl.idx(x, p, k)], pl.x[pl.idx(y, p, k)])
	})
	if len(leaves) > 8 {
		leaves = leaves[:8]
	}
	pl.byValue[key] = leaves
	return leaves
}

// areaSpread balances the cell's side (in) by several partner leaves, each
// taking as much as its cells can bear at every corner of fp and the
// category factor, cheapest first.
func (s *search) areaSpread(in factor, pool []int, fp factor, cm catMode) (factor, bool) {
	pl := s.pl
	ks, kc := s.fixed(cm)
	type opt struct {
		l         int
		cap, cost float64
	}
	var opts []opt
	for _, l := range pool {
		capL, cost := math.Inf(1), 0.0
		for ip, p := range fp.nodes {
			for ik, k := range ks {
				i := pl.idx(l, p, k)
				ch := -s.tau * fp.coef[ip] * kc[ik]
				capL = math.Min(capL, pl.room(i, ch)/math.Abs(ch))
				cost += pl.cost(i)
			}
		}
		if capL > eps {
			opts = append(opts, opt{l, math.Min(capL, 1), cost})
		}
	}
	slices.SortStableFunc(opts, func(x, y opt) int { return cmpDesc(y.cost/y.cap, x.cost/x.cap) })
	m := in
	left := 1.0
	for _, o := range opts {
		if left <= 1e-9 {
			break
		}
		g := math.Min(o.cap, left)
		m = m.plus(o.l, -g)
		left -= g
	}
	if left > 1e-9 {
		return factor{}, false
	}
	return pl.A.extend(m), true
}

// periodFactors: the cell's period carried to the top (chain); paired with
// nearby periods; and balanced by several sibling periods as much as each
// can bear.
func (s *search) periodFactors() []factor {
	pl := s.pl
	d := pl.P
	cell := func(l int) int { return pl.idx(s.a, l, s.k) }
	ins := s.spreads(d, s.p, cell, func(int) bool { return false })
	var out []factor
	for _, in := range ins {
		out = append(out, d.extend(in))
	}
	if d.top[s.outP] {
		return out
	}
	from := d.leaves[s.p][0]
	if !d.isLeaf[s.p] {
		from = s.maxLeaf(d, s.p, cell)
	}
	inP := func(l int) bool { return slices.Contains(d.leaves[s.outP], l) }
	partners := s.pick(pl.pPartners[from], cell, inP)
	for _, in := range ins {
		for _, b := range partners {
			out = append(out, d.extend(in.plus(b, -1)))
		}
		// spread over the other leaves of each ancestor, by what they can bear
		for _, anc := range d.contains[from] {
			if d.depth[anc] <= d.depth[s.outP] || !slices.Contains(d.contains[d.leaves[s.outP][0]], anc) {
				continue
			}
			m := in
			sum := 0.0
			for _, l := range d.leaves[anc] {
				if !inP(l) {
					sum += math.Min(pl.room(cell(l), -s.tau), 1e9)
				}
			}
			if sum < math.Abs(s.tau)-eps {
				continue
			}
			for _, l := range d.leaves[anc] {
				if !inP(l) {
					m = m.plus(l, -math.Min(pl.room(cell(l), -s.tau), 1e9)/sum)
				}
			}
			out = append(out, d.extend(m))
		}
	}
	return out
}

// try prices the candidate fa ⊗ fp ⊗ (category factor of cm) and keeps it
// if it is the cheapest feasible one so far.
func (s *search) try(fa, fp factor, cm catMode) {
	pl := s.pl
	s.tries++
	tau := s.tau
	cost := 0.0
	n := 0
	ks, kc := s.fixed(cm)
	for ia, a := range fa.nodes {
		for ip, p := range fp.nodes {
			s0 := fa.coef[ia] * fp.coef[ip]
			for ik, k := range ks {
				i := pl.idx(a, p, k)
				if !pl.fits(i, s0*kc[ik], tau) {
					return
				}
				cost += pl.cost(i)
				n++
				if cost >= s.best {
					return
				}
			}
		}
	}
	b := pl.catOf[s.k]
	var spread [][]spreadEntry
	add := func(ob int, sign float64, skip int) bool {
		sp, c, ok := s.spread(fa, fp, ob, sign, skip)
		if !ok {
			return false
		}
		cost += c
		n += len(sp) * len(fa.nodes) * len(fp.nodes)
		spread = append(spread, sp)
		return cost < s.best
	}
	switch {
	case cm.kind == catSpread:
		if !add(b, -1, s.k) {
			return
		}
	case cm.kind == catChain:
		for ob := range pl.catRange {
			if ob != b && !add(ob, 1, -1) {
				return
			}
		}
	}
	cost += 1e-3 * float64(n)
	if cost >= s.best {
		return
	}
	s.best = cost
	w := &witness{}
	owners := map[string]bool{}
	for ia, a := range fa.nodes {
		if o := pl.owner[a]; o != "" {
			owners[o] = true
		}
		for ip, p := range fp.nodes {
			s0 := fa.coef[ia] * fp.coef[ip]
			for ik, k := range ks {
				w.cells = append(w.cells, pl.idx(a, p, k))
				w.coef = append(w.coef, s0*kc[ik])
			}
			for _, sp := range spread {
				for _, e := range sp {
					w.cells = append(w.cells, pl.idx(a, p, e.k))
					w.coef = append(w.coef, s0*e.w)
				}
			}
		}
	}
	for o := range owners {
		w.owners = append(w.owners, o)
	}
	slices.Sort(w.owners)
	s.bestW = w
}

type spreadEntry struct {
	k int
	w float64
}

// spread chooses how breakdown b takes a change of sign × 1 at every corner
// of fa ⊗ fp: weights summing to 1 over its categories (but skip), each
// small enough for every corner's cell to stay within bounds, cheapest per
// unit first. The entries carry sign × weight.
func (s *search) spread(fa, fp factor, b int, sign float64, skip int) ([]spreadEntry, float64, bool) {
	pl := s.pl
	r := pl.catRange[b]
	type opt struct {
		k         int
		cap, cost float64
	}
	var opts []opt
	for k := r[0]; k < r[1]; k++ {
		if k == skip {
			continue
		}
		capK, cost := math.Inf(1), 0.0
		for ia, a := range fa.nodes {
			for ip, p := range fp.nodes {
				i := pl.idx(a, p, k)
				ch := s.tau * fa.coef[ia] * fp.coef[ip] * sign
				capK = math.Min(capK, pl.room(i, ch)/math.Abs(ch))
				cost += pl.cost(i)
			}
		}
		if capK > eps {
			opts = append(opts, opt{k, math.Min(capK, 1), cost})
		}
	}
	slices.SortStableFunc(opts, func(x, y opt) int { return cmpDesc(y.cost/y.cap, x.cost/x.cap) })
	var out []spreadEntry
	left, cost := 1.0, 0.0
	for _, o := range opts {
		if left <= 1e-9 {
			break
		}
		w := math.Min(o.cap, left)
		out = append(out, spreadEntry{o.k, w})
		left -= w
		cost += o.cost
	}
	if left > 1e-7 {
		return nil, 0, false
	}
	sum := 0.0
	for _, e := range out {
		sum += e.w
	}
	for i := range out {
		out[i].w = sign * out[i].w / sum
	}
	return out, cost, true
}
