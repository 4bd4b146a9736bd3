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
