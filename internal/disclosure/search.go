package disclosure

import (
	"math"
	"slices"
)

// A witness is searched for as a product of one factor per dimension: for
// areas and periods a consistent vector over the hierarchy's nodes (the cell's
// node, paired with a nearby leaf or carried up to the top), for categories
// a pair of categories of one breakdown or the cell's category carried up to
// the total (every other breakdown then takes the change in categories that
// can bear it). A product of consistent vectors satisfies every relation of
// the cube, so a candidate is checked only for bounds (no count below 0, no
// numerator above its denominator) and priced by the cells it would newly
// suppress.

// factor is a sparse consistent vector over one hierarchy's nodes.
type factor struct {
	nodes []int
	coef  []float64
}

// chain is the fallback witness: the cell's contents move together with
// everything above them. For a move down, every leaf cell under the cell
// gives up its share (in proportion to its value, so nothing goes below
// zero), and in every other breakdown its categories in proportion to
// theirs; for a move up one leaf cell takes it all (in proportion to the
// room left, for shares). It needs no partner and always exists; avoid names
// a municipality whose cells must stay unchanged.
func (pl *planner) chain(c, dir int, amt float64, avoid string) *witness {
	a, p, k := pl.coords(c)
	room := func(i int) float64 {
		if dir == down {
			return pl.x[i]
		}
		return pl.upper[i] - pl.x[i]
	}
	type term struct {
		l, m int
		w    float64
	}
	var terms []term
	sum := 0.0
	for _, l := range pl.A.leaves[a] {
		if avoid != "" && pl.t.Areas.Nodes[l].Owner == avoid {
			continue
		}
		for _, m := range pl.P.leaves[p] {
			r := room(pl.idx(l, m, k))
			if math.IsInf(r, 1) {
				terms, sum = []term{{l, m, amt}}, amt
				break
			}
			if r > eps {
				terms = append(terms, term{l, m, r})
				sum += r
			}
		}
		if sum > 0 && math.IsInf(room(pl.idx(l, pl.P.leaves[p][0], k)), 1) {
			break
		}
	}
	if sum < amt-eps {
		return nil
	}
	coef := pl.cellAcc()
	b := pl.catOf[k]
	var cats []spreadEntry
	for _, tm := range terms {
		w := tm.w / sum
		cats = append(cats[:0], spreadEntry{0, w})
		if k != 0 {
			cats = append(cats, spreadEntry{k, w})
		}
		for ob, r := range pl.catRange {
			if ob == b {
				continue
			}
			tot := room(pl.idx(tm.l, tm.m, 0))
			for j := r[0]; j < r[1]; j++ {
				share := room(pl.idx(tm.l, tm.m, j))
				if math.IsInf(tot, 1) {
					share, tot = 1, 1 // any one category can take an increase
				}
				if share > eps {
					cats = append(cats, spreadEntry{j, w * share / tot})
				}
				if tot == 1 && share == 1 {
					break
				}
			}
		}
		for _, na := range pl.A.contains[tm.l] {
			for _, np := range pl.P.contains[tm.m] {
				for _, e := range cats {
					coef.add(pl.idx(na, np, e.k), e.w)
				}
			}
		}
	}
	w := &witness{}
	w.cells = slices.Clone(coef.sorted())
	w.coef = make([]float64, len(w.cells))
	for j, i := range w.cells {
		w.coef[j] = coef.v[i]
		if o := pl.owner[pl.areaOf(i)]; o != "" && !slices.Contains(w.owners, o) {
			w.owners = append(w.owners, o)
		}
	}
	slices.Sort(w.owners)
	return w
}

// chainIsFree reports whether a chain witness of cell c could cost nothing:
// every chain moves the totals of the nodes above all of the cell's leaves
// (and the cell's category there), so all of those must be suppressed
// already.
func (pl *planner) chainIsFree(c int) bool {
	a, p, k := pl.coords(c)
	for _, na := range pl.A.contains[pl.A.leaves[a][0]] {
		if pl.A.depth[na] < pl.A.depth[a] || !containsAll(pl.A.leaves[na], pl.A.leaves[a]) {
			continue
		}
		for _, np := range pl.P.contains[pl.P.leaves[p][0]] {
			if pl.P.depth[np] < pl.P.depth[p] || !containsAll(pl.P.leaves[np], pl.P.leaves[p]) {
				continue
			}
			if !pl.sup[pl.idx(na, np, 0)] || !pl.sup[pl.idx(na, np, k)] {
				return false
			}
		}
	}
	return true
}

func (s *search) excluded(leaf int) bool {
	o := s.pl.t.Areas.Nodes[leaf].Owner
	return o != "" && slices.Contains(s.exclude, o)
}

// spreads returns ways to put a unit change of node n on its leaves: the
// leaf itself; for an aggregate in proportion to the leaves' values and on
// the largest leaf alone.
func (s *search) spreads(d *dim, n int, cell func(int) int, skip func(int) bool) []factor {
	total := func(l int) int { return cell(l) - s.k } // the same cell's total
	if d.isLeaf[n] {
		if skip(n) {
			return nil
		}
		return []factor{{nodes: []int{n}, coef: []float64{1}}}
	}
	var out []factor
	var prop factor
	sum := 0.0
	for _, l := range d.leaves[n] {
		if v := s.pl.x[cell(l)]; v > 0 && !skip(l) {
			prop.nodes = append(prop.nodes, l)
			prop.coef = append(prop.coef, v)
			sum += v
		}
	}
	if sum > 0 {
		for i := range prop.coef {
			prop.coef[i] /= sum
		}
		out = append(out, prop)
	}
	// single leaves: the largest at this category, and the largest in
	// total (whose other categories can give way), or any allowed leaf
	// when all are zero
	byCat, byTotal := -1, -1
	for _, l := range d.leaves[n] {
		if skip(l) {
			continue
		}
		if byCat < 0 || s.pl.x[cell(l)] > s.pl.x[cell(byCat)] {
			byCat = l
		}
		if byTotal < 0 || s.pl.x[total(l)] > s.pl.x[total(byTotal)] {
			byTotal = l
		}
	}
	if byCat >= 0 && len(prop.nodes) != 1 {
		out = append(out, factor{nodes: []int{byCat}, coef: []float64{1}})
	}
	if byTotal >= 0 && byTotal != byCat {
		out = append(out, factor{nodes: []int{byTotal}, coef: []float64{1}})
	}
	return out
}

// maxLeaf is the leaf of n whose cell (by cell) holds the most.
func (s *search) maxLeaf(d *dim, n int, cell func(int) int) int {
	best, bv := d.leaves[n][0], -1.0
	for _, l := range d.leaves[n] {
		if v := s.pl.x[cell(l)]; v > bv {
			best, bv = l, v
		}
	}
	return best
}

// pick chooses partner leaves from a closest-first list: up to three whose
// cell is already suppressed (free to use) and up to three with the largest
// values (able to absorb a change), among the nearest ones.
func (s *search) pick(list []int, cell func(int) int, skip func(int) bool) []int {
	const scan = 60
	var free, big []int
	for i, l := range list {
		if i >= scan && len(free)+len(big) > 0 {
			break
		}
		if skip(l) {
			continue
		}
		c := cell(l)
		if s.pl.sup[c] && len(free) < 3 {
			free = append(free, l)
			continue
		}
		// keep the three largest, earlier ones first among equals
		v := s.pl.x[c]
		j := len(big)
		for j > 0 && s.pl.x[cell(big[j-1])] < v {
			j--
		}
		if j < 3 {
			big = slices.Insert(big, j, l)
			if len(big) > 3 {
				big = big[:3]
			}
		}
	}
	return append(free, big...)
}

func cmpDesc(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// catPartners: the other categories of the cell's breakdown to pair the
// cell's category with (up to three: suppressed ones first, then the
// largest). None for totals.
func (s *search) catPartners() []int {
	pl := s.pl
	b := pl.catOf[s.k]
	if b < 0 {
		return nil
	}
	r := pl.catRange[b]
	var ks []int
	for k := r[0]; k < r[1]; k++ {
		if k != s.k {
			ks = append(ks, k)
		}
	}
	cell := func(k int) int { return pl.idx(s.a, s.p, k) }
	return s.pick(ks, cell, func(int) bool { return false })
}

// cost of newly suppressing cell i: more for large values and high levels
// (worked out once per cell, from the true values; see initCells).
func (pl *planner) cost(i int) float64 { return pl.cd[i].cost }

// baseCost is what suppressing cell i costs while it is shown.
func (pl *planner) baseCost(i int) float64 {
	a, p, k := pl.coords(i)
	c := (1 + math.Log1p(pl.t.Values[i])) * math.Pow(float64(pl.A.depth[a]*pl.P.depth[p]), 1.5)
	if k == 0 {
		c *= 10
	}
	return c
}

// initCells gathers what the search reads of every cell into one array
// (value, bound, current cost), so that pricing a candidate touches one
// place per cell.
func (pl *planner) initCells() {
	pl.cd = make([]cellData, len(pl.x))
	for i := range pl.cd {
		pl.cd[i] = cellData{x: pl.x[i], upper: pl.upper[i], cost: pl.baseCost(i)}
		if pl.sup[i] {
			pl.cd[i].cost = 0
		}
	}
}

// setSup marks cell i suppressed (or shown again).
func (pl *planner) setSup(i int, s bool) {
	pl.sup[i] = s
	if s {
		pl.cd[i].cost = 0
	} else {
		pl.cd[i].cost = pl.baseCost(i)
	}
}

// setX moves cell i's value (joint tries witnesses on a moved table).
func (pl *planner) setX(i int, v float64) {
	pl.x[i] = v
	pl.cd[i].x = v
}

// fits reports whether cell i with coefficient w stays within its bounds
// when moved by tau.
func (pl *planner) fits(i int, w, tau float64) bool {
	c := &pl.cd[i]
	v := c.x + tau*w
	return v >= -eps && v <= c.upper+eps
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
