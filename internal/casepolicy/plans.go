package casepolicy

import (
	"strconv"

	"github.com/kotodigi/kotodigi/internal/calendar"
	"github.com/kotodigi/kotodigi/internal/model"
)

// deadline moves a statutory due date that falls on a non-working day to the
// next business day (Act 150/1930 on the calculation of time limits, § 5).
func deadline(d model.Date) model.Date { return calendar.NextBusinessDay(d) }

// EligibilityEnd is the last day of the R12 window that starts on the first
// permit date: EligibilityYears later, moved to the next business day.
func (p Policy) EligibilityEnd(first model.Date) model.Date {
	return deadline(first.AddDate(p.EligibilityYears, 0, 0))
}

// CheckEligibility checks the R12 window for a date recorded in field: within
// EligibilityYears of the first permit date, unless an exception applies
// (victims of human trafficking). It reports whether the window could be
// checked at all (false when the first permit date is unknown).
func (p Policy) CheckEligibility(v *model.Validation, field string, d model.Date, first *model.Date, exception bool) (checked bool) {
	if first == nil {
		return false
	}
	if d.After(p.EligibilityEnd(*first)) && !exception {
		v.AddParam(field, model.FieldOutsideEligibility, strconv.Itoa(p.EligibilityYears))
	}
	return true
}

// Span is the period of a plan, both days included.
type Span struct{ Start, End model.Date }

func (s Span) days() int { return int(s.End.Time().Sub(s.Start.Time()).Hours() / 24) }

// NewPlan is an integration plan about to be recorded, with what its rules
// depend on.
type NewPlan struct {
	Span
	// FirstPermit is the client's first permit date (nil: unknown).
	FirstPermit *model.Date
	// EligibilityException: an exception given on the plan or recorded on an
	// assessment of the client.
	EligibilityException bool
	// ExceedsTwoYearsReason: a reason for plans longer than PlansMaxMonths in total is given.
	ExceedsTwoYearsReason bool
	// Earlier are the client's plans recorded so far.
	Earlier []Span
}

// CheckPlan adds to v the field errors of the R12 plan rules: the start lies
// within the eligibility window; plans do not overlap (a plan may start on
// the day the previous one ends); the client's first plan lasts at most
// FirstPlanMaxMonths; all plans together at most PlansMaxMonths unless a
// reason is given. It reports whether eligibility could be checked.
func (p Policy) CheckPlan(v *model.Validation, n NewPlan) (eligibilityChecked bool) {
	eligibilityChecked = p.CheckEligibility(v, "start_date", n.Start, n.FirstPermit, n.EligibilityException)
	for _, o := range n.Earlier {
		// Periods [start, end] overlap unless one ends on or before the other starts.
		if n.Start.Before(o.End) && o.Start.Before(n.End) || n.Start == o.Start {
			v.Add("start_date", model.FieldOverlappingPlan)
			break
		}
	}
	if len(n.Earlier) == 0 && n.End.After(n.Start.AddDate(0, p.FirstPlanMaxMonths, 0)) {
		v.AddParam("end_date", model.FieldPlanTooLong, strconv.Itoa(p.FirstPlanMaxMonths))
	}
	if v.Has("end_date") || v.Has("start_date") {
		return eligibilityChecked
	}
	first, total := n.Start, n.days()
	for _, o := range n.Earlier {
		total += o.days()
		if o.Start.Before(first) {
			first = o.Start
		}
	}
	if total > (Span{first, first.AddDate(0, p.PlansMaxMonths, 0)}).days() && !n.ExceedsTwoYearsReason {
		v.AddParam("end_date", model.FieldPlansExceedTwoYears, strconv.Itoa(p.PlansMaxMonths))
	}
	return eligibilityChecked
}
