package disclosure

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestPrimaryRules(t *testing.T) {
	for _, tc := range []struct {
		name      string
		kind      Kind
		v, n      float64
		small     bool
		wantLo    float64
		wantHi    float64
		threshold float64
	}{
		{"zero count shown", Count, 0, 0, false, 0, 0, 5},
		{"count 1 hidden", Count, 1, 0, true, 0, 5, 5},
		{"count 4 hidden", Count, 4, 0, true, 0, 5, 5},
		{"count 5 shown", Count, 5, 0, false, 5, 5, 5},
		{"threshold 3: count 2 hidden", Count, 2, 0, true, 0, 3, 3},
		{"threshold 3: count 3 shown", Count, 3, 0, false, 3, 3, 3},
		{"median over 4 hidden", Median, 120, 4, true, 120, 120, 5},
		{"median over none hidden", Median, 0, 0, true, 0, 0, 5},
		{"median over 5 shown", Median, 120, 5, false, 120, 120, 5},
		{"share over 3: numerator anywhere in 0..3", Share, 1, 3, true, 0, 3, 5},
		{"share with small numerator", Share, 2, 40, true, 0, 5, 5},
		{"share with small rest", Share, 37, 40, true, 35, 40, 5},
		{"share 0 of 40 shown", Share, 0, 40, false, 0, 0, 5},
		{"share 40 of 40 shown", Share, 40, 40, false, 40, 40, 5},
		{"share 20 of 40 shown", Share, 20, 40, false, 20, 20, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi, small := primaryNeed(tc.kind, tc.v, tc.n, tc.threshold)
			if small != tc.small || (tc.small && tc.kind != Median && (lo != tc.wantLo || hi != tc.wantHi)) {
				t.Errorf("got small=%v [%g, %g], want %v [%g, %g]", small, lo, hi, tc.small, tc.wantLo, tc.wantHi)
			}
		})
	}
}

// leak is the store's old leak in miniature: region R is counties X (two
// municipalities), Y (two) and H (one municipality alone, like Helsinki's
// county 90). Table-by-table suppression hides X's small count and one
// more county, yet X = R − Y − H with Y's municipalities shown.
func leakTable() *Table {
	return &Table{
		Areas: Hierarchy{Nodes: []Node{
			{ID: "x1", Owner: "x1"}, {ID: "x2", Owner: "x2"}, {ID: "y1", Owner: "y1"}, {ID: "y2", Owner: "y2"}, {ID: "h", Owner: "h"},
			{ID: "X", Parts: [][]int{{0, 1}}}, {ID: "Y", Parts: [][]int{{2, 3}}}, {ID: "H", Parts: [][]int{{4}}},
			{ID: "R", Parts: [][]int{{5, 6, 7}, {0, 1, 2, 3, 4}}},
		}},
		Periods: Hierarchy{Nodes: []Node{{ID: "2026"}}},
		Kind:    Count,
		//          x1 x2 y1  y2  h   X  Y   H   R
		Values: []float64{2, 1, 40, 25, 90, 3, 65, 90, 158},
	}
}

func TestProtectClosesTheCountyLeak(t *testing.T) {
	tb := leakTable()
	p, err := Protect(tb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Check(tb); err != nil {
		t.Fatal(err)
	}
	owners, _ := tb.Owners()
	for _, m := range []string{"", "x1", "x2", "y1", "y2", "h"} {
		v := attackerView(tb, p, owners, m)
		goals := targets(tb, p, owners, m)
		if got := eliminate(tb, v, goals); len(got) > 0 {
			t.Errorf("attacker %q works out %v", m, got)
		}
		if bad := lpBounds(tb, v, goals); len(bad) > 0 {
			t.Errorf("attacker %q bounds %v", m, bad)
		}
	}
	for _, i := range []int{0, 1, 5} {
		if !p.Suppressed(i) {
			t.Errorf("small cell %s shown", tb.Areas.Nodes[i].ID)
		}
	}
	if p.Suppressed(8) {
		t.Error("the region total (158) hidden, though nothing needs it")
	}
}

// naive plans, to show that the attacks can fail a plan.

func primaryOnly(tb *Table) *Plan {
	p, _ := Protect(&Table{Areas: tb.Areas, Periods: tb.Periods, Breakdowns: tb.Breakdowns, Kind: Median,
		Values: tb.Values, Clients: make([]float64, tb.Len())}, Options{})
	for i, v := range tb.Values {
		p.Reasons[i] = Shown
		if v >= 1 && v < 5 {
			p.Reasons[i] = Small
		}
	}
	p.Threshold = 5
	return p
}

// oneComplement is the classic table-by-table rule: while a relation has
// exactly one hidden cell, hide its smallest shown cell too.
func oneComplement(tb *Table) *Plan {
	p := primaryOnly(tb)
	var rels []Relation
	tb.Relations(func(r Relation) { rels = append(rels, Relation{r.Total, slices.Clone(r.Parts)}) })
	for changed := true; changed; {
		changed = false
		for _, r := range rels {
			cells := append([]int{r.Total}, r.Parts...)
			hidden, pick := 0, -1
			for _, c := range cells {
				if p.Suppressed(c) {
					hidden++
				} else if pick < 0 || tb.Values[c] < tb.Values[pick] {
					pick = c
				}
			}
			if hidden == 1 && pick >= 0 {
				p.Reasons[pick] = Complementary
				changed = true
			}
		}
	}
	return p
}

func TestAttacksBreakNaivePlans(t *testing.T) {
	tb, err := nationalTable(7, 1, []Breakdown{sexBreakdown}, 600)
	if err != nil {
		t.Fatal(err)
	}
	owners, _ := tb.Owners()
	naive := primaryOnly(tb)
	if got := eliminate(tb, attackerView(tb, naive, owners, ""), targets(tb, naive, owners, "")); len(got) == 0 {
		t.Error("elimination works out nothing against primary suppression alone")
	}
	one := oneComplement(tb)
	if got := eliminate(tb, attackerView(tb, one, owners, ""), targets(tb, one, owners, "")); len(got) > 0 {
		t.Logf("elimination still works out %d cells against one complement per relation", len(got))
	}
	bad := intervals(tb, attackerView(tb, one, owners, ""), targets(tb, one, owners, ""))
	if len(bad) == 0 {
		t.Error("interval bounds find nothing against one complement per relation")
	} else {
		t.Logf("one complement per relation: %d cells bounded, e.g. %s", len(bad), bad[0])
	}
	if err := one.Check(tb); err == nil {
		t.Error("Check accepts a plan without witnesses")
	}
}

func TestCheckRejectsATamperedPlan(t *testing.T) {
	tb := leakTable()
	p, err := Protect(tb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range p.Reasons {
		if r == Complementary {
			p.Reasons[i] = Shown
			if err := p.Check(tb); err == nil {
				t.Errorf("Check accepts the plan with complementary cell %s shown", tb.Areas.Nodes[i].ID)
			}
			p.Reasons[i] = Complementary
		}
	}
}

// TestProtectWithstandsAttacksOnNationalData plans random national-like
// tables (the real 309 municipalities, counties, regions, centre areas and
// country; 12 months, 4 quarters and the year; a breakdown with an unknown
// category) and attacks every plan by elimination and by interval bounds,
// as an outsider and as municipalities that know their own cells.
func TestProtectWithstandsAttacksOnNationalData(t *testing.T) {
	seeds := 3
	if testing.Short() {
		seeds = 1
	}
	for seed := range uint64(seeds) {
		tb, err := nationalTable(seed+100, 1, []Breakdown{sexBreakdown}, 300+float64(seed)*200)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Protect(tb, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Check(tb); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		owners, _ := tb.Owners()
		rng := rand.New(rand.NewPCG(seed, 3))
		attackers := []string{""}
		for range 4 {
			attackers = append(attackers, tb.Areas.Nodes[rng.IntN(309)].Owner)
		}
		for _, m := range attackers {
			v := attackerView(tb, p, owners, m)
			goals := targets(tb, p, owners, m)
			if got := eliminate(tb, v, goals); len(got) > 0 {
				t.Errorf("seed %d, attacker %q: elimination works out %d cells", seed, m, len(got))
			}
			if bad := intervals(tb, v, goals); len(bad) > 0 {
				t.Errorf("seed %d, attacker %q: interval bounds on %d cells, e.g. %s", seed, m, len(bad), bad[0])
			}
		}
		t.Logf("seed %d: %d cells, %d small, %d complementary, %d fallbacks",
			seed, tb.Len(), p.Count(Small), p.Count(Complementary), p.Fallbacks)
	}
}

// smallTable is a small random table with the national structure's traits:
// county H is one municipality alone (like Helsinki's county 90), region R1
// holds two counties, the centre area equals R1, the country is the sum of
// the counties and of the regions; two months and their quarter; a
// breakdown with an unknown category.
func smallTable(seed uint64, kind Kind) *Table {
	tb := &Table{
		Areas: Hierarchy{Nodes: []Node{
			{ID: "m1", Owner: "m1"}, {ID: "m2", Owner: "m2"}, {ID: "m3", Owner: "m3"},
			{ID: "m4", Owner: "m4"}, {ID: "m5", Owner: "m5"}, {ID: "m6", Owner: "m6"},
			{ID: "A", Parts: [][]int{{0, 1, 2}}}, {ID: "B", Parts: [][]int{{3, 4}}}, {ID: "H", Parts: [][]int{{5}}},
			{ID: "R1", Parts: [][]int{{0, 1, 2, 5}}}, {ID: "R2", Parts: [][]int{{3, 4}}},
			{ID: "C", Parts: [][]int{{9}}},
			{ID: "FI", Parts: [][]int{{6, 7, 8}, {9, 10}}},
		}},
		Periods:    Hierarchy{Nodes: []Node{{ID: "M1"}, {ID: "M2"}, {ID: "Q", Parts: [][]int{{0, 1}}}}},
		Breakdowns: []Breakdown{{Name: "group", Categories: []string{"a", "b", "unknown"}}},
		Kind:       Count,
	}
	rng := rand.New(rand.NewPCG(seed, 5))
	fill(tb, rng, 40)
	if kind == Share {
		// denominators: the counts plus a random number of others
		tb.Kind = Share
		den := make([]float64, tb.Len())
		extra := &Table{Areas: tb.Areas, Periods: tb.Periods, Breakdowns: tb.Breakdowns}
		fill(extra, rng, 60)
		for i := range den {
			den[i] = tb.Values[i] + extra.Values[i]
		}
		tb.Clients = den
	}
	return tb
}

// TestProtectWithstandsLinearProgramming bounds every primary cell of
// small random tables exactly, by linear programming, as an outsider and as
// each municipality knowing its own cells.
func TestProtectWithstandsLinearProgramming(t *testing.T) {
	seeds := 4
	if testing.Short() {
		seeds = 2
	}
	for _, kind := range []Kind{Count, Share} {
		for seed := range uint64(seeds) {
			tb := smallTable(seed, kind)
			p, err := Protect(tb, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Check(tb); err != nil {
				t.Fatalf("kind %d seed %d: %v", kind, seed, err)
			}
			owners, _ := tb.Owners()
			for _, m := range []string{"", "m1", "m2", "m3", "m4", "m5", "m6"} {
				v := attackerView(tb, p, owners, m)
				goals := targets(tb, p, owners, m)
				if bad := lpBounds(tb, v, goals); len(bad) > 0 {
					t.Errorf("kind %d seed %d attacker %q: %v", kind, seed, m, bad)
				}
			}
			t.Logf("kind %d seed %d: %d cells, %d small, %d complementary", kind, seed, tb.Len(), p.Count(Small), p.Count(Complementary))
		}
	}
}

// TestLinearProgrammingFindsWhatIntervalsMiss shows the LP attacker is the
// stronger one: against one complement per relation it bounds cells too.
func TestLinearProgrammingBreaksNaivePlans(t *testing.T) {
	for seed := range uint64(4) {
		tb := smallTable(seed, Count)
		one := oneComplement(tb)
		owners, _ := tb.Owners()
		if bad := lpBounds(tb, attackerView(tb, one, owners, ""), targets(tb, one, owners, "")); len(bad) > 0 {
			return
		}
	}
	t.Error("linear programming bounds nothing against one complement per relation")
}

// TestProtectIsDeterministic: the same snapshot always gets the same
// pattern, so a query asked twice meets the same suppressed cells.
func TestProtectIsDeterministic(t *testing.T) {
	national, err := nationalTable(42, 1, nil, 800)
	if err != nil {
		t.Fatal(err)
	}
	// with breakdowns: the search then also balances categories
	broken, err := nationalTable(43, 1, []Breakdown{tenCategories("client_group"), sexBreakdown}, 300)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range []*Table{national, broken, smallTable(1, Count), smallTable(2, Share)} {
		first, err := Protect(tb, Options{})
		if err != nil {
			t.Fatal(err)
		}
		again, err := Protect(tb, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(first.Reasons, again.Reasons) {
			t.Fatal("the same snapshot planned twice gave different patterns")
		}
	}
}

// TestThresholdIsConfigurable: with threshold 3, a count of 3 is shown and
// a count of 2 is protected up to 3.
func TestThresholdIsConfigurable(t *testing.T) {
	tb := leakTable()
	tb.Values = []float64{2, 1, 40, 25, 90, 3, 65, 90, 158}
	p, err := Protect(tb, Options{Threshold: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Check(tb); err != nil {
		t.Fatal(err)
	}
	if !p.Primary(0) || p.Primary(5) {
		t.Errorf("threshold 3: x1=2 small %v, X=3 small %v", p.Primary(0), p.Primary(5))
	}
}
