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

// BenchmarkProtectNational plans one indicator at national scale (the
// issue's snapshot has about 15 such indicators, planned independently),
// a smaller table of one year and one breakdown, and one year of an
// indicator at the density of a million clients (most cells large, many
// small ones among them).
func BenchmarkProtectNational(b *testing.B) {
	small, err := nationalTable(1, 1, []Breakdown{tenCategories("client_group")}, 2500)
	if err != nil {
		b.Fatal(err)
	}
	sparse, err := nationalTable(2, 1, []Breakdown{tenCategories("client_group"), sexBreakdown}, 60)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		tb   *Table
	}{
		{"sparse-1year-2breakdowns", sparse},
		{"1year-1breakdown", small},
		{"3years-6breakdowns", nationalIndicator(b, 1, 2500)},
		{"dense-1year-6breakdowns", denseYear(b)},
	} {
		b.Run(fmt.Sprintf("%s/cells=%d", tc.name, tc.tb.Len()), func(b *testing.B) {
			var p *Plan
			for b.Loop() {
				var err error
				if p, err = Protect(tc.tb, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(p.Count(Small)), "small")
			b.ReportMetric(float64(p.Count(Complementary)), "complementary")
			b.ReportMetric(float64(p.Fallbacks), "fallbacks")
		})
	}
}

// denseYear is one year of an indicator with the six ten-category
// breakdowns at 28,000 clients a month.
func denseYear(b testing.TB) *Table {
	var bds []Breakdown
	for _, name := range []string{"sex", "age_group", "citizenship_group", "service_language", "service_type", "client_group"} {
		bds = append(bds, tenCategories(name))
	}
	tb, err := nationalTable(1, 1, bds, 28000)
	if err != nil {
		b.Fatal(err)
	}
	return tb
}
