package store

import (
	"slices"
	"testing"

	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/indicators"
)

// TestEveryIndicatorHasAComputation: the catalogue (data) and the SQL (code)
// name the same indicators, on both engines, whatever optional columns exist;
// an indicator that requires data is computed exactly when the data exists.
func TestEveryIndicatorHasAComputation(t *testing.T) {
	cat := indicators.MustLoadCatalogue()
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		for _, all := range []bool{false, true} {
			q := factQueries(d, func(string) bool { return all })
			for _, ind := range cat.Indicators {
				_, ok := q[ind.ID]
				if want := ind.Requires == "" || all; ok != want {
					t.Errorf("%s (columns present: %v): computed %v, want %v", ind.ID, all, ok, want)
				}
				if dim, ok := extraDim[ind.ID]; ok && !slices.Contains(ind.Breakdowns, []string{"sex", "age_group", "citizenship_group",
					"service_language", "client_group", "service_type", "cefr_level", "closure_reason"}[dim]) {
					t.Errorf("%s: its own breakdown is not in the catalogue", ind.ID)
				}
			}
			for id := range q {
				if cat.Indicator(id) == nil {
					t.Errorf("%s is computed but not in the catalogue", id)
				}
			}
		}
	}
}
