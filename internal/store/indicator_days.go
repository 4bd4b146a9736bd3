package store

import (
	"context"
	"fmt"
	"strings"

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
	const batch = 400
	for d := first; d.Before(end); {
		var q strings.Builder
		q.WriteString(`INSERT INTO indicator_days (day, business_day, preparation_due, guidance_due) VALUES `)
		var args []any
		for i := 0; i < batch && d.Before(end); i, d = i+1, d.AddDate(0, 0, 1) {
			if i > 0 {
				q.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&q, "($%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4)
			b, pr, g := dueDates(p, d)
			args = append(args, d, b, pr, g)
		}
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, `INSERT INTO indicator_settings (name, value) VALUES ('days', $1)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, want)
	return err
}
