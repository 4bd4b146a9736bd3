package disclosure

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/kotodigi/kotodigi/internal/refdata"
)

// nationalAreas is the real area structure (NationalAreas).
func nationalAreas() (Hierarchy, error) {
	ref, err := refdata.Load()
	if err != nil {
		return Hierarchy{}, err
	}
	return NationalAreas(ref).Hierarchy, nil
}

// calendar builds months, quarters and years.
func calendar(years int) Hierarchy {
	var h Hierarchy
	for y := range years {
		var quarters []int
		for q := range 4 {
			var months []int
			for m := range 3 {
				months = append(months, len(h.Nodes))
				h.Nodes = append(h.Nodes, Node{ID: fmt.Sprintf("%d-%02d", 2024+y, q*3+m+1)})
			}
			quarters = append(quarters, len(h.Nodes))
			h.Nodes = append(h.Nodes, Node{ID: fmt.Sprintf("%d-Q%d", 2024+y, q+1), Parts: [][]int{months}})
		}
		h.Nodes = append(h.Nodes, Node{ID: fmt.Sprint(2024 + y), Parts: [][]int{quarters}})
	}
	return h
}

// fill gives every leaf cell (municipality, month, category) a random count
// and every other cell the sum of its leaves. Municipality sizes follow a
// steep power law, so most municipalities have small counts; every
// breakdown splits each leaf total over its categories ("unknown" included).
func fill(t *Table, rng *rand.Rand, perMonth float64) {
	A, _ := newDim(t.Areas, "areas")
	P, _ := newDim(t.Periods, "periods")
	nK := t.Categories()
	t.Values = make([]float64, t.Len())
	var leaves []int
	for i := range A.n {
		if A.isLeaf[i] {
			leaves = append(leaves, i)
		}
	}
	perm := rng.Perm(len(leaves))
	weights := make([]float64, len(leaves))
	sum := 0.0
	for i := range leaves {
		weights[i] = math.Pow(float64(perm[i]+1), -1.2)
		sum += weights[i]
	}
	probs := make([][]float64, len(t.Breakdowns))
	for b, bd := range t.Breakdowns {
		probs[b] = make([]float64, len(bd.Categories))
		s := 0.0
		for j := range probs[b] {
			probs[b][j] = math.Pow(float64(j+1), -1) * (0.5 + rng.Float64())
			s += probs[b][j]
		}
		for j := range probs[b] {
			probs[b][j] /= s
		}
	}
	for li, a := range leaves {
		mean := perMonth * weights[li] / sum
		for p := range P.n {
			if !P.isLeaf[p] {
				continue
			}
			n := poisson(rng, mean)
			t.Values[t.Index(a, p, 0)] = float64(n)
			for b := range t.Breakdowns {
				for range n {
					j := pick(rng, probs[b])
					t.Values[t.Index(a, p, t.Category(b, j))]++
				}
			}
		}
	}
	// aggregate: every non-leaf cell is the sum of its leaves
	for a := range A.n {
		for p := range P.n {
			if A.isLeaf[a] && P.isLeaf[p] {
				continue
			}
			for k := range nK {
				s := 0.0
				for _, la := range A.leaves[a] {
					for _, lp := range P.leaves[p] {
						s += t.Values[t.Index(la, lp, k)]
					}
				}
				t.Values[t.Index(a, p, k)] = s
			}
		}
	}
}

func poisson(rng *rand.Rand, mean float64) int {
	if mean > 30 {
		return max(0, int(math.Round(mean+math.Sqrt(mean)*rng.NormFloat64())))
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func pick(rng *rand.Rand, probs []float64) int {
	u := rng.Float64()
	for j, p := range probs {
		if u < p {
			return j
		}
		u -= p
	}
	return len(probs) - 1
}

// nationalTable is a random national-like count table.
func nationalTable(seed uint64, years int, breakdowns []Breakdown, perMonth float64) (*Table, error) {
	areas, err := nationalAreas()
	if err != nil {
		return nil, err
	}
	t := &Table{Areas: areas, Periods: calendar(years), Breakdowns: breakdowns, Kind: Count}
	fill(t, rand.New(rand.NewPCG(seed, 17)), perMonth)
	return t, nil
}

var (
	sexBreakdown      = Breakdown{Name: "sex", Categories: []string{"female", "male", "unknown"}}
	languageBreakdown = Breakdown{Name: "service_language", Categories: []string{"fi", "sv", "en", "unknown"}}
)

// tenCategories is a breakdown of ten categories, the size of the issue's
// breakdowns (client group, citizenship group, …).
func tenCategories(name string) Breakdown {
	b := Breakdown{Name: name}
	for i := range 9 {
		b.Categories = append(b.Categories, fmt.Sprintf("%s%d", name, i+1))
	}
	b.Categories = append(b.Categories, "unknown")
	return b
}
