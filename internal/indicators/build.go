package indicators

import (
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/kotodigi/kotodigi/internal/disclosure"
)

// Fact is one fine-grained aggregate computed by the store: for one
// indicator, municipality and month, and one combination of categories, a
// count (a share's numerator; for a median, the number of cases with Days).
type Fact struct {
	Indicator    string
	Municipality string
	Month        Month
	// Cat holds the category of each dimension (index DimIndex); "" where
	// the dimension does not apply to the indicator.
	Cat   [NumDims]string
	Days  int   // median_days indicators: the number of days this fact counts
	Count int64 // count, share numerator, or the number of cases at Days
	Den   int64 // share: denominator
}

// CellID names one published figure.
type CellID struct {
	Indicator   string
	AreaLevel   string
	Area        string
	PeriodLevel string
	Period      string
	Breakdown   string // "" = no breakdown
	Category    string // "" = no breakdown
}

// Cell is one published figure with its disclosure decision. For a share
// Value is the proportion and N its denominator; for a median N is the
// number of cases; for a count N is the count.
type Cell struct {
	CellID
	Value      float64
	N          int64
	Suppressed bool
	// Owner is the municipality whose own figure this is (the area consists
	// of it alone); it sees the value even when Suppressed.
	Owner string
}

// Previous is what the last published snapshot showed of a cell (for cells
// it did not store: zero, not suppressed, when its period was covered).
type Previous struct {
	Value      float64
	N          int64
	Suppressed bool
}

// Input is everything a snapshot is built from.
type Input struct {
	Catalogue  *Catalogue
	Geography  *Geography
	Indicators []Indicator // the indicators to build (catalogue entries whose data exists)
	// First and Last are the months with data; the snapshot covers the whole
	// years from First to Last, and Last is the month of the data date (the
	// current month): stocks of a period that runs past it are taken at it.
	First, Last Month
	Facts       []Fact
	// Threshold: counts 1..Threshold-1 and medians and shares over fewer than
	// Threshold cases are suppressed outside the owning municipality.
	Threshold int
	// Previous holds the cells of the previously published snapshot, and
	// PreviousCovers whether it covered a cell's period at all.
	Previous       map[CellID]Previous
	PreviousCovers func(level, period string) bool
	// PreviousThreshold is the previous snapshot's threshold: only with the
	// same threshold are its patterns reused for unchanged parts.
	PreviousThreshold int
}

// Stats describes a built snapshot.
type Stats struct {
	// Cells stored (every cell that is not an unsuppressed zero, also for
	// every alias of a stock's month), Suppressed of them.
	Cells, Suppressed int
	// Primary: suppressed for their own sake; Kept: suppressed only because
	// the previous snapshot suppressed them unchanged.
	Primary, Kept int
	// Rehidden: cells published unchanged before and now suppressed as
	// complementary cells (an attacker who kept the earlier answer knows them).
	Rehidden int
	// Fallbacks: primary cells the planner could only protect by hiding
	// everything above them (disclosure.Plan.Fallbacks).
	Fallbacks int
	// Parts: the independent parts planned (an indicator's year with its
	// quarters and months; a stock's month); Reused of them kept the
	// previous snapshot's pattern because none of their figures changed.
	Parts, Reused int
}

// table is one indicator's full cube with its plan.
type table struct {
	ind     Indicator
	stock   bool
	t       *disclosure.Table
	periods []Period // node → period
	pnode   map[string]int
	dims    []int // breakdown → DimIndex
	hist    map[int]map[int]int64
	plan    *disclosure.Plan
}

// Build rolls the facts up to every area level, period level and breakdown,
// plans the suppression of each indicator's whole table at once with the
// disclosure package (every area level, period level and breakdown
// together: no relation runs between indicators), and returns every cell that
// is not an unsuppressed zero (those are implied).
func Build(in Input) ([]Cell, Stats, error) {
	if in.Threshold <= 0 {
		in.Threshold = DefaultThreshold
	}
	var stats Stats
	tables := make([]*table, len(in.Indicators))
	byID := map[string]*table{}
	for i, ind := range in.Indicators {
		tables[i] = newTable(in, ind)
		byID[ind.ID] = tables[i]
	}
	for _, f := range in.Facts {
		if tb := byID[f.Indicator]; tb != nil {
			tb.add(in, f)
		}
	}
	in.Facts = nil // rolled up: at a million clients they are gigabytes the planning need not keep
	// The tables share no relation: they are planned side by side (each
	// plan splits its table into parts planned in parallel as well).
	errs := make([]error, len(tables))
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for i, tb := range tables {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			tb.values()
			errs[i] = tb.protect(in)
		}()
	}
	wg.Wait()
	var out []Cell
	for i, tb := range tables {
		if errs[i] != nil {
			return nil, stats, errs[i]
		}
		stats.Kept += tb.plan.Count(disclosure.NotPublished)
		stats.Primary += tb.plan.Count(disclosure.Small)
		stats.Fallbacks += tb.plan.Fallbacks
		stats.Reused += tb.plan.Reused
		stats.Parts += tb.plan.Parts
		out = tb.cells(in, out, &stats)
	}
	return out, stats, nil
}

// newTable lays out an indicator's cube: every area of the disclosure
// hierarchy; for a flow every month, quarter and year of the covered years
// (a quarter the sum of its months, a year of its quarters and of its
// months), for a stock the months alone (a stock's quarter is not a sum);
// the total and every breakdown's categories.
func newTable(in Input, ind Indicator) *table {
	tb := &table{ind: ind, stock: ind.PeriodType == Stock, pnode: map[string]int{}}
	first, last := MonthFor(in.First.Year(), 1), MonthFor(in.Last.Year(), 12)
	var nodes []disclosure.Node
	levels := PeriodLevels
	if tb.stock {
		levels = PeriodLevels[:1]
	}
	for _, level := range levels {
		for _, p := range Periods(level, first, last) {
			n := disclosure.Node{ID: p.Label()}
			if level != PeriodMonth {
				var parts []int
				for _, q := range Periods(PeriodLevels[slices.Index(PeriodLevels, level)-1], p.First, p.Last) {
					parts = append(parts, tb.pnode[q.Label()])
				}
				n.Parts = [][]int{parts}
				if level == PeriodYear {
					var months []int
					for _, q := range Periods(PeriodMonth, p.First, p.Last) {
						months = append(months, tb.pnode[q.Label()])
					}
					n.Parts = append(n.Parts, months)
				}
			}
			tb.pnode[n.ID] = len(nodes)
			tb.periods = append(tb.periods, p)
			nodes = append(nodes, n)
		}
	}
	t := &disclosure.Table{Areas: in.Geography.nodes.Hierarchy, Periods: disclosure.Hierarchy{Nodes: nodes}}
	switch ind.Unit {
	case UnitMedianDays:
		t.Kind = disclosure.Median
		tb.hist = map[int]map[int]int64{}
	case UnitShare:
		t.Kind = disclosure.Share
	}
	for _, b := range ind.Breakdowns {
		t.Breakdowns = append(t.Breakdowns, disclosure.Breakdown{Name: b, Categories: in.Catalogue.CategoryIDs(b)})
		tb.dims = append(tb.dims, DimIndex(b))
	}
	t.Values = make([]float64, t.Len())
	t.Clients = make([]float64, t.Len())
	tb.t = t
	return tb
}

// add accumulates one fact into every cell it belongs to.
func (tb *table) add(in Input, f Fact) {
	if f.Month < MonthFor(in.First.Year(), 1) || f.Month > in.Last {
		return
	}
	levels := PeriodLevels
	if tb.stock {
		levels = PeriodLevels[:1]
	}
	var periods []int
	for _, level := range levels {
		periods = append(periods, tb.pnode[PeriodOf(level, f.Month).Label()])
	}
	cats := []int{0}
	for b, d := range tb.dims {
		c := slices.Index(tb.t.Breakdowns[b].Categories, f.Cat[d])
		if c < 0 {
			c = slices.Index(tb.t.Breakdowns[b].Categories, Unknown)
		}
		if c >= 0 {
			cats = append(cats, tb.t.Category(b, c))
		}
	}
	geo := in.Geography
	for _, a := range geo.ofMunicipality[f.Municipality] {
		node := geo.all[a].node
		if node < 0 {
			continue
		}
		for _, p := range periods {
			for _, k := range cats {
				i := tb.t.Index(node, p, k)
				if tb.hist != nil {
					if tb.hist[i] == nil {
						tb.hist[i] = map[int]int64{}
					}
					tb.hist[i][f.Days] += f.Count
					tb.t.Clients[i] += float64(f.Count)
					continue
				}
				tb.t.Values[i] += float64(f.Count)
				tb.t.Clients[i] += float64(f.Den)
			}
		}
	}
}

// values turns the medians' histograms into medians.
func (tb *table) values() {
	for i, h := range tb.hist {
		tb.t.Values[i] = median(h)
	}
	tb.hist = nil
}

// median of a histogram of day counts (the mean of the two middle values
// when the number of cases is even).
func median(hist map[int]int64) float64 {
	var total int64
	days := make([]int, 0, len(hist))
	for d, n := range hist {
		if n > 0 {
			days = append(days, d)
			total += n
		}
	}
	if total == 0 {
		return 0
	}
	slices.Sort(days)
	at := func(pos int64) int { // the pos-th (1-based) value
		var seen int64
		for _, d := range days {
			seen += hist[d]
			if seen >= pos {
				return d
			}
		}
		return days[len(days)-1]
	}
	if total%2 == 1 {
		return float64(at(total/2 + 1))
	}
	return float64(at(total/2)+at(total/2+1)) / 2
}

// protect plans the table's suppression. A cell that the previous snapshot
// suppressed and that is unchanged must stay suppressed, or asking again
// after a refresh would uncover what an earlier answer hid: when the plan
// would show such cells, they are marked as not published
// (disclosure.Table.Hidden) and the table is planned again, until none is
// shown. (With unchanged data the plan is the same, being deterministic.)
func (tb *table) protect(in Input) error {
	kept := tb.kept(in)
	for round := 0; ; round++ {
		plan, err := disclosure.Protect(tb.t, disclosure.Options{Threshold: in.Threshold, DropProof: true, Reuse: tb.reuse(in), Seed: tb.seed(in)})
		if err != nil {
			return err
		}
		tb.plan = plan
		var shown []int
		for _, i := range kept {
			if !plan.Suppressed(i) {
				shown = append(shown, i)
			}
		}
		if len(shown) == 0 {
			return nil
		}
		if tb.t.Hidden == nil {
			tb.t.Hidden = make([]bool, tb.t.Len())
		}
		if round >= 3 { // converge at once: keep every one of them
			shown = kept
		}
		for _, i := range shown {
			tb.t.Hidden[i] = true
		}
	}
}

// reuse gives the disclosure planner, for a part of the cube (a year with
// its quarters and months, or a stock's month), the previous snapshot's
// pattern when every figure of the part is exactly as the previous snapshot
// stored it (an unstored figure as an unsuppressed zero of a covered
// period): the pattern was planned for these very values, so the part need
// not be planned again. Only counts: a stored share is rounded, so an
// unchanged share cannot be told from a changed one, and medians have no
// complementary cells to save. Nil when nothing can be reused.
func (tb *table) reuse(in Input) func(periods []int) ([]bool, bool) {
	if tb.t.Kind != disclosure.Count || in.Previous == nil || in.PreviousThreshold != in.Threshold {
		return nil
	}
	t := tb.t
	return func(periods []int) ([]bool, bool) {
		return tb.partPattern(in, periods, func(i int, id CellID, published bool) (bool, bool) {
			if !published {
				return true, true // never published
			}
			prev, ok := in.Previous[id]
			switch {
			case ok && prev.Value == t.Values[i] && prev.N == tb.clients(i):
				return prev.Suppressed, true
			case !ok && t.Values[i] == 0 && in.PreviousCovers != nil && in.PreviousCovers(id.PeriodLevel, id.Period):
				return false, true
			}
			return false, false
		})
	}
}

// seed gives the disclosure planner, for a part whose figures changed, the
// previous snapshot's pattern over it (a cell it did not store as shown):
// planning starts from it, so that the cells hidden yesterday stay hidden
// where they still serve and a refresh after a day's changes plans quickly.
// Nil when there is no previous snapshot of the same threshold.
func (tb *table) seed(in Input) func(periods []int) ([]bool, bool) {
	if tb.t.Kind == disclosure.Median || in.Previous == nil || in.PreviousThreshold != in.Threshold {
		return nil
	}
	return func(periods []int) ([]bool, bool) {
		return tb.partPattern(in, periods, func(_ int, id CellID, published bool) (bool, bool) {
			return published && in.Previous[id].Suppressed, true
		})
	}
}

// partPattern walks the cells of the part over periods in the order the
// disclosure planner numbers them (areas × the part's periods ×
// categories) and collects cell's answer: its cube index, its name and
// whether its area is published at all. It stops with false as soon as
// cell says so.
func (tb *table) partPattern(in Input, periods []int, cell func(i int, id CellID, published bool) (sup, ok bool)) ([]bool, bool) {
	t, geo := tb.t, in.Geography
	out := make([]bool, 0, len(t.Areas.Nodes)*len(periods)*t.Categories())
	for node := range t.Areas.Nodes {
		ai := geo.byNode[node]
		for _, p := range periods {
			for k := range t.Categories() {
				var id CellID
				if ai >= 0 {
					id = tb.cellID(geo, ai, p, k)
				}
				sup, ok := cell(t.Index(node, p, k), id, ai >= 0)
				if !ok {
					return nil, false
				}
				out = append(out, sup)
			}
		}
	}
	return out, true
}

// cellID names cell (area ai of the geography, period node p, category
// position k) as stored (a stock's month as the month).
func (tb *table) cellID(geo *Geography, ai, p, k int) CellID {
	area := geo.all[ai]
	id := CellID{Indicator: tb.ind.ID, AreaLevel: area.Level, Area: area.Code, PeriodLevel: tb.periods[p].Level, Period: tb.t.Periods.Nodes[p].ID}
	if k > 0 {
		b, j := tb.category(k)
		id.Breakdown, id.Category = tb.ind.Breakdowns[b], tb.t.Breakdowns[b].Categories[j]
	}
	return id
}

// kept lists the cells that the previous snapshot suppressed and that are
// unchanged, except those small now (the plan suppresses and protects them
// anyway), in cube order.
func (tb *table) kept(in Input) []int {
	var out []int
	for id, p := range in.Previous {
		if !p.Suppressed || id.Indicator != tb.ind.ID {
			continue
		}
		i, ok := tb.index(in, id)
		if !ok || tb.t.Values[i] != tb.previousValue(p) || tb.clients(i) != p.N ||
			disclosure.IsSmall(tb.t.Kind, tb.t.Values[i], tb.t.Clients[i], in.Threshold) {
			continue
		}
		out = append(out, i)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// previousValue is what a stored cell's value is in the cube (a share's
// numerator rather than its proportion).
func (tb *table) previousValue(p Previous) float64 {
	if tb.t.Kind == disclosure.Share {
		return math.Round(p.Value * float64(p.N))
	}
	return p.Value
}

// clients is a cell's N as stored.
func (tb *table) clients(i int) int64 {
	if tb.t.Kind == disclosure.Count {
		return int64(tb.t.Values[i])
	}
	return int64(tb.t.Clients[i])
}

// index returns the cube position of a published cell; false for cells of
// areas or periods the cube does not have, and for a stock's quarters and
// years (each is one of its months).
func (tb *table) index(in Input, id CellID) (int, bool) {
	a, ok := in.Geography.byCode[id.AreaLevel+":"+id.Area]
	if !ok || in.Geography.all[a].node < 0 {
		return 0, false
	}
	p, ok := tb.pnode[id.Period]
	if !ok || tb.periods[p].Level != id.PeriodLevel {
		return 0, false
	}
	k := 0
	if id.Breakdown != "" {
		b := slices.Index(tb.ind.Breakdowns, id.Breakdown)
		if b < 0 {
			return 0, false
		}
		c := slices.Index(tb.t.Breakdowns[b].Categories, id.Category)
		if c < 0 {
			return 0, false
		}
		k = tb.t.Category(b, c)
	}
	return tb.t.Index(in.Geography.all[a].node, p, k), true
}

// cells appends every cell to store: those with a value, and the suppressed
// counts (a suppressed zero must be stored; a median or share without cases
// is implied), each stock month also as the quarter and year taken at it.
func (tb *table) cells(in Input, out []Cell, stats *Stats) []Cell {
	t, geo := tb.t, in.Geography
	for i := range t.Len() {
		v, n := t.Values[i], t.Clients[i]
		sup := tb.plan.Suppressed(i)
		if v == 0 && n == 0 && (!sup || t.Kind != disclosure.Count) {
			continue
		}
		node, p, k := t.Coords(i)
		ai := geo.byNode[node]
		if ai < 0 {
			continue
		}
		area := geo.all[ai]
		c := Cell{CellID: CellID{Indicator: tb.ind.ID, AreaLevel: area.Level, Area: area.Code}, Value: v, N: tb.clients(i),
			Suppressed: sup, Owner: area.Owner()}
		if t.Kind == disclosure.Share {
			c.Value = math.Round(v/n*1000) / 1000
		}
		if k > 0 {
			b, j := tb.category(k)
			c.Breakdown, c.Category = tb.ind.Breakdowns[b], t.Breakdowns[b].Categories[j]
		}
		periods := []Period{tb.periods[p]}
		if tb.stock {
			periods = stockPeriods(tb.periods[p].First, in.Last)
		}
		if tb.plan.Reasons[i] == disclosure.Complementary {
			id := c.CellID
			id.PeriodLevel, id.Period = periods[0].Level, periods[0].Label()
			if wasShown(in, id, c.Value, c.N) {
				stats.Rehidden++
			}
		}
		for _, per := range periods {
			c.PeriodLevel, c.Period = per.Level, per.Label()
			out = append(out, c)
			stats.Cells++
			if sup {
				stats.Suppressed++
			}
		}
	}
	return out
}

// wasShown: the previous snapshot published cell id unsuppressed with this
// value (a cell it did not store was an unsuppressed zero, if it covered the
// period).
func wasShown(in Input, id CellID, value float64, n int64) bool {
	if p, ok := in.Previous[id]; ok {
		return !p.Suppressed && p.Value == value && p.N == n
	}
	return in.PreviousCovers != nil && in.PreviousCovers(id.PeriodLevel, id.Period) && value == 0 && n == 0
}

// category returns the breakdown and category of category position k > 0.
func (tb *table) category(k int) (b, j int) {
	for b = range tb.t.Breakdowns {
		first := tb.t.Category(b, 0)
		if k < first+len(tb.t.Breakdowns[b].Categories) {
			return b, k - first
		}
	}
	return -1, -1
}

// stockPeriods returns the periods whose stock is taken at month m: the
// month, and each quarter and year whose last month is m, or that is running
// at the data month last.
func stockPeriods(m, last Month) []Period {
	out := []Period{PeriodOf(PeriodMonth, m)}
	for _, level := range PeriodLevels[1:] {
		p := PeriodOf(level, m)
		if p.Last == m || m == last {
			out = append(out, p)
		}
	}
	return out
}
