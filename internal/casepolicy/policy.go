// Package casepolicy holds the pure rules of case records (R12): the
// settings the source material leaves open, the statutory deadlines that
// drive worklists (deadlines.go) and the rules a new integration plan must
// meet (plans.go). It does no I/O: the store reads the data and asks these.
package casepolicy

import "github.com/kotodigi/kotodigi/internal/model"

// Policy holds the limits and deadlines of case records (R12). The law
// fixes some of them; the rest are uncertain in the source material and are
// therefore configuration (DESIGN.md § 1). Zero fields take the defaults of
// Default (WithDefaults).
type Policy struct {
	// EligibilityYears: an assessment or plan is possible within this many
	// years of the client's first residence permit, card or registration (3).
	EligibilityYears int
	// EligibilityWarnDays: the worklist warns this many days before the
	// eligibility window closes for a client without a plan (90).
	EligibilityWarnDays int
	// FirstPlanMaxMonths: the longest first integration plan (12).
	FirstPlanMaxMonths int
	// PlansMaxMonths: the longest total of a client's plans without a recorded
	// reason (exceeds_two_years_reason) (24).
	PlansMaxMonths int
	// PlanPreparationMonths: plan preparation is due this long after the
	// assessment when the assessment gives no planned_plan_date (2).
	PlanPreparationMonths int
	// ServiceGuidanceMonths: the client must be guided to a service within
	// this long of a plan's start (6).
	ServiceGuidanceMonths int
	// ReviewWarnDays: a planned review appears on the worklist this many days
	// before its date (30).
	ReviewWarnDays int
	// PlanEndingWarnDays: a plan's end appears on the worklist this many days
	// before it (30).
	PlanEndingWarnDays int
	// ReadAfterTransferDays: after a transfer the previous municipality may
	// read the client for this many days (90).
	ReadAfterTransferDays int
}

// Default is the policy used for zero fields.
var Default = Policy{
	EligibilityYears:      3,
	EligibilityWarnDays:   90,
	FirstPlanMaxMonths:    12,
	PlansMaxMonths:        24,
	PlanPreparationMonths: 2,
	ServiceGuidanceMonths: 6,
	ReviewWarnDays:        30,
	PlanEndingWarnDays:    30,
	ReadAfterTransferDays: 90,
}

// WithDefaults returns p with every zero or negative field set from Default.
func (p Policy) WithDefaults() Policy {
	d := Default
	for _, f := range []struct{ v, def *int }{
		{&p.EligibilityYears, &d.EligibilityYears}, {&p.EligibilityWarnDays, &d.EligibilityWarnDays},
		{&p.FirstPlanMaxMonths, &d.FirstPlanMaxMonths}, {&p.PlansMaxMonths, &d.PlansMaxMonths},
		{&p.PlanPreparationMonths, &d.PlanPreparationMonths}, {&p.ServiceGuidanceMonths, &d.ServiceGuidanceMonths},
		{&p.ReviewWarnDays, &d.ReviewWarnDays}, {&p.PlanEndingWarnDays, &d.PlanEndingWarnDays},
		{&p.ReadAfterTransferDays, &d.ReadAfterTransferDays},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	return p
}

// ReadUntil is the last day on which the previous municipality may read a
// client transferred away on day.
func (p Policy) ReadUntil(day model.Date) model.Date {
	return day.AddDate(0, 0, p.ReadAfterTransferDays)
}
