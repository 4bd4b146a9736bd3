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
	bestW   *witness // nil or &bw
	bw      witness  // the best witness so far (reused slices)
	order   []int    // exchange's scratch
	modes   []catMode
	fas     []factor // searchIn's scratch
	fasIn   []int
	side    []float64
	fps     []factor
	mBuf    factor // areaSpread's scratch
	faBuf   factor
	// outA, outP: the nodes the witness must move as a whole (the cell's
	// own, or an aggregate cell's when the witness moves one of its leaves):
	// partners are taken from outside them.
	outA, outP int
	extra      []pkEntry // try's scratch
	cells      []int     // exchange's scratch
	coefs      []float64
	opts       []shareOpt // shares' scratch
	catOpts    []shareOpt // spread's scratch
	spreadOut  []spreadEntry
	share      []leafShare // the partners shares chose
}

// catMode is how the category factor is formed.
type catMode struct {
	kind  uint8 // catPair, catSpread, catChain
	other int   // catPair: the other category
	// the categories the mode fixes in advance and their coefficients
	n  int
	ks [2]int
	kc [2]float64
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
	w := pl.searchIn(c, dir, amt, exclude, outA, outP)
	if w == nil {
		return nil
	}
	out := &witness{cells: slices.Clone(w.cells), coef: slices.Clone(w.coef)}
	if len(w.owners) > 0 {
		out.owners = slices.Clone(w.owners)
	}
	return out
}

// searchIn is bestIn on the planner's search, whose best witness so far
// lives in reused slices (s.bw).
func (pl *planner) searchIn(c, dir int, amt float64, exclude []string, outA, outP int) *witness {
	// one search at a time: its scratch slices are kept for the next
	s := &pl.srch
	*s = search{pl: pl, c: c, tau: amt, exclude: exclude, best: math.Inf(1), outA: outA, outP: outP,
		extra: s.extra[:0], cells: s.cells[:0], coefs: s.coefs[:0], opts: s.opts[:0], share: s.share[:0],
		catOpts: s.catOpts[:0], spreadOut: s.spreadOut[:0],
		bw:    witness{cells: s.bw.cells[:0], coef: s.bw.coef[:0], owners: s.bw.owners[:0]},
		order: s.order[:0], mBuf: s.mBuf, faBuf: s.faBuf, modes: s.modes[:0],
		fas: s.fas[:0], fasIn: s.fasIn[:0], side: s.side[:0], fps: s.fps[:0]}
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
		largest := pl.largest(s.p, s.k)
		for _, l := range largest[:min(3, len(largest))] {
			if !skip(l) && !slices.Contains(singles, l) {
				singles = append(singles, l)
			}
		}
		pool = s.pool(pl.partners[from], cellA, skip)
	}
	periods := s.periodFactors()
	modes := s.catModes()
	// area factors of the single partners, worked out once
	fas := s.fas[:0]
	fasIn := s.fasIn[:0] // the spread of the cell's side each is made of
	defer func() { s.fas, s.fasIn = fas, fasIn }()
	for j, in := range ins {
		if root {
			fas = append(fas, d.extend(in))
			fasIn = append(fasIn, j)
			continue
		}
		for _, b := range singles {
			fas = append(fas, pl.areaPair(in, b))
			fasIn = append(fasIn, j)
		}
	}
	side := append(s.side[:0], make([]float64, len(ins))...)
	s.side = side
	for i := range modes {
		cm := &modes[i]
		ks, _ := s.fixed(cm)
		s.fps = append(append(s.fps[:0], s.periodsFor(cm)...), periods...)
		for _, fp := range s.fps {
			// every candidate hides the cells of its own side (a lower
			// bound: one that costs more than the best so far is refused)
			for j, in := range ins {
				side[j] = s.sideCost(in, fp, ks)
			}
			for x, fa := range fas {
				if side[fasIn[x]] > s.best*(1+1e-9) {
					continue
				}
				s.try(fa, fp, cm)
				if s.done() {
					return s.bestW
				}
			}
		}
	}
	if !root && s.tau > 0 && s.best >= dearWitness {
		for _, b := range singles {
			s.exchange(b)
		}
	}
	if root || s.best < dearWitness {
		return s.bestW
	}
	// several partners sharing the change, when no single one does it cheaply
	for i := range modes {
		cm := &modes[i]
		s.fps = append(append(s.fps[:0], s.periodsFor(cm)...), periods...)
		for _, fp := range s.fps {
			if s.ownSide(ins, fp, cm) > s.best*(1+1e-9) {
				continue // no spread of the cell's side can beat the best
			}
			if cost, ok := s.shares(pool, fp, cm); ok {
				for _, in := range ins {
					if fa, ok := s.areaSpread(in, cost, fp, cm); ok {
						s.try(fa, fp, cm)
					}
				}
			}
			if s.done() {
				return s.bestW
			}
		}
	}
	return s.bestW
}

// catModes lists the category modes of the search, each with the
// coefficients it fixes (in s.modes, reused).
func (s *search) catModes() []catMode {
	out := s.modes[:0]
	if s.pl.catOf[s.k] >= 0 {
		for _, other := range s.catPartners() {
			out = append(out, catMode{kind: catPair, other: other, n: 2, ks: [2]int{s.k, other}, kc: [2]float64{1, -1}})
		}
		out = append(out, catMode{kind: catSpread, n: 1, ks: [2]int{s.k}, kc: [2]float64{1}})
	}
	if s.k == 0 {
		out = append(out, catMode{kind: catChain, n: 1, ks: [2]int{0}, kc: [2]float64{1}})
	} else {
		out = append(out, catMode{kind: catChain, n: 2, ks: [2]int{0, s.k}, kc: [2]float64{1, 1}})
	}
	s.modes = out
	return out
}

// fixed returns the category coefficients a mode fixes in advance.
func (s *search) fixed(cm *catMode) ([]int, []float64) {
	return cm.ks[:cm.n:cm.n], cm.kc[:cm.n:cm.n]
}

// room is how far cell i can move in the sign of ch.
func (pl *planner) room(i int, ch float64) float64 {
	c := &pl.cd[i]
	if ch < 0 {
		return c.x
	}
	return c.upper - c.x
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
	if l := pl.byValue[key]; l != nil {
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

// areaPair is in − leaf b, extended; for a single leaf in (the common
// case) it is cached.
func (pl *planner) areaPair(in factor, b int) factor {
	if len(in.nodes) != 1 {
		return pl.A.extend(in.plus(b, -1))
	}
	a := in.nodes[0]
	if pl.pairs[a] == nil {
		pl.pairs[a] = make([]factor, pl.A.n)
	}
	if f := pl.pairs[a][b]; f.nodes != nil {
		return f
	}
	f := pl.A.extend(in.plus(b, -1))
	pl.pairs[a][b] = f
	return f
}

// shares chooses how several partner leaves of the pool take a unit change
// of the cell's side at every corner of fp and the category factor: each
// as much as its cells can bear, cheapest per unit first (in s.share). It
// returns what hiding the chosen partners' cells costs, or false when the
// pool cannot take it all.
func (s *search) shares(pool []int, fp factor, cm *catMode) (float64, bool) {
	pl := s.pl
	ks, kc := s.fixed(cm)
	opts := s.opts[:0]
	for _, l := range pool {
		capL, cost := math.Inf(1), 0.0
		for ip, p := range fp.nodes {
			for ik, k := range ks {
				i := pl.idx(l, p, k)
				ch := -s.tau * fp.coef[ip] * kc[ik]
				capL = min(capL, pl.room(i, ch)/abs(ch))
				cost += pl.cost(i)
			}
		}
		if capL > eps {
			c := min(capL, 1)
			opts = append(opts, shareOpt{l, c, cost, cost / c})
		}
	}
	s.opts = opts
	sortPerUnit(opts)
	left, cost := 1.0, 0.0
	s.share = s.share[:0]
	for _, o := range opts {
		if left <= 1e-9 {
			break
		}
		g := min(o.cap, left)
		s.share = append(s.share, leafShare{o.l, g})
		left -= g
		cost += o.cost
	}
	return cost, left <= 1e-9
}

// sortPerUnit orders options cheapest per unit first, equal ones in their
// order (a stable insertion sort: the lists are short).
func sortPerUnit(opts []shareOpt) {
	for i := 1; i < len(opts); i++ {
		for j := i; j > 0 && opts[j].perUnit < opts[j-1].perUnit; j-- {
			opts[j], opts[j-1] = opts[j-1], opts[j]
		}
	}
}

type shareOpt struct {
	l                  int
	cap, cost, perUnit float64
}

type leafShare struct {
	l int
	g float64
}

// sideCost is what hiding the cells of the cell's side in ⊗ fp ⊗ ks costs
// (part of what any witness spreading in costs).
func (s *search) sideCost(in, fp factor, ks []int) float64 {
	c := 0.0
	for _, l := range in.nodes {
		for _, p := range fp.nodes {
			for _, k := range ks {
				c += s.pl.cost(s.pl.idx(l, p, k))
			}
		}
	}
	return c
}

// ownSide is the least sideCost over the spreads ins of the cell's side.
func (s *search) ownSide(ins []factor, fp factor, cm *catMode) float64 {
	ks, _ := s.fixed(cm)
	c := math.Inf(1)
	for _, in := range ins {
		c = min(c, s.sideCost(in, fp, ks))
	}
	return c
}

// periodPair is in − period leaf b, extended; for a single leaf in (the
// common case) it is cached.
func (pl *planner) periodPair(in factor, b int) factor {
	if len(in.nodes) != 1 || in.coef[0] != 1 {
		return pl.P.extend(in.plus(b, -1))
	}
	p := in.nodes[0]
	if pl.pPairs[p] == nil {
		pl.pPairs[p] = make([]factor, pl.P.n)
	}
	if f := pl.pPairs[p][b]; f.nodes != nil {
		return f
	}
	f := pl.P.extend(in.plus(b, -1))
	pl.pPairs[p][b] = f
	return f
}

// areaSpread balances the cell's side (in) by the partner leaves chosen by
// shares (whose cells cost partners to hide).
func (s *search) areaSpread(in factor, partners float64, fp factor, cm *catMode) (factor, bool) {
	pl := s.pl
	ks, _ := s.fixed(cm)
	// The witness hides at least the chosen partners' cells and the cell's
	// own side: when that costs as much as the best so far, try would
	// refuse it anyway.
	if partners+s.sideCost(in, fp, ks) > s.best*(1+1e-9) {
		return factor{}, false
	}
	// (in scratch: try keeps nothing of the factor)
	m := factor{nodes: append(s.mBuf.nodes[:0], in.nodes...), coef: append(s.mBuf.coef[:0], in.coef...)}
	for _, sh := range s.share {
		m.add(sh.l, -sh.g)
	}
	s.mBuf = m
	s.faBuf = pl.A.extendInto(s.faBuf, m)
	return s.faBuf, true
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
			out = append(out, pl.periodPair(in, b))
		}
		// spread over the other leaves of each ancestor, by what they can bear
		for _, anc := range d.contains[from] {
			if d.depth[anc] <= d.depth[s.outP] || !slices.Contains(d.contains[d.leaves[s.outP][0]], anc) {
				continue
			}
			sum := 0.0
			for _, l := range d.leaves[anc] {
				if !inP(l) {
					sum += min(pl.room(cell(l), -s.tau), 1e9)
				}
			}
			if sum < math.Abs(s.tau)-eps {
				continue
			}
			m := in.clone(len(d.leaves[anc]))
			for _, l := range d.leaves[anc] {
				if !inP(l) {
					m.add(l, -min(pl.room(cell(l), -s.tau), 1e9)/sum)
				}
			}
			out = append(out, d.extend(m))
		}
	}
	return out
}

// periodsFor gives, for an aggregate period and a pair (or spread) of
// categories, the period's leaves in proportion to what the other
// categories can give up (up) or take (down) there: the pair then fits
// leaf by leaf.
func (s *search) periodsFor(cm *catMode) []factor {
	d := s.pl.P
	if (cm.kind != catPair && cm.kind != catSpread) || d.isLeaf[s.p] {
		return nil
	}
	var in factor
	sum := 0.0
	for _, l := range d.leaves[s.p] {
		var r float64
		if cm.kind == catPair {
			r = min(s.pl.room(s.pl.idx(s.a, l, cm.other), -s.tau), 1e9)
		} else if s.tau > 0 {
			// what the other categories hold there
			r = s.pl.x[s.pl.idx(s.a, l, 0)] - s.pl.x[s.pl.idx(s.a, l, s.k)]
		} else {
			r = 1
		}
		if r > eps {
			in.nodes = append(in.nodes, l)
			in.coef = append(in.coef, r)
			sum += r
		}
	}
	if sum < abs(s.tau)-eps {
		return nil
	}
	for i := range in.coef {
		in.coef[i] /= sum
	}
	out := []factor{d.extend(in)}
	if !d.top[s.outP] {
		// balanced within the next period up, where that can bear it
		for _, anc := range d.contains[d.leaves[s.p][0]] {
			if d.depth[anc] <= d.depth[s.p] || !containsAll(d.leaves[anc], d.leaves[s.p]) {
				continue
			}
			rest := 0.0
			for _, l := range d.leaves[anc] {
				if !slices.Contains(d.leaves[s.p], l) {
					rest += min(s.pl.room(s.pl.idx(s.a, l, s.k), -s.tau), 1e9)
				}
			}
			if rest < abs(s.tau)-eps {
				continue
			}
			m := in.clone(len(d.leaves[anc]))
			for _, l := range d.leaves[anc] {
				if !slices.Contains(d.leaves[s.p], l) {
					m.add(l, -min(s.pl.room(s.pl.idx(s.a, l, s.k), -s.tau), 1e9)/rest)
				}
			}
			out = append(out, d.extend(m))
			break
		}
	}
	return out
}

// try prices the candidate fa ⊗ fp ⊗ (category factor of cm) and keeps it
// if it is the cheapest feasible one so far.
func (s *search) try(fa, fp factor, cm *catMode) {
	pl := s.pl
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
	// Other categories take the change month by month (each leaf period
	// its own weights, fitted to its own cells); quarters and years get
	// the sums of their months.
	b := pl.catOf[s.k]
	type catPart struct {
		ob   int
		sign float64
		skip int
	}
	var parts []catPart
	switch cm.kind {
	case catSpread:
		parts = []catPart{{b, -1, s.k}}
	case catChain:
		for ob := range pl.catRange {
			if ob != b {
				parts = append(parts, catPart{ob, 1, -1})
			}
		}
	}
	// extra holds, per part, the coefficient of every (period node, category)
	// (key p×nK+k, ascending), one part after the other
	extra := s.extra[:0]
	for _, cp := range parts {
		m := pl.pkAcc()
		for ip, p := range fp.nodes {
			if !pl.P.isLeaf[p] {
				continue
			}
			sp, c, ok := s.spread(fa, factor{nodes: []int{p}, coef: []float64{fp.coef[ip]}}, cp.ob, cp.sign, cp.skip)
			if !ok {
				return
			}
			cost += c
			if cost >= s.best {
				return
			}
			for _, e := range sp {
				for _, np := range pl.P.contains[p] {
					m.add(np, e.k, fp.coef[ip]*e.w)
				}
			}
		}
		// the sums on quarters and years must fit too (in key order: the
		// cost is a float sum, and ties must break the same way every time)
		keys := m.sorted()
		for _, key := range keys {
			v := m.v[key]
			extra = append(extra, pkEntry{key, v})
			np, k := key/pl.nK, key%pl.nK
			if pl.P.isLeaf[np] {
				continue
			}
			for ia, a := range fa.nodes {
				i := pl.idx(a, np, k)
				if !pl.fits(i, fa.coef[ia]*v, tau) {
					s.extra = extra
					return
				}
				cost += pl.cost(i)
			}
		}
		n += len(keys) * len(fa.nodes)
	}
	s.extra = extra
	cost += 1e-3 * float64(n)
	if cost >= s.best {
		return
	}
	s.best = cost
	w := &s.bw
	w.cells, w.coef, w.owners = w.cells[:0], w.coef[:0], w.owners[:0]
	for ia, a := range fa.nodes {
		if o := pl.owner[a]; o != "" && !slices.Contains(w.owners, o) {
			w.owners = append(w.owners, o)
		}
		for ip, p := range fp.nodes {
			s0 := fa.coef[ia] * fp.coef[ip]
			for ik, k := range ks {
				w.cells = append(w.cells, pl.idx(a, p, k))
				w.coef = append(w.coef, s0*kc[ik])
			}
		}
		for _, e := range extra {
			if v := fa.coef[ia] * e.v; math.Abs(v) > 1e-12 {
				w.cells = append(w.cells, pl.idx(a, e.key/pl.nK, e.key%pl.nK))
				w.coef = append(w.coef, v)
			}
		}
	}
	slices.Sort(w.owners)
	s.bestW = w
}

// pkEntry is a coefficient on (period node, category) key p×nK+k.
type pkEntry struct {
	key int
	v   float64
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
	opts := s.catOpts[:0]
	for k := r[0]; k < r[1]; k++ {
		if k == skip {
			continue
		}
		capK, cost := math.Inf(1), 0.0
		for ia, a := range fa.nodes {
			for ip, p := range fp.nodes {
				i := pl.idx(a, p, k)
				ch := s.tau * fa.coef[ia] * fp.coef[ip] * sign
				capK = min(capK, pl.room(i, ch)/abs(ch))
				cost += pl.cost(i)
			}
		}
		if capK > eps {
			c := min(capK, 1)
			opts = append(opts, shareOpt{k, c, cost, cost / c})
		}
	}
	s.catOpts = opts
	sortPerUnit(opts)
	out := s.spreadOut[:0]
	defer func() { s.spreadOut = out }()
	left, cost := 1.0, 0.0
	for _, o := range opts {
		if left <= 1e-9 {
			break
		}
		w := min(o.cap, left)
		out = append(out, spreadEntry{o.l, w})
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

// exchange is the move up of a cell in a municipality whose own months
// cannot give way category by category: it takes whole clients from the
// partner b into the cell's month and category, and gives back as many
// clients from its own other months of the year (each month in proportion
// to its own categories), so that its yearly total stays as it is. It is
// a sum of consistent columns rather than a product.
func (s *search) exchange(b int) {
	pl := s.pl
	d := pl.P
	if !pl.A.isLeaf[s.a] || d.top[s.p] || s.outP != s.p {
		// (when a leaf month moves for its quarter or year, giving back
		// within the year would leave the year unmoved)
		return
	}
	top := s.p
	for _, n := range d.contains[d.leaves[s.p][0]] {
		if d.depth[n] > d.depth[top] && containsAll(d.leaves[n], d.leaves[s.p]) {
			top = n
		}
	}
	// the month that takes the clients: the cell's own, or its largest
	m0 := d.leaves[s.p][0]
	for _, m := range d.leaves[s.p] {
		if pl.x[pl.idx(b, m, s.k)] > pl.x[pl.idx(b, m0, s.k)] {
			m0 = m
		}
	}
	type item struct {
		m int
		c float64
		k []float64 // per category position
	}
	in := item{m: m0, c: 1, k: make([]float64, pl.nK)}
	in.k[0] = 1
	if s.k != 0 {
		in.k[s.k] = 1
	}
	bt := pl.x[pl.idx(b, m0, 0)]
	bk := pl.x[pl.idx(b, m0, s.k)]
	if bt <= 0 || bk <= 0 {
		return
	}
	for ob, r := range pl.catRange {
		if ob == pl.catOf[s.k] {
			continue
		}
		// the partner's clients that come over, in its own proportions
		for j := r[0]; j < r[1]; j++ {
			in.k[j] = pl.x[pl.idx(b, m0, j)] / bt
		}
	}
	items := []item{in}
	// give back from as few months as will do: those of the cell's own
	// quarter first (its total then stays as well), then the fullest
	var months []int
	for _, m := range d.leaves[top] {
		if !slices.Contains(d.leaves[s.p], m) && pl.x[pl.idx(s.a, m, 0)] > 0 {
			months = append(months, m)
		}
	}
	near := func(m int) bool {
		for _, q := range d.parent[m0] {
			if slices.Contains(d.leaves[q], m) {
				return true
			}
		}
		return false
	}
	slices.SortStableFunc(months, func(x, y int) int {
		if nx, ny := near(x), near(y); nx != ny {
			if nx {
				return -1
			}
			return 1
		}
		return cmpDesc(pl.x[pl.idx(s.a, x, 0)], pl.x[pl.idx(s.a, y, 0)])
	})
	left := s.tau
	for _, m := range months {
		if left <= eps {
			break
		}
		t := pl.x[pl.idx(s.a, m, 0)]
		g := min(t, left)
		left -= g
		out := item{m: m, c: -g / s.tau, k: make([]float64, pl.nK)}
		for j := range pl.nK {
			out.k[j] = pl.x[pl.idx(s.a, m, j)] / t
		}
		items = append(items, out)
	}
	if left > eps {
		return
	}
	// V on (period, category), then W = (e_a − e_b) ⊗ V
	v := pl.pkAcc()
	for _, it := range items {
		for _, np := range d.contains[it.m] {
			for j, w := range it.k {
				if w != 0 {
					v.add(np, j, it.c*w)
				}
			}
		}
	}
	fa := pl.areaPair(factor{nodes: []int{s.a}, coef: []float64{1}}, b)
	keys := v.sorted()
	cost := 0.0
	cells, coefs := s.cells[:0], s.coefs[:0] // scratch until the witness is kept
	defer func() { s.cells, s.coefs = cells, coefs }()
	for ia, a := range fa.nodes {
		for _, key := range keys {
			if math.Abs(v.v[key]) <= 1e-12 {
				continue
			}
			i := pl.idx(a, key/pl.nK, key%pl.nK)
			c := fa.coef[ia] * v.v[key]
			if !pl.fits(i, c, s.tau) {
				return
			}
			if cost += pl.cost(i); cost >= s.best {
				return
			}
			cells = append(cells, i)
			coefs = append(coefs, c)
		}
	}
	if cost += 1e-3 * float64(len(cells)); cost >= s.best {
		return
	}
	w := &s.bw
	w.cells, w.coef, w.owners = w.cells[:0], w.coef[:0], w.owners[:0]
	for _, a := range fa.nodes {
		if o := pl.owner[a]; o != "" && !slices.Contains(w.owners, o) {
			w.owners = append(w.owners, o)
		}
	}
	slices.Sort(w.owners)
	// the cells in order, with their coefficients
	idx := s.order[:0]
	for j := range cells {
		idx = append(idx, j)
	}
	s.order = idx
	slices.SortFunc(idx, func(x, y int) int { return cells[x] - cells[y] })
	for _, j := range idx {
		w.cells = append(w.cells, cells[j])
		w.coef = append(w.coef, coefs[j])
	}
	s.best, s.bestW = cost, w
}
