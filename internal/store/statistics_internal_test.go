package store

import (
	"math/rand/v2"
	"testing"

	"github.com/kotodigi/kotodigi/internal/refdata"
)

// TestSuppressionLeavesNothingToWorkOut checks, on random national data, that
// every small count is hidden and that no published total (of the area, a
// region or a wellbeing county) has exactly one hidden cell, which it would
// give away.
func TestSuppressionLeavesNothingToWorkOut(t *testing.T) {
	ref, err := refdata.Load()
	if err != nil {
		t.Fatal(err)
	}
	s := &Store{ref: ref}
	var area []string
	for _, m := range ref.Municipalities {
		area = append(area, m.Code)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		counts := map[string]int{}
		for _, code := range area {
			switch rng.IntN(4) {
			case 0:
			case 1:
				counts[code] = 1 + rng.IntN(4)
			default:
				counts[code] = rng.IntN(40)
			}
		}
		for _, groupBy := range Groupings {
			cells := s.tabulate(counts, area, groupBy, true)
			hidden, totals := map[string]bool{}, map[string]int{}
			var keys []string
			for _, c := range cells {
				keys = append(keys, c.Key)
				hidden[c.Key] = c.Suppressed
				if c.Count != nil {
					totals[c.Key] = *c.Count
					if *c.Count >= 1 && *c.Count <= SmallCellLimit {
						t.Fatalf("round %d %s: small count %d of %s shown", round, groupBy, *c.Count, c.Key)
					}
				}
			}
			parts, _ := s.partitions(keys, groupBy)
			for _, p := range parts {
				n := 0
				for _, k := range p {
					if hidden[k] {
						n++
					}
				}
				if n == 1 {
					t.Fatalf("round %d %s: partition %v has exactly one hidden cell", round, groupBy, p)
				}
			}
		}
	}
}

// TestSuppressionAcrossTables is the leak a naive table-by-table suppression
// has: Espoo's small count must not follow from Uusimaa's region total and
// Helsinki's own wellbeing-county total.
func TestSuppressionAcrossTables(t *testing.T) {
	ref, _ := refdata.Load()
	s := &Store{ref: ref}
	var area []string
	for _, m := range ref.Municipalities {
		area = append(area, m.Code)
	}
	counts := map[string]int{"091": 10, "049": 3, "837": 50}
	byKey := func(cells []Cell) map[string]Cell {
		out := map[string]Cell{}
		for _, c := range cells {
			out[c.Key] = c
		}
		return out
	}
	munis := byKey(s.tabulate(counts, area, "municipality", true))
	if !munis["049"].Suppressed {
		t.Fatal("Espoo's 3 shown")
	}
	if munis["091"].Suppressed {
		t.Error("Helsinki hidden as the secondary cell, though county 90 publishes it anyway")
	}
	hidden := 0
	for _, m := range ref.Municipalities {
		if m.RegionCode == "01" && munis[m.Code].Suppressed {
			hidden++
		}
	}
	if hidden < 2 {
		t.Errorf("Uusimaa has %d hidden municipalities; its total would reveal Espoo", hidden)
	}
}
