package indicators

import "slices"

// Statistical disclosure control of a snapshot (R13, R15). The planner runs
// once over every cell of every indicator, area level, period level and
// breakdown together:
//
//   - primary: a count from 1 to Threshold-1, or a median or share over
//     fewer than Threshold cases;
//   - sticky: a cell the previous snapshot suppressed keeps its suppression
//     while its value is unchanged, and a cell it published with the same
//     value counts as known (hiding it now protects nothing), so that asking
//     again after a refresh reveals nothing new;
//   - complementary: every additive relation between published counts — an
//     area and the areas of another level it consists of, a quarter and its
//     months, a year and its quarters and months, a total and the categories
//     of each breakdown — must leave no hidden member that the others
//     determine: not for an outsider, and not for a municipality that also
//     sees its own figures. Hiding picks the smallest non-zero member not
//     already known (parts before the total).
//
// Medians and shares are not additive; they are only suppressed when too
// few cases underlie them.

// relation is an additive relation: members()[0] (the total) equals the sum
// of the others.
type relation struct {
	kind uint8 // relBreakdown, relArea, relPeriod
	base key   // the total
	idx  int   // breakdown: the parts' dimension; area and period: relation index
}

const (
	relBreakdown uint8 = iota
	relArea
	relPeriod
)

type periodRelation struct {
	total int
	parts []int
}

// plan decides the suppression of every canonical cell.
func (b *builder) plan() {
	b.suppressed, b.known = map[key]bool{}, map[key]bool{}
	var rels []periodRelation
	relOf := map[int][]int{}
	for i, p := range b.periods {
		if p.Level == PeriodMonth {
			continue
		}
		finer := []string{PeriodMonth}
		if p.Level == PeriodYear {
			finer = append(finer, PeriodQuarter)
		}
		for _, level := range finer {
			r := periodRelation{total: i}
			for _, q := range Periods(level, p.First, p.Last) {
				r.parts = append(r.parts, b.pidx[q])
			}
			relOf[i] = append(relOf[i], len(rels))
			for _, q := range r.parts {
				relOf[q] = append(relOf[q], len(rels))
			}
			rels = append(rels, r)
		}
	}
	var queue []relation
	pending := map[relation]bool{}
	push := func(k key) {
		for _, r := range b.relationsOf(k, relOf) {
			if !pending[r] {
				pending[r] = true
				queue = append(queue, r)
			}
		}
	}
	keys := make([]key, 0, len(b.value))
	for k := range b.value {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	for _, k := range keys {
		primary := b.sensitive(k)
		if primary {
			b.stats.Primary++
		}
		if primary || b.sticky(k) {
			b.suppressed[k] = true
			push(k)
		}
	}
	// Cells that are zero now and were suppressed before stay suppressed.
	var zeros []key
	for id, p := range b.in.Previous {
		if !p.Suppressed || p.Value != 0 || p.N != 0 {
			continue
		}
		if k, ok := b.keyOf(id); ok && !b.suppressed[k] {
			if _, counted := b.value[k]; !counted {
				zeros = append(zeros, k)
			}
		}
	}
	slices.SortFunc(zeros, compareKeys)
	for _, k := range zeros {
		if !b.suppressed[k] {
			b.suppressed[k] = true
			push(k)
		}
	}
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		delete(pending, r)
		members := b.members(r, rels)
		if pick, ok := b.exposed(members); ok {
			if pick < 0 {
				b.stats.Unprotectable++
				continue
			}
			b.suppressed[members[pick]] = true
			push(members[pick])
		}
	}
}

// sensitive reports whether a cell is suppressed for its own sake.
func (b *builder) sensitive(k key) bool {
	t := int64(b.in.Threshold)
	if b.inds[k.ind].Unit == UnitCount {
		v := b.n[k]
		return v >= 1 && v < t
	}
	return b.n[k] >= 1 && b.n[k] < t
}

// previous returns what the last snapshot published of canonical cell k.
func (b *builder) previous(k key) (Previous, bool) {
	if b.in.Previous == nil || b.in.PreviousCovers == nil {
		return Previous{}, false
	}
	id := b.id(k, int(k.area), int(k.period))
	if p, ok := b.in.Previous[id]; ok {
		return p, true
	}
	if b.in.PreviousCovers(id.PeriodLevel, id.Period) {
		return Previous{}, true
	}
	return Previous{}, false
}

// sticky: the previous snapshot suppressed k and its value is unchanged.
func (b *builder) sticky(k key) bool {
	p, ok := b.previous(k)
	return ok && p.Suppressed && p.Value == b.value[k] && p.N == b.n[k]
}

// isKnown: the previous snapshot published k with the value it has now.
func (b *builder) isKnown(k key) bool {
	if v, ok := b.known[k]; ok {
		return v
	}
	p, ok := b.previous(k)
	v := ok && !p.Suppressed && p.Value == b.value[k] && p.N == b.n[k]
	b.known[k] = v
	return v
}

// relationsOf lists the additive relations a count cell is a member of.
func (b *builder) relationsOf(k key, periodRelOf map[int][]int) []relation {
	if b.inds[k.ind].Unit != UnitCount {
		return nil
	}
	var out []relation
	if k.dim == 0 {
		for _, d := range b.bds[k.ind] {
			out = append(out, relation{relBreakdown, k, int(d)})
		}
	} else {
		total := k
		total.dim, total.cat = 0, 0
		out = append(out, relation{relBreakdown, total, int(k.dim)})
	}
	geo := b.in.Geography
	for _, r := range geo.relOf[int(k.area)] {
		base := k
		base.area = uint16(geo.relations[r].total)
		out = append(out, relation{relArea, base, r})
	}
	if b.inds[k.ind].PeriodType == Flow {
		for _, r := range periodRelOf[int(k.period)] {
			base := k
			base.period = 0 // set below from the relation
			out = append(out, relation{relPeriod, base, r})
		}
	}
	return out
}

// members returns a relation's cells, the total first.
func (b *builder) members(r relation, periodRels []periodRelation) []key {
	switch r.kind {
	case relBreakdown:
		out := []key{r.base}
		for c := range b.cats[r.idx] {
			k := r.base
			k.dim, k.cat = uint8(r.idx), uint8(c)
			out = append(out, k)
		}
		return out
	case relArea:
		rel := b.in.Geography.relations[r.idx]
		out := []key{r.base}
		for _, a := range rel.parts {
			k := r.base
			k.area = uint16(a)
			out = append(out, k)
		}
		return out
	}
	rel := periodRels[r.idx]
	total := r.base
	total.period = uint16(rel.total)
	out := []key{total}
	for _, p := range rel.parts {
		k := r.base
		k.period = uint16(p)
		out = append(out, k)
	}
	return out
}

// exposed checks one relation from every point of view: an outsider's, and
// that of each municipality owning a hidden member (it knows its own
// figures). If some viewer would see exactly one hidden member, it returns
// the member to hide next (-1 when none can be), and true.
func (b *builder) exposed(members []key) (int, bool) {
	hidden := func(k key) bool { return b.suppressed[k] && !b.isKnown(k) }
	owner := func(k key) string { return b.in.Geography.all[k.area].Owner() }
	viewers := []string{""}
	for _, k := range members {
		if o := owner(k); o != "" && hidden(k) && !slices.Contains(viewers, o) {
			viewers = append(viewers, o)
		}
	}
	for _, v := range viewers {
		n := 0
		for _, k := range members {
			if hidden(k) && (v == "" || owner(k) != v) {
				n++
			}
		}
		if n != 1 {
			continue
		}
		return b.pick(members, v), true
	}
	return 0, false
}

// pick chooses the member to hide: not hidden, not known, not owned by
// viewer; parts before the total, the smallest non-zero value first, then
// zeros; ties in key order.
func (b *builder) pick(members []key, viewer string) int {
	best := -1
	rank := func(i int) (int, float64) {
		k := members[i]
		r := 0
		if i == 0 {
			r = 2
		}
		if b.value[k] == 0 {
			r++
		}
		return r, b.value[k]
	}
	for i, k := range members {
		if b.suppressed[k] || b.isKnown(k) || (viewer != "" && b.in.Geography.all[k.area].Owner() == viewer) {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		ri, vi := rank(i)
		rb, vb := rank(best)
		if ri < rb || (ri == rb && vi < vb) {
			best = i
		}
	}
	return best
}

// keyOf returns the planner key of a published cell (its canonical form);
// false for cells of indicators, areas or periods this snapshot does not
// have, and for a stock's quarters and years (taken at one of its months).
func (b *builder) keyOf(id CellID) (key, bool) {
	var k key
	i := slices.IndexFunc(b.inds, func(ind Indicator) bool { return ind.ID == id.Indicator })
	if i < 0 || (b.inds[i].PeriodType == Stock && id.PeriodLevel != PeriodMonth) {
		return k, false
	}
	k.ind = uint8(i)
	if id.Breakdown != "" {
		d := DimIndex(id.Breakdown) + 1
		c := slices.Index(b.cats[d], id.Category)
		if d == 0 || c < 0 {
			return k, false
		}
		k.dim, k.cat = uint8(d), uint8(c)
	}
	a, ok := b.in.Geography.byCode[id.AreaLevel+":"+id.Area]
	if !ok {
		return k, false
	}
	k.area = uint16(b.in.Geography.all[a].canon)
	p, ok := b.plabel[id.PeriodLevel+":"+id.Period]
	if !ok {
		return k, false
	}
	k.period = uint16(p)
	return k, true
}
