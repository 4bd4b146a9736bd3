package disclosure

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// DefaultThreshold is the smallest count shown outside the controlling
// municipality, and the fewest clients a median or share may rest on.
const DefaultThreshold = 5

// Options configure Plan.
type Options struct {
	// Threshold: counts 1..Threshold-1 are suppressed, and medians and shares
	// over fewer than Threshold clients. 0 means DefaultThreshold.
	Threshold int
	// DropProof discards the witnesses once the pattern is made: the plan
	// then uses far less memory but cannot be verified with Check (for
	// production refreshes; tests keep the proof and check it).
	DropProof bool
	// Reuse, when set, is asked for every connected part of the period
	// hierarchy (periods ascending, as Protect splits the table; see
	// split.go) whether an earlier plan of exactly the same values exists:
	// it returns that plan's pattern over the part's cells in the order of
	// the part's own table (areas × the part's periods × categories), or
	// false. A part reused is not planned again (an incremental refresh):
	// the pattern was proven for these very values, and parts share no
	// relation. Such a plan has no proof for the part; Check refuses it.
	Reuse func(periods []int) ([]bool, bool)
	// Seed, when set, is asked for every part that is not reused for the
	// pattern an earlier plan gave it (same order as Reuse). Planning starts
	// from that pattern: its cells are suppressed already, so witnesses
	// through them cost nothing and a part whose values changed a little is
	// planned again quickly and keeps its pattern stable. Every primary cell
	// is still proven afresh.
	Seed func(periods []int) ([]bool, bool)
}

// Reason tells why a cell is suppressed.
type Reason uint8

// Reasons of suppression.
const (
	Shown         Reason = iota
	Small                // primary: a small count, or a median or share over few clients
	Complementary        // chosen so that no small value can be worked out
	NotPublished         // hidden by the caller (Table.Hidden)
)

// Plan is the suppression pattern of one snapshot. It is computed once per
// snapshot and is deterministic, so every query reads the same pattern.
type Plan struct {
	Threshold int
	// Reasons has one entry per cell; Suppressed(i) is Reasons[i] != Shown.
	Reasons []Reason
	// Fallbacks counts primary cells that the planner could protect only by
	// suppressing every cell above them (a measure of plan quality, normally 0).
	Fallbacks int
	// Parts counts the independent parts the table was planned in (see
	// split.go), Reused those whose earlier pattern was reused
	// (Options.Reuse).
	Parts, Reused int

	need      map[int][2]float64 // primary cell → required interval [lo, hi]
	witnesses []witness
	cover     map[int][]int // primary*2+direction → witnesses claimed to cover it
	dropped   bool          // made with Options.DropProof
}

// Suppressed reports whether cell i is not shown outside its owner.
func (p *Plan) Suppressed(i int) bool { return p.Reasons[i] != Shown }

// Primary reports whether cell i is suppressed for its own sake.
func (p *Plan) Primary(i int) bool { return p.Reasons[i] == Small }

// Count returns the number of cells with the given reason.
func (p *Plan) Count(r Reason) int {
	n := 0
	for _, x := range p.Reasons {
		if x == r {
			n++
		}
	}
	return n
}

// witness is an alternative to the true table: the true values plus t times
// coef (on cells, all suppressed) satisfy every relation, for every t in
// [tmin, tmax], within the bounds 0 ≤ value ≤ upper.
type witness struct {
	cells  []int
	coef   []float64
	owners []string // municipalities owning cells of the witness
	// avoid is the attacker this witness was built against, when it only
	// has to move the cell by what that attacker does not know itself.
	avoid string
}

const eps = 1e-9

// directions of a move: down to the lower end, up to the upper end.
const (
	down = 0
	up   = 1
)

type planner struct {
	t         *Table
	A, P      *dim
	nP, nK    int
	x, upper  []float64
	owner     []string // per area node
	sup       []bool
	needs     []bool // a primary cell with an interval to cover (in plan.need)
	hidden    []bool
	plan      *Plan
	catOf     []int    // category position → breakdown (-1 for the total)
	catRange  [][2]int // breakdown → [first, end) category positions
	partners  [][]int  // area leaf → other area leaves, closest first
	pPartners [][]int  // period leaf → other period leaves, closest first
	fallbacks int
	pairs     [][]factor // leaf → partner → extended area factor (nil: not yet)
	pPairs    [][]factor // the same for period leaves
	cd        []cellData // per cell, for the search (see initCells)
	byValue   [][]int    // (period, category) → largest area leaves there (nil: not yet)
	srch      search     // the current search (see bestIn)
	pk        *pkSum     // scratch over (period node, category) pairs
	cellSum   *acc       // scratch over cells
}

// cellData is what the search reads of one cell.
type cellData struct {
	x, upper float64
	cost     float64 // of suppressing it now: 0 once suppressed
}

// pkAcc returns the planner's (period, category) accumulator, cleared.
func (pl *planner) pkAcc() *pkSum {
	if pl.pk == nil {
		pl.pk = newPkSum(pl.nP, pl.nK)
	}
	pl.pk.reset()
	return pl.pk
}

// cellAcc returns the planner's cell accumulator, cleared.
func (pl *planner) cellAcc() *acc {
	if pl.cellSum == nil {
		pl.cellSum = newAcc(len(pl.x))
	}
	pl.cellSum.reset()
	return pl.cellSum
}

// ErrUnprotectable is returned when a primary cell cannot be protected even
// by suppressing everything above it (it cannot happen for valid tables).
var ErrUnprotectable = errors.New("disclosure: a small cell cannot be protected")

// Protect computes the suppression pattern (the Plan) of t.
//
// Primary rules: counts 1..Threshold-1 are suppressed; medians over fewer
// than Threshold clients (none included) are suppressed; a share is
// suppressed when its denominator is below Threshold or when its numerator
// or the rest (denominator − numerator) is 1..Threshold-1.
//
// Protection criterion, for every primary count: against an attacker who
// knows every published cell, every relation and that counts are never
// negative, and also against each municipality that in addition knows all of
// its own cells unsuppressed, the set of tables consistent with what the
// attacker sees contains one where the cell is 0 and one where it is at least
// Threshold. For a share the numerator must be able to reach 0 and Threshold
// when it is small, the denominator and denominator − Threshold when the rest
// is small, and 0 and the denominator when the denominator is small (the
// attacker is assumed to know every denominator). Medians are not additive:
// only the primary rule applies.
//
// The planner proves the criterion constructively: for every primary cell
// and each end of its interval it records one or two alternative tables
// (witnesses) that differ from the truth only in suppressed cells; Check
// verifies them independently.
func Protect(t *Table, opt Options) (*Plan, error) {
	if err := t.validate(); err != nil {
		return nil, err
	}
	A, err := newDim(t.Areas, "areas")
	if err != nil {
		return nil, err
	}
	if _, err := newDim(t.Periods, "periods"); err != nil {
		return nil, err
	}
	areas := &areaDim{A: A, partners: closest(A)}
	return protectSplit(t, opt, areas, periodComponents(t.Periods))
}

// areaDim is the validated area hierarchy with every leaf's partners,
// worked out once for all parts of a table.
type areaDim struct {
	A        *dim
	partners [][]int
}

// protectPart plans one table whose periods are all linked.
func protectPart(t *Table, opt Options, areas *areaDim, seed []bool) (*Plan, error) {
	pl, err := newPlanner(t, opt, areas)
	if err != nil {
		return nil, err
	}
	if len(seed) == t.Len() {
		for i, s := range seed {
			if s {
				pl.sup[i] = true
			}
		}
	}
	if t.Kind == Median {
		return pl.plan, nil
	}
	if err := pl.protect(); err != nil {
		return nil, err
	}
	for i, s := range pl.sup {
		if s && pl.plan.Reasons[i] == Shown {
			pl.plan.Reasons[i] = Complementary
		}
	}
	pl.plan.Fallbacks = pl.fallbacks
	if opt.DropProof {
		pl.plan.witnesses, pl.plan.cover, pl.plan.need, pl.plan.dropped = nil, nil, nil, true
	}
	return pl.plan, nil
}

func newPlanner(t *Table, opt Options, areas *areaDim) (*planner, error) {
	th := opt.Threshold
	if th == 0 {
		th = DefaultThreshold
	}
	if th < 1 {
		return nil, fmt.Errorf("disclosure: threshold %d", th)
	}
	A := areas.A
	P, err := newDim(t.Periods, "periods")
	if err != nil {
		return nil, err
	}
	n := t.Len()
	pl := &planner{t: t, A: A, P: P, nP: len(t.Periods.Nodes), nK: t.Categories(), x: t.Values,
		upper: make([]float64, n), owner: A.owner, sup: make([]bool, n), hidden: make([]bool, n), needs: make([]bool, n),
		plan:    &Plan{Threshold: th, Reasons: make([]Reason, n), need: map[int][2]float64{}, cover: map[int][]int{}},
		byValue: make([][]int, len(t.Periods.Nodes)*t.Categories()), pairs: make([][]factor, len(A.leaves)), pPairs: make([][]factor, len(t.Periods.Nodes))}
	pl.catOf = make([]int, pl.nK)
	pl.catOf[0] = -1
	for b := range t.Breakdowns {
		first := t.Category(b, 0)
		end := first + len(t.Breakdowns[b].Categories)
		pl.catRange = append(pl.catRange, [2]int{first, end})
		for k := first; k < end; k++ {
			pl.catOf[k] = b
		}
	}
	T := float64(th)
	for i := range n {
		pl.upper[i] = math.Inf(1)
		if t.Kind == Share {
			pl.upper[i] = t.Clients[i]
		}
		if t.Hidden != nil && t.Hidden[i] {
			pl.hidden[i], pl.sup[i] = true, true
			pl.plan.Reasons[i] = NotPublished
			continue
		}
		lo, hi, small := primaryNeed(t.Kind, t.Values[i], clientsOf(t, i), T)
		if small {
			pl.sup[i] = true
			pl.plan.Reasons[i] = Small
			if t.Kind != Median && (lo < t.Values[i]-eps || hi > t.Values[i]+eps) {
				pl.plan.need[i] = [2]float64{lo, hi}
				pl.needs[i] = true
			}
		}
	}
	pl.partners = areas.partners
	pl.pPartners = closest(P)
	return pl, nil
}

func clientsOf(t *Table, i int) float64 {
	if t.Kind == Count {
		return 0
	}
	return t.Clients[i]
}

// primaryNeed applies the primary rules to one cell: whether it is
// suppressed for its own sake and the interval an attacker's bounds on it
// must cover.
func primaryNeed(kind Kind, v, clients, T float64) (lo, hi float64, small bool) {
	switch kind {
	case Count:
		if v >= 1-eps && v < T-eps {
			return 0, T, true
		}
	case Median:
		return v, v, clients < T-eps
	case Share:
		d := clients
		if d < eps {
			return v, v, true // no value to show; nothing to protect
		}
		if d < T-eps {
			return 0, d, true
		}
		lo, hi = v, v
		if v >= 1-eps && v < T-eps {
			lo, hi, small = 0, max(hi, T), true
		}
		if r := d - v; r >= 1-eps && r < T-eps {
			lo, hi, small = min(lo, d-T), d, true
		}
		return lo, hi, small
	}
	return v, v, false
}

// closest lists, for every leaf, the other leaves ordered by how many nodes
// they share with it (most first), then by position.
func closest(d *dim) [][]int {
	var leaves []int
	for i := range d.n {
		if d.isLeaf[i] {
			leaves = append(leaves, i)
		}
	}
	out := make([][]int, d.n)
	for _, l := range leaves {
		others := make([]int, 0, len(leaves)-1)
		for _, o := range leaves {
			if o != l {
				others = append(others, o)
			}
		}
		shared := map[int]int{}
		for _, o := range others {
			shared[o] = d.shared(l, o)
		}
		slices.SortStableFunc(others, func(x, y int) int { return shared[y] - shared[x] })
		out[l] = others
	}
	return out
}

// protect finds witnesses for every primary cell, coarse cells first.
func (pl *planner) protect() error {
	pl.initCells()
	var cells []int
	for c := range pl.plan.need {
		cells = append(cells, c)
	}
	weight := func(c int) int {
		a, p, k := pl.coords(c)
		w := pl.A.depth[a] * pl.P.depth[p]
		if k == 0 {
			w *= 2
		}
		return w
	}
	slices.SortFunc(cells, func(x, y int) int {
		if d := weight(y) - weight(x); d != 0 {
			return d
		}
		return x - y
	})
	for _, c := range cells {
		for dir := range 2 {
			if err := pl.protectOne(c, dir); err != nil {
				return err
			}
		}
	}
	return nil
}

// amount is how far cell c must move in direction dir.
func (pl *planner) amount(c, dir int) float64 {
	n := pl.plan.need[c]
	if dir == down {
		return pl.x[c] - n[0]
	}
	return n[1] - pl.x[c]
}

func (pl *planner) protectOne(c, dir int) error {
	amt := pl.amount(c, dir)
	if amt <= eps {
		return nil
	}
	key := c*2 + dir
	a, _, _ := pl.coords(c)
	if len(pl.fullOwners(c, dir)) == 0 {
		w := pl.find(c, dir, amt, nil, "")
		if w == nil {
			return ErrUnprotectable
		}
		pl.add(w, c, dir)
	}
	uncovered := pl.uncovered(c, dir)
	if len(uncovered) == 0 {
		return nil
	}
	if pl.owner[a] != "" || pl.A.isLeaf[a] {
		// The cell is one municipality's: a witness that avoids every
		// municipality the first one needed covers all of them.
		w := pl.find(c, dir, amt, uncovered, "")
		if w == nil {
			return ErrUnprotectable
		}
		pl.add(w, c, dir)
		return nil
	}
	// An aggregate over several municipalities: each of them knows its own
	// share of it, so the cell need only move by the rest.
	for _, m := range uncovered {
		rest := amt - ownPart(pl.t, pl.A, c, m, dir)
		w := &witness{}
		if rest > eps {
			if w = pl.find(c, dir, rest, []string{m}, m); w == nil {
				return ErrUnprotectable
			}
		}
		w.avoid = m
		pl.plan.witnesses = append(pl.plan.witnesses, *w)
		pl.markSuppressed(w)
		pl.plan.cover[key] = append(pl.plan.cover[key], len(pl.plan.witnesses)-1)
	}
	return nil
}

// find looks for a witness moving c by amt in direction dir that leaves
// the excluded municipalities' cells alone: a product witness, else (for an
// aggregate cell) the sum of witnesses of its leaf cells, else the chain.
func (pl *planner) find(c, dir int, amt float64, exclude []string, avoid string) *witness {
	if len(exclude) == 0 && avoid == "" {
		// Where everything above the cell is hidden already (sparse
		// tables), moving it with all of that hides nothing more: no
		// search can do better.
		if !pl.chainIsFree(c) {
			// some total above the cell is shown: a chain would hide it
		} else if w := pl.chain(c, dir, amt, ""); w != nil && pl.price(w) == 0 && pl.moves(w, c, dir, amt) {
			return w
		}
	}
	w := pl.best(c, dir, amt, exclude)
	a, p, _ := pl.coords(c)
	if (!pl.A.isLeaf[a] || !pl.P.isLeaf[p]) && (w == nil || pl.price(w) > dearWitness) {
		// an aggregate: moving its leaf cells one by one may hide less
		if j := pl.joint(c, dir, amt, exclude, avoid); j != nil && (w == nil || pl.price(j) < pl.price(w)) {
			w = j
		}
	}
	if w != nil && pl.moves(w, c, dir, amt) {
		return w
	}
	w = pl.chain(c, dir, amt, avoid)
	if w != nil {
		pl.fellBack(c, dir)
	}
	return w
}

// dearWitness is the price above which the planner looks further: more
// than hiding a few monthly municipal cells.
const dearWitness = 50

// moves reports whether witness w moves cell c by amt in direction dir
// (a safeguard: every witness is built to, and Check verifies it).
func (pl *planner) moves(w *witness, c, dir int, amt float64) bool {
	j := slices.Index(w.cells, c)
	if j < 0 {
		return false
	}
	tmin, tmax := pl.trange(w)
	lo, hi := reach(pl.x[c], w.coef[j], tmin, tmax)
	if dir == down {
		return pl.x[c]-lo >= amt-1e-7
	}
	return hi-pl.x[c] >= amt-1e-7
}

// price is what suppressing a witness's cells costs now.
func (pl *planner) price(w *witness) float64 {
	s := 0.0
	for _, i := range w.cells {
		s += pl.cost(i)
	}
	return s
}

// joint moves an aggregate cell by moving each of its leaf cells with a
// witness of its own whose partners lie outside the aggregate, and adds
// them up. It returns nil when the sum does not stay within bounds.
func (pl *planner) joint(c, dir int, amt float64, exclude []string, avoid string) *witness {
	a, p, k := pl.coords(c)
	sign := 1.0
	if dir == down {
		sign = -1
	}
	type term struct {
		i int
		r float64
	}
	var terms []term
	sum := 0.0
	skip := func(l int) bool {
		o := pl.t.Areas.Nodes[l].Owner
		return o != "" && (o == avoid || slices.Contains(exclude, o))
	}
	if !pl.A.isLeaf[a] {
		// split over the municipalities: down in proportion to what each
		// holds, up in proportion to what each can take from elsewhere in
		// its own year and its own total
		top := p
		for _, n := range pl.P.contains[pl.P.leaves[p][0]] {
			if pl.P.depth[n] > pl.P.depth[top] && containsAll(pl.P.leaves[n], pl.P.leaves[p]) {
				top = n
			}
		}
		for _, l := range pl.A.leaves[a] {
			if skip(l) {
				continue
			}
			i := pl.idx(l, p, k)
			r := pl.room(i, sign)
			if dir == up && pl.t.Kind == Count {
				r = math.Inf(1)
				if top != p {
					r = pl.x[pl.idx(l, top, k)] - pl.x[i]
				}
				if k != 0 {
					r = min(r, pl.x[pl.idx(l, p, 0)]-pl.x[i])
				}
				if math.IsInf(r, 1) {
					r = 1 + pl.x[i]
				}
			}
			if r > eps {
				terms = append(terms, term{i, min(r, amt)})
				sum += min(r, amt)
			}
		}
	} else {
		for _, m := range pl.P.leaves[p] {
			i := pl.idx(a, m, k)
			if r := pl.room(i, sign); r > eps {
				terms = append(terms, term{i, min(r, amt)})
				sum += min(r, amt)
			}
		}
		if dir == up && pl.t.Kind == Count && len(terms) > 0 {
			// any one month can take the whole increase: the largest
			bi := terms[0].i
			for _, tm := range terms {
				if pl.x[tm.i] > pl.x[bi] {
					bi = tm.i
				}
			}
			terms, sum = []term{{bi, amt}}, amt
		}
	}
	if dir == up && pl.t.Kind == Count && sum > amt {
		// the increase need not be spread wider than it must
		for i := range terms {
			terms[i].r = terms[i].r * amt / sum
		}
		sum = amt
	}
	if len(terms) == 0 || len(terms) > 40 || sum < amt-eps {
		return nil
	}
	// Each leaf cell's witness is sought on the table as the earlier ones
	// left it (values moved, cells marked), so that their sum stays within
	// bounds; everything is put back afterwards.
	coef := pl.cellAcc()
	var owners []string
	type savedX struct {
		i int
		x float64
	}
	var saved []savedX // every cell moved, with its value before
	var marked []int   // cells marked suppressed here
	defer func() {
		for _, sv := range saved {
			pl.setX(sv.i, sv.x)
		}
		for _, i := range marked {
			pl.setSup(i, false)
		}
	}()
	for _, tm := range terms {
		part := amt * tm.r / sum
		w := pl.bestIn(tm.i, dir, part, exclude, a, p)
		if w == nil {
			return nil
		}
		for j, i := range w.cells {
			if !coef.used[i] {
				saved = append(saved, savedX{i, pl.x[i]})
			}
			coef.add(i, w.coef[j]*part/amt)
			pl.setX(i, pl.x[i]+sign*part*w.coef[j])
			if !pl.sup[i] {
				pl.setSup(i, true)
				marked = append(marked, i)
			}
		}
		for _, o := range w.owners {
			if !slices.Contains(owners, o) {
				owners = append(owners, o)
			}
		}
	}
	w := &witness{owners: owners}
	for _, i := range coef.sorted() {
		if v := coef.v[i]; math.Abs(v) > 1e-12 {
			w.cells = append(w.cells, i)
			w.coef = append(w.coef, v)
		}
	}
	slices.Sort(w.owners)
	for _, sv := range saved {
		pl.setX(sv.i, sv.x)
	}
	tmin, tmax := pl.trange(w)
	if (dir == down && tmin > -amt+eps) || (dir == up && tmax < amt-eps) {
		return nil
	}
	return w
}

// ownPart is how much of a move of aggregate cell c in direction dir
// municipality m's own cells account for: m knows them, so the rest must
// move. Down: m's own value; up (shares only): m's own room below its
// denominators.
func ownPart(t *Table, A *dim, c int, m string, dir int) float64 {
	if dir == up && t.Kind != Share {
		return 0
	}
	a, p, k := t.Coords(c)
	s := 0.0
	for _, l := range A.leaves[a] {
		if t.Areas.Nodes[l].Owner != m {
			continue
		}
		i := t.Index(l, p, k)
		if dir == down {
			s += t.Values[i]
		} else {
			s += t.Clients[i] - t.Values[i]
		}
	}
	return s
}

func (pl *planner) markSuppressed(w *witness) {
	for _, i := range w.cells {
		pl.setSup(i, true)
	}
}

// add records a new full witness and credits it to every primary cell it
// moves far enough.
func (pl *planner) add(w *witness, c, dir int) {
	pl.markSuppressed(w)
	pl.plan.witnesses = append(pl.plan.witnesses, *w)
	id := len(pl.plan.witnesses) - 1
	pl.plan.cover[c*2+dir] = append(pl.plan.cover[c*2+dir], id)
	tmin, tmax := pl.trange(w)
	for j, i := range w.cells {
		if i == c {
			continue
		}
		if !pl.needs[i] {
			continue
		}
		lo, hi := reach(pl.x[i], w.coef[j], tmin, tmax)
		n := pl.plan.need[i]
		if lo <= n[0]+eps && len(pl.plan.cover[i*2+down]) < 4 {
			pl.plan.cover[i*2+down] = append(pl.plan.cover[i*2+down], id)
		}
		if hi >= n[1]-eps && len(pl.plan.cover[i*2+up]) < 4 {
			pl.plan.cover[i*2+up] = append(pl.plan.cover[i*2+up], id)
		}
	}
}

// reach is the range of values a cell with value x and coefficient w takes
// as t runs over [tmin, tmax].
func reach(x, w, tmin, tmax float64) (float64, float64) {
	a, b := x+tmin*w, x+tmax*w
	return min(a, b), max(a, b)
}

// trange is the range of t for which the witness stays within the bounds.
func (pl *planner) trange(w *witness) (tmin, tmax float64) {
	return trange(w, pl.x, pl.upper)
}

func trange(w *witness, x, upper []float64) (tmin, tmax float64) {
	tmin, tmax = math.Inf(-1), math.Inf(1)
	for j, i := range w.cells {
		c := w.coef[j]
		if c > 0 {
			tmin = max(tmin, -x[i]/c)
			tmax = min(tmax, (upper[i]-x[i])/c)
		} else if c < 0 {
			tmax = min(tmax, x[i]/-c)
			tmin = max(tmin, -(upper[i]-x[i])/-c)
		}
	}
	return tmin, tmax
}

// fullOwners returns the foreign-owner sets of the full witnesses covering
// (c, dir).
func (pl *planner) fullOwners(c, dir int) [][]string {
	return fullOwners(pl.plan, pl.owner[pl.areaOf(c)], c, dir)
}

func (pl *planner) areaOf(c int) int {
	a, _, _ := pl.coords(c)
	return a
}

func fullOwners(p *Plan, cellOwner string, c, dir int) [][]string {
	var out [][]string
	for _, id := range p.cover[c*2+dir] {
		w := &p.witnesses[id]
		if w.avoid != "" {
			continue
		}
		var f []string
		for _, o := range w.owners {
			if o != cellOwner {
				f = append(f, o)
			}
		}
		out = append(out, f)
	}
	return out
}

// uncovered lists the municipalities against which (c, dir) is not yet
// protected: those in every full witness and without a witness of their own.
func (pl *planner) uncovered(c, dir int) []string {
	return uncovered(pl.plan, pl.owner[pl.areaOf(c)], c, dir)
}

func uncovered(p *Plan, cellOwner string, c, dir int) []string {
	sets := fullOwners(p, cellOwner, c, dir)
	if len(sets) == 0 {
		return nil
	}
	u := slices.Clone(sets[0])
	for _, s := range sets[1:] {
		u = slices.DeleteFunc(u, func(o string) bool { return !slices.Contains(s, o) })
	}
	for _, id := range p.cover[c*2+dir] {
		if a := p.witnesses[id].avoid; a != "" {
			u = slices.DeleteFunc(u, func(o string) bool { return o == a })
		}
	}
	return u
}

func (pl *planner) fellBack(c, dir int) {
	pl.fallbacks++
}

func (pl *planner) idx(a, p, k int) int { return (a*pl.nP+p)*pl.nK + k }

func (pl *planner) coords(i int) (a, p, k int) {
	k = i % pl.nK
	i /= pl.nK
	return i / pl.nP, i % pl.nP, k
}
