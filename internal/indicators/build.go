package indicators

import (
	"cmp"
	"errors"
	"math"
	"slices"
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

// Cell is one published figure with its disclosure decision. Value is
// meaningful only when N > 0 for medians and shares (a count's N is the
// count itself).
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
}

// Stats describes a built snapshot.
type Stats struct {
	Cells, Suppressed, Primary int
	// Unprotectable counts relations that a cell's earlier publication left
	// with exactly one hidden member (nothing can be hidden any more).
	Unprotectable int
}

// key is a cell in the planner's compact form: indicator, breakdown
// dimension (0 = total, else DimIndex+1), category index, area and period
// indexes. Only canonical areas (and for stocks months) are planned.
type key struct {
	ind, dim, cat uint8
	area, period  uint16
}

type acc struct {
	num, den int64
	hist     map[int]int64
}

// builder holds one Build's state.
type builder struct {
	in      Input
	periods []Period // every month, quarter and year of the covered years
	pidx    map[Period]int
	plabel  map[string]int // level:label → index in periods
	cats    [][]string     // per dim+1: category ids (dim 0: [""])
	inds    []Indicator
	bds     [][]uint8 // per indicator: breakdown dims (+1)
	accs    map[key]*acc
	// planning state
	value      map[key]float64
	n          map[key]int64
	suppressed map[key]bool
	known      map[key]bool
	stats      Stats
}

// ErrTooManyAreas guards the compact keys.
var ErrTooManyAreas = errors.New("indicators: too many areas or periods")

// Build rolls the facts up to every area level, period level and breakdown,
// decides the suppression of the whole snapshot at once, and returns every
// cell that is not an unsuppressed zero (those are implied).
func Build(in Input) ([]Cell, Stats, error) {
	if in.Threshold <= 0 {
		in.Threshold = DefaultThreshold
	}
	b := &builder{in: in, pidx: map[Period]int{}, plabel: map[string]int{}, accs: map[key]*acc{}}
	first := MonthFor(in.First.Year(), 1)
	last := MonthFor(in.Last.Year(), 12)
	for _, level := range PeriodLevels {
		for _, p := range Periods(level, first, last) {
			b.pidx[p] = len(b.periods)
			b.plabel[level+":"+p.Label()] = len(b.periods)
			b.periods = append(b.periods, p)
		}
	}
	if len(b.periods) > math.MaxUint16 || len(in.Geography.all) > math.MaxUint16 || len(in.Indicators) > maxIndicators {
		return nil, Stats{}, ErrTooManyAreas
	}
	b.cats = [][]string{{""}}
	for _, d := range dimensionIDs {
		b.cats = append(b.cats, in.Catalogue.CategoryIDs(d))
	}
	b.inds = in.Indicators
	indIdx := map[string]int{}
	for i, ind := range b.inds {
		indIdx[ind.ID] = i
		var dims []uint8
		for _, d := range ind.Breakdowns {
			dims = append(dims, uint8(DimIndex(d)+1))
		}
		b.bds = append(b.bds, dims)
	}
	for _, f := range in.Facts {
		if i, ok := indIdx[f.Indicator]; ok {
			b.add(i, f)
		}
	}
	b.values()
	b.plan()
	return b.cells(), b.stats, nil
}

// add accumulates one fact into every canonical cell it belongs to.
func (b *builder) add(i int, f Fact) {
	if f.Month < b.periods[0].First || f.Month > b.in.Last {
		return
	}
	var periods []int
	if b.inds[i].PeriodType == Stock {
		periods = []int{b.pidx[PeriodOf(PeriodMonth, f.Month)]}
	} else {
		for _, level := range PeriodLevels {
			periods = append(periods, b.pidx[PeriodOf(level, f.Month)])
		}
	}
	type dc struct{ dim, cat uint8 }
	dcs := []dc{{0, 0}}
	for _, d := range b.bds[i] {
		c := slices.Index(b.cats[d], f.Cat[d-1])
		if c < 0 {
			c = slices.Index(b.cats[d], Unknown)
		}
		if c >= 0 {
			dcs = append(dcs, dc{d, uint8(c)})
		}
	}
	unit := b.inds[i].Unit
	for _, a := range b.in.Geography.ofMunicipality[f.Municipality] {
		if b.in.Geography.all[a].canon != a {
			continue
		}
		for _, p := range periods {
			for _, x := range dcs {
				k := key{uint8(i), x.dim, x.cat, uint16(a), uint16(p)}
				c := b.accs[k]
				if c == nil {
					c = &acc{}
					b.accs[k] = c
				}
				switch unit {
				case UnitMedianDays:
					if c.hist == nil {
						c.hist = map[int]int64{}
					}
					c.hist[f.Days] += f.Count
					c.num += f.Count
				default:
					c.num += f.Count
					c.den += f.Den
				}
			}
		}
	}
}

// values computes each accumulated cell's value and number of cases.
func (b *builder) values() {
	b.value, b.n = make(map[key]float64, len(b.accs)), make(map[key]int64, len(b.accs))
	for k, c := range b.accs {
		switch b.inds[k.ind].Unit {
		case UnitCount:
			b.value[k], b.n[k] = float64(c.num), c.num
		case UnitShare:
			b.n[k] = c.den
			if c.den > 0 {
				b.value[k] = math.Round(float64(c.num)/float64(c.den)*1000) / 1000
			}
		case UnitMedianDays:
			b.value[k], b.n[k] = median(c.hist), c.num
		}
	}
	b.accs = nil
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

// id returns the published identity of a planner key.
func (b *builder) id(k key, area, period int) CellID {
	a, p := b.in.Geography.all[area], b.periods[period]
	id := CellID{Indicator: b.inds[k.ind].ID, AreaLevel: a.Level, Area: a.Code, PeriodLevel: p.Level, Period: p.Label()}
	if k.dim > 0 {
		id.Breakdown, id.Category = dimensionIDs[k.dim-1], b.cats[k.dim][k.cat]
	}
	return id
}

// cells lists every cell to store: the canonical cells with a value or a
// suppression, each under every name it is published by (areas with the same
// municipalities, and for stocks the quarter and year taken at this month).
func (b *builder) cells() []Cell {
	keys := make([]key, 0, len(b.value)+len(b.suppressed))
	for k, v := range b.value {
		if v != 0 || b.n[k] != 0 || b.suppressed[k] {
			keys = append(keys, k)
		}
	}
	for k := range b.suppressed {
		if _, ok := b.value[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compareKeys)
	areaAliases := map[int][]int{}
	for _, a := range b.in.Geography.all {
		areaAliases[a.canon] = append(areaAliases[a.canon], a.index)
	}
	var out []Cell
	for _, k := range keys {
		periods := []int{int(k.period)}
		if b.inds[k.ind].PeriodType == Stock {
			periods = b.stockPeriods(b.periods[k.period].First)
		}
		owner := b.in.Geography.all[k.area].Owner()
		for _, a := range areaAliases[int(k.area)] {
			for _, p := range periods {
				out = append(out, Cell{CellID: b.id(k, a, p), Value: b.value[k], N: b.n[k], Suppressed: b.suppressed[k], Owner: owner})
			}
		}
		b.stats.Cells++
		if b.suppressed[k] {
			b.stats.Suppressed++
		}
	}
	return out
}

// stockPeriods returns the periods whose stock is taken at month m: the
// month, and each quarter and year whose last month is m, or that is running
// at the data date m.
func (b *builder) stockPeriods(m Month) []int {
	out := []int{b.pidx[PeriodOf(PeriodMonth, m)]}
	for _, level := range PeriodLevels[1:] {
		p := PeriodOf(level, m)
		if p.Last == m || m == b.in.Last {
			out = append(out, b.pidx[p])
		}
	}
	return out
}

func compareKeys(x, y key) int {
	return cmp.Or(cmp.Compare(x.ind, y.ind), cmp.Compare(x.dim, y.dim), cmp.Compare(x.cat, y.cat),
		cmp.Compare(x.area, y.area), cmp.Compare(x.period, y.period))
}
