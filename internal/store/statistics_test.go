package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/refdata"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// TestStatisticsDoNotLeakAcrossGroupings reproduces the leak of issue 11:
// with table-by-table suppression, wellbeing county 01's 3 clients were
// hidden in the county table, but every municipality of county 03 was shown
// in the municipality table, so county 01 = region 01 − county 90 − county 04
// − county 02 − county 03 = 3. The attacker here combines all three
// groupings and solves every relation with one unknown, repeatedly.
func TestStatisticsDoNotLeakAcrossGroupings(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		s, err := store.Open(ctx, tg.URL, store.Options{Clock: func() time.Time { return fixedNow }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		op := store.OperatorActor()
		individual := 900
		for muni, n := range map[string]int{"091": 20, "092": 10, "106": 8, "186": 5, "049": 7, "638": 3} {
			for range n {
				dob := time.Date(1980+individual%20, time.March, 1+individual%27, 0, 0, 0, 0, time.UTC)
				if _, err := s.RegisterClient(ctx, op, validClient(muni, model.SyntheticIdentityCode(dob, individual))); err != nil {
					t.Fatal(err)
				}
				individual++
			}
		}
		ref, err := refdata.Load()
		if err != nil {
			t.Fatal(err)
		}
		known := map[string]int{}   // "municipality:091" → count, as the attacker sees it
		hidden := map[string]bool{} // suppressed cells
		for _, g := range store.Groupings {
			cells, err := s.ClientStatistics(ctx, op, g)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cells {
				if c.Count == nil {
					hidden[g+":"+c.Key] = true
				} else {
					known[g+":"+c.Key] = *c.Count
				}
			}
		}
		if !hidden["wellbeing_county:01"] || !hidden["municipality:638"] {
			t.Fatalf("small counts shown: county 01 hidden %v, Porvoo hidden %v", hidden["wellbeing_county:01"], hidden["municipality:638"])
		}
		// relations: county = Σ municipalities, region = Σ municipalities,
		// region = Σ its counties
		type relation struct {
			total string
			parts []string
		}
		byCounty, byRegion, countiesOf := map[string][]string{}, map[string][]string{}, map[string][]string{}
		for _, m := range ref.Municipalities {
			byCounty[m.WellbeingCountyCode] = append(byCounty[m.WellbeingCountyCode], "municipality:"+m.Code)
			byRegion[m.RegionCode] = append(byRegion[m.RegionCode], "municipality:"+m.Code)
			c := "wellbeing_county:" + m.WellbeingCountyCode
			if !slices.Contains(countiesOf[m.RegionCode], c) {
				countiesOf[m.RegionCode] = append(countiesOf[m.RegionCode], c)
			}
		}
		var rels []relation
		for c, ms := range byCounty {
			rels = append(rels, relation{"wellbeing_county:" + c, ms})
		}
		for r, ms := range byRegion {
			rels = append(rels, relation{"region:" + r, ms}, relation{"region:" + r, countiesOf[r]})
		}
		for changed := true; changed; {
			changed = false
			for _, r := range rels {
				cells := append([]string{r.total}, r.parts...)
				unknown, sum := "", 0
				n := 0
				for i, c := range cells {
					v, ok := known[c]
					if !ok {
						unknown, n = c, n+1
						continue
					}
					if i == 0 {
						sum += v
					} else {
						sum -= v
					}
				}
				if n != 1 {
					continue
				}
				if unknown == r.total {
					sum = -sum
				}
				known[unknown] = sum
				changed = true
				if hidden[unknown] {
					t.Errorf("%s = %d worked out from %s = sum of %v", unknown, sum, r.total, r.parts)
				}
			}
		}
	})
}
