package disclosure

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// attackAll runs elimination and interval bounds as an outsider and as a
// few municipalities, and fails on anything worked out.
func attackAll(t *testing.T, name string, tb *Table, p *Plan, rng *rand.Rand) {
	t.Helper()
	if err := p.Check(tb); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	owners, _ := tb.Owners()
	attackers := []string{""}
	for range 3 {
		attackers = append(attackers, tb.Areas.Nodes[rng.IntN(309)].Owner)
	}
	for _, m := range attackers {
		v := attackerView(tb, p, owners, m)
		goals := targets(tb, p, owners, m)
		if got := eliminate(tb, v, goals); len(got) > 0 {
			t.Errorf("%s, attacker %q: elimination works out %d cells", name, m, len(got))
		}
		if bad := intervals(tb, v, goals); len(bad) > 0 {
			t.Errorf("%s, attacker %q: interval bounds on %d cells, e.g. %s", name, m, len(bad), bad[0])
		}
	}
}

// TestSplitPlansWithstandAttacks: random national data of two years (each
// year planned on its own) and of a stock (months only, each month on its
// own) is attacked across the whole table, every year, quarter and month
// and every area level together.
func TestSplitPlansWithstandAttacks(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	flow, err := nationalTable(11, 2, []Breakdown{sexBreakdown}, 400)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(periodComponents(flow.Periods)); n != 2 {
		t.Fatalf("two years: %d parts", n)
	}
	p, err := Protect(flow, Options{})
	if err != nil {
		t.Fatal(err)
	}
	attackAll(t, "two years", flow, p, rng)
	t.Logf("two years: %d cells, %d small, %d complementary", flow.Len(), p.Count(Small), p.Count(Complementary))

	stock, err := nationalTable(12, 1, []Breakdown{languageBreakdown}, 500)
	if err != nil {
		t.Fatal(err)
	}
	months := monthsOnly(stock)
	if n := len(periodComponents(months.Periods)); n != 12 {
		t.Fatalf("a stock's months: %d parts", n)
	}
	ps, err := Protect(months, Options{})
	if err != nil {
		t.Fatal(err)
	}
	attackAll(t, "stock months", months, ps, rng)
}

// monthsOnly keeps a table's months (the periods without parts), as a
// stock's table is laid out.
func monthsOnly(tb *Table) *Table {
	var keep []int
	for p, n := range tb.Periods.Nodes {
		if len(n.Parts) == 0 {
			keep = append(keep, p)
		}
	}
	return subTable(tb, keep)
}

// TestSplitEqualsPartsAlone: the plan of a table of two years is, year by
// year, exactly the plan of that year's table alone (the parts are put
// together at the right places), and planning it twice gives the same.
func TestSplitEqualsPartsAlone(t *testing.T) {
	tb, err := nationalTable(21, 2, []Breakdown{sexBreakdown}, 200)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := Protect(tb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	again, err := Protect(tb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(whole.Reasons, again.Reasons) {
		t.Fatal("planned twice, different patterns")
	}
	for _, comp := range periodComponents(tb.Periods) {
		part := subTable(tb, comp)
		alone, err := Protect(part, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for a := range tb.Areas.Nodes {
			for j, p := range comp {
				for k := range tb.Categories() {
					if whole.Reasons[tb.Index(a, p, k)] != alone.Reasons[part.Index(a, j, k)] {
						t.Fatalf("cell (%d, %s, %d) differs from its year planned alone", a, tb.Periods.Nodes[p].ID, k)
					}
				}
			}
		}
	}
}

// TestSplitWithstandsLinearProgramming: a small table of two quarters
// (each with its months, no year above them) is bounded exactly by linear
// programming over the whole table.
func TestSplitWithstandsLinearProgramming(t *testing.T) {
	for seed := range uint64(3) {
		tb := smallTable(seed, Count)
		tb.Periods = Hierarchy{Nodes: []Node{{ID: "M1"}, {ID: "M2"}, {ID: "Q1", Parts: [][]int{{0, 1}}},
			{ID: "M3"}, {ID: "M4"}, {ID: "Q2", Parts: [][]int{{3, 4}}}}}
		fill(tb, rand.New(rand.NewPCG(seed, 9)), 40)
		p, err := Protect(tb, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Check(tb); err != nil {
			t.Fatal(err)
		}
		owners, _ := tb.Owners()
		for _, m := range []string{"", "m1", "m3", "m6"} {
			if bad := lpBounds(tb, attackerView(tb, p, owners, m), targets(tb, p, owners, m)); len(bad) > 0 {
				t.Errorf("seed %d attacker %q: %v", seed, m, bad)
			}
		}
	}
}

// TestDropProof: a plan made without its proof has the same pattern, and
// Check refuses it rather than passing it unverified.
func TestDropProof(t *testing.T) {
	tb := smallTable(3, Count)
	with, err := Protect(tb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	without, err := Protect(tb, Options{DropProof: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(with.Reasons, without.Reasons) {
		t.Error("dropping the proof changed the pattern")
	}
	if err := without.Check(tb); err == nil {
		t.Error("a plan without proof passed Check")
	}
}

// TestReuseUnchangedParts: a table of two years whose second year changed
// reuses the first year's earlier pattern as it was and plans the second;
// the whole withstands the attacks; a pattern that would show a small cell
// is never reused.
func TestReuseUnchangedParts(t *testing.T) {
	before, err := nationalTable(31, 2, []Breakdown{sexBreakdown}, 200)
	if err != nil {
		t.Fatal(err)
	}
	other, err := nationalTable(32, 2, []Breakdown{sexBreakdown}, 200)
	if err != nil {
		t.Fatal(err)
	}
	p1, err := Protect(before, Options{})
	if err != nil {
		t.Fatal(err)
	}
	comps := periodComponents(before.Periods)
	after := subTable(before, append(append([]int{}, comps[0]...), comps[1]...)) // a copy
	for a := range after.Areas.Nodes {
		for _, p := range comps[1] {
			for k := range after.Categories() {
				after.Values[after.Index(a, p, k)] = other.Values[other.Index(a, p, k)]
			}
		}
	}
	pattern := func(p *Plan, comp []int) []bool {
		var out []bool
		for a := range before.Areas.Nodes {
			for _, per := range comp {
				for k := range before.Categories() {
					out = append(out, p.Suppressed(before.Index(a, per, k)))
				}
			}
		}
		return out
	}
	asked := 0
	reuse := func(periods []int) ([]bool, bool) {
		asked++
		if slices.Equal(periods, comps[0]) {
			return pattern(p1, comps[0]), true
		}
		return nil, false
	}
	p2, err := Protect(after, Options{Reuse: reuse})
	if err != nil {
		t.Fatal(err)
	}
	if asked != 2 || p2.Reused != 1 || p2.Parts != 2 {
		t.Fatalf("asked %d, reused %d of %d", asked, p2.Reused, p2.Parts)
	}
	if !slices.Equal(pattern(p2, comps[0]), pattern(p1, comps[0])) {
		t.Error("the unchanged year's pattern was not kept")
	}
	if err := p2.Check(after); err == nil {
		t.Error("a plan with a reused part passed Check without its proof")
	}
	owners, _ := after.Owners()
	rng := rand.New(rand.NewPCG(3, 3))
	for _, m := range []string{"", after.Areas.Nodes[rng.IntN(309)].Owner, "091"} {
		v := attackerView(after, p2, owners, m)
		goals := targets(after, p2, owners, m)
		if got := eliminate(after, v, goals); len(got) > 0 {
			t.Errorf("attacker %q: elimination works out %d cells", m, len(got))
		}
		if bad := intervals(after, v, goals); len(bad) > 0 {
			t.Errorf("attacker %q: interval bounds on %d cells, e.g. %s", m, len(bad), bad[0])
		}
	}
	// A pattern showing everything is refused: the part is planned afresh.
	showAll := func(periods []int) ([]bool, bool) {
		return make([]bool, len(before.Areas.Nodes)*len(periods)*before.Categories()), true
	}
	p3, err := Protect(after, Options{Reuse: showAll})
	if err != nil {
		t.Fatal(err)
	}
	if p3.Reused != 0 || p3.Check(after) != nil {
		t.Errorf("a pattern showing small cells was reused (%d parts)", p3.Reused)
	}
}

// TestSeedChangedParts: a year planned again after a few more cases starts
// from its earlier pattern: every cell suppressed before stays suppressed,
// the new plan is proven afresh (Check) and withstands the attacks; a seed
// that suppresses nothing yields a proven plan too.
func TestSeedChangedParts(t *testing.T) {
	before, err := nationalTable(41, 1, []Breakdown{sexBreakdown}, 300)
	if err != nil {
		t.Fatal(err)
	}
	p1, err := Protect(before, Options{})
	if err != nil {
		t.Fatal(err)
	}
	after := subTable(before, periodComponents(before.Periods)[0]) // a copy
	A, _ := newDim(after.Areas, "areas")
	P, _ := newDim(after.Periods, "periods")
	rng := rand.New(rand.NewPCG(5, 5))
	var autumn []int // the last four months
	for p := P.n - 1; p >= 0 && len(autumn) < 4; p-- {
		if P.isLeaf[p] {
			autumn = append(autumn, p)
		}
	}
	for a := range A.n {
		if !A.isLeaf[a] || rng.IntN(2) != 0 {
			continue
		}
		// one or two more cases in the autumn, women
		for _, m := range autumn {
			more := float64(1 + rng.IntN(2))
			for _, n := range A.contains[a] {
				for _, q := range P.contains[m] {
					after.Values[after.Index(n, q, 0)] += more
					after.Values[after.Index(n, q, after.Category(0, 0))] += more
				}
			}
		}
	}
	old := make([]bool, after.Len())
	for i := range old {
		old[i] = p1.Suppressed(i)
	}
	seeded, err := Protect(after, Options{Seed: func([]int) ([]bool, bool) { return old, true }})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range old {
		if s && !seeded.Suppressed(i) {
			t.Fatalf("cell %d was suppressed before and is shown after a seeded plan", i)
		}
	}
	attackAll(t, "seeded", after, seeded, rng)
	empty, err := Protect(after, Options{Seed: func(periods []int) ([]bool, bool) { return make([]bool, after.Len()), true }})
	if err != nil {
		t.Fatal(err)
	}
	attackAll(t, "empty seed", after, empty, rng)
	if seeded.Count(Small) != empty.Count(Small) || seeded.Count(Small) == 0 {
		t.Errorf("primary cells: seeded %d, unseeded %d", seeded.Count(Small), empty.Count(Small))
	}
}
