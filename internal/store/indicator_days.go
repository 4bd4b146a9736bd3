package store

import (
	"context"
	"fmt"

	"github.com/kotodigi/kotodigi/internal/casepolicy"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/indicators"
	"github.com/kotodigi/kotodigi/internal/model"
)

// The statutory due dates of every day, for the overdue-deadlines indicator:
// computed by the worklist's own rules (casepolicy.Policy.Deadlines) and kept
// in indicator_days, so that the indicator's SQL compares dates only.

// dueDates returns, for day d: d moved to a business day (a planned review
// or plan date), the plan-preparation due date of an assessment on d, and
// the service-guidance due date of a plan starting on d.
func dueDates(p casepolicy.Policy, d model.Date) (business, preparation, guidance model.Date) {
	due := func(c casepolicy.Case, kind string) model.Date {
		for _, x := range p.Deadlines(c, d) {
			if x.Kind == kind {
				return x.Due
			}
		}
		panic("casepolicy: no " + kind + " deadline") // the cases below always have one
	}
	plan := casepolicy.Plan{ID: "p", Start: d, End: d.AddDate(1, 0, 0), PlannedReviewDate: &d}
	business = due(casepolicy.Case{Plans: []casepolicy.Plan{plan}}, casepolicy.ReviewDue)
	preparation = due(casepolicy.Case{LatestAssessment: &casepolicy.Assessment{ID: "a", Date: d}}, casepolicy.PlanPreparation)
	guidance = due(casepolicy.Case{Plans: []casepolicy.Plan{plan}}, casepolicy.ServiceGuidance)
	return business, preparation, guidance
}

// fillIndicatorDays (re)fills indicator_days from maxHistoryYears before
// month last to a year after it, when the case policy or the range changed.
func (s *Store) fillIndicatorDays(ctx context.Context, tx *db.Tx, last indicators.Month) error {
	p := s.cases()
	first := (last - 12*maxHistoryYears).FirstDay()
	end := (last + 13).FirstDay()
	want := fmt.Sprintf("preparation=%d guidance=%d from=%s to=%s", p.PlanPreparationMonths, p.ServiceGuidanceMonths, first, end)
	var have string
	err := tx.QueryRow(ctx, `SELECT value FROM indicator_settings WHERE name = 'days'`).Scan(&have)
	if err != nil && !isNoRows(err) {
		return err
	}
	if have == want {
		return nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM indicator_days`); err != nil {
		return err
	}
	var rows [][]any
	for d := first; d.Before(end); d = d.AddDate(0, 0, 1) {
		b, pr, g := dueDates(p, d)
		rows = append(rows, []any{d, b, pr, g})
	}
	if err := tx.InsertRows(ctx, "indicator_days", []string{"day date", "business_day date", "preparation_due date", "guidance_due date"}, rows); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO indicator_settings (name, value) VALUES ('days', $1)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, want)
	return err
}
