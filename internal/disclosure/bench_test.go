package disclosure

import (
	"fmt"
	"testing"
)

// nationalIndicator is one indicator at national scale: ~360 areas × 51
// periods (36 months, 12 quarters, 3 years) × (1 total + 6 breakdowns of 10
// categories, "unknown" included).
func nationalIndicator(b testing.TB, seed uint64, perMonth float64) *Table {
	var bds []Breakdown
	for _, name := range []string{"sex", "age_group", "citizenship_group", "service_language", "service_type", "client_group"} {
		bds = append(bds, tenCategories(name))
	}
	tb, err := nationalTable(seed, 3, bds, perMonth)
	if err != nil {
		b.Fatal(err)
	}
	return tb
}

// BenchmarkProtectNational plans one indicator at national scale; the
// issue's snapshot has about 15 such indicators, planned independently.
func BenchmarkProtectNational(b *testing.B) {
	for _, perMonth := range []float64{2500} {
		tb := nationalIndicator(b, 1, perMonth)
		b.Run(fmt.Sprintf("cells=%d/perMonth=%g", tb.Len(), perMonth), func(b *testing.B) {
			var p *Plan
			for b.Loop() {
				var err error
				if p, err = Protect(tb, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(p.Count(Small)), "small")
			b.ReportMetric(float64(p.Count(Complementary)), "complementary")
			b.ReportMetric(float64(p.Fallbacks), "fallbacks")
		})
	}
}
