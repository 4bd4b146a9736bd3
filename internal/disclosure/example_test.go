package disclosure_test

import (
	"fmt"

	"github.com/kotodigi/kotodigi/internal/disclosure"
)

// A region R of two counties: X (two municipalities) and H (one
// municipality alone, like Helsinki's county 90), for one year, without
// breakdowns. X's 3 is small. Hiding X and H is not enough: h sees its own
// 90 unsuppressed and would get X = R − 90 = 3, so R is hidden too. Check
// proves that no attacker, outsider or municipality, can tell any hidden
// small count from 0 or from 5.
func ExampleProtect() {
	t := &disclosure.Table{
		Areas: disclosure.Hierarchy{Nodes: []disclosure.Node{
			{ID: "x1", Owner: "x1"}, {ID: "x2", Owner: "x2"}, {ID: "h", Owner: "h"},
			{ID: "X", Parts: [][]int{{0, 1}}}, {ID: "H", Parts: [][]int{{2}}},
			{ID: "R", Parts: [][]int{{3, 4}}},
		}},
		Periods: disclosure.Hierarchy{Nodes: []disclosure.Node{{ID: "2026"}}},
		Kind:    disclosure.Count,
		Values:  []float64{2, 1, 90, 3, 90, 93},
	}
	plan, err := disclosure.Protect(t, disclosure.Options{})
	if err != nil {
		panic(err)
	}
	if err := plan.Check(t); err != nil {
		panic(err)
	}
	for i, n := range t.Areas.Nodes {
		if plan.Suppressed(i) {
			fmt.Println(n.ID, "suppressed")
		} else {
			fmt.Println(n.ID, t.Values[i])
		}
	}
	// Output:
	// x1 suppressed
	// x2 suppressed
	// h suppressed
	// X suppressed
	// H suppressed
	// R suppressed
}
