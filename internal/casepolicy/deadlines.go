package casepolicy

import (
	"cmp"
	"slices"

	"github.com/kotodigi/kotodigi/internal/model"
)

// Deadline kinds.
const (
	// PlanPreparation: an assessment found (or did not rule out) the need
	// for a plan and no plan has started since; due on the assessment's
	// planned_plan_date, or PlanPreparationMonths after the assessment.
	PlanPreparation = "plan_preparation"
	// ServiceGuidance: no service recorded since the latest plan started;
	// due ServiceGuidanceMonths after the start.
	ServiceGuidance = "service_guidance"
	// ReviewDue: the latest plan's planned review has not been recorded;
	// listed from ReviewWarnDays before the planned date.
	ReviewDue = "review_due"
	// PlanEnding: the latest plan ends within PlanEndingWarnDays.
	PlanEnding = "plan_ending"
	// EligibilityClosing: a client without a plan whose eligibility window
	// (EligibilityYears from the first permit) closes within EligibilityWarnDays.
	EligibilityClosing = "eligibility_window_closing"
	// ResidenceUpdate: the client's recorded residence basis has expired
	// (a client migrated with --accept-expired-residence, or a basis that
	// ended since); due the day after it ended.
	ResidenceUpdate = "residence_basis_update"
)

// Case is what the deadlines of one client depend on. RecordedBy members
// are account ids (0: the operator or an import).
type Case struct {
	ClientID     string
	FirstPermit  *model.Date
	RegisteredBy int64
	// ResidenceValidUntil is the end of the recorded residence basis, if any.
	ResidenceValidUntil *model.Date
	// LatestAssessment is the client's latest assessment, if any.
	LatestAssessment *Assessment
	// Plans are the client's plans by start date.
	Plans []Plan
	// LastService is the date of the client's latest service, if any.
	LastService *model.Date
}

// Assessment is what the deadlines need of an assessment.
type Assessment struct {
	ID              string
	Date            model.Date
	PlannedPlanDate *model.Date
	// PlanNeeded: nil when the assessment did not decide (treated as needed).
	PlanNeeded *bool
	RecordedBy int64
}

// Plan is what the deadlines need of a plan.
type Plan struct {
	ID                string
	Start, End        model.Date
	PlannedReviewDate *model.Date
	// Reviewed: a review of the plan has been recorded.
	Reviewed   bool
	RecordedBy int64
}

// Deadline is one statutory deadline of a client. Due has been moved off
// weekends and holidays to the next business day; Overdue means it has
// passed. RecordID is the record the deadline comes from (the assessment,
// the plan, or for the eligibility window the client), RecordedBy who
// recorded it.
type Deadline struct {
	ClientID   string
	Kind       string
	Due        model.Date
	Overdue    bool
	RecordID   string
	RecordedBy int64
}

// Deadlines lists the due and overdue deadlines of one client on day today.
func (p Policy) Deadlines(c Case, today model.Date) []Deadline {
	var out []Deadline
	add := func(kind, recordID string, recordedBy int64, due model.Date) {
		due = deadline(due)
		out = append(out, Deadline{ClientID: c.ClientID, Kind: kind, Due: due, Overdue: today.After(due), RecordID: recordID, RecordedBy: recordedBy})
	}
	within := func(from, to model.Date) bool { return !today.Before(from) && !today.After(to) }
	if u := c.ResidenceValidUntil; u != nil && u.Before(today) {
		add(ResidenceUpdate, c.ClientID, c.RegisteredBy, u.AddDate(0, 0, 1))
	}
	if a := c.LatestAssessment; a != nil && (a.PlanNeeded == nil || *a.PlanNeeded) &&
		!slices.ContainsFunc(c.Plans, func(pl Plan) bool { return !pl.Start.Before(a.Date) }) {
		due := a.Date.AddDate(0, p.PlanPreparationMonths, 0)
		if a.PlannedPlanDate != nil {
			due = *a.PlannedPlanDate
		}
		add(PlanPreparation, a.ID, a.RecordedBy, due)
	}
	if len(c.Plans) == 0 {
		if c.FirstPermit != nil {
			end := p.EligibilityEnd(*c.FirstPermit)
			if within(end.AddDate(0, 0, -p.EligibilityWarnDays), end) {
				add(EligibilityClosing, c.ClientID, c.RegisteredBy, end)
			}
		}
		return out
	}
	pl := c.Plans[len(c.Plans)-1]
	if c.LastService == nil || c.LastService.Before(pl.Start) {
		add(ServiceGuidance, pl.ID, pl.RecordedBy, pl.Start.AddDate(0, p.ServiceGuidanceMonths, 0))
	}
	if r := pl.PlannedReviewDate; r != nil && !pl.Reviewed && !today.Before(r.AddDate(0, 0, -p.ReviewWarnDays)) {
		add(ReviewDue, pl.ID, pl.RecordedBy, *r)
	}
	if within(pl.End.AddDate(0, 0, -p.PlanEndingWarnDays), pl.End) {
		add(PlanEnding, pl.ID, pl.RecordedBy, pl.End)
	}
	return out
}

// SortDeadlines orders deadlines soonest first (then by kind and client).
func SortDeadlines(ds []Deadline) {
	slices.SortFunc(ds, func(a, b Deadline) int {
		return cmp.Or(a.Due.Time().Compare(b.Due.Time()), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ClientID, b.ClientID))
	})
}
