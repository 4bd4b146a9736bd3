package store

import (
	"cmp"
	"context"
	"database/sql"
	"slices"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/calendar"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// Worklist item kinds.
const (
	// WorkPlanPreparation: an assessment found (or did not rule out) the need
	// for a plan and no plan has started since; due on the assessment's
	// planned_plan_date, or PlanPreparationMonths after the assessment.
	WorkPlanPreparation = "plan_preparation"
	// WorkServiceGuidance: no service recorded since the latest plan started;
	// due ServiceGuidanceMonths after the start.
	WorkServiceGuidance = "service_guidance"
	// WorkReviewDue: the latest plan's planned review has not been recorded;
	// listed from ReviewWarnDays before the planned date.
	WorkReviewDue = "review_due"
	// WorkPlanEnding: the latest plan ends within PlanEndingWarnDays.
	WorkPlanEnding = "plan_ending"
	// WorkEligibilityClosing: a client without a plan whose eligibility window
	// (EligibilityYears from the first permit) closes within EligibilityWarnDays.
	WorkEligibilityClosing = "eligibility_window_closing"
)

// WorklistItem is a statutory deadline of one client. DueDate has been moved
// off weekends and holidays to the next business day; Overdue means it has
// passed. RecordID is the record the deadline comes from (the assessment, the
// plan, or for the eligibility window the client).
type WorklistItem struct {
	ClientID string `json:"client_id"`
	// ClientName is "Last, First" (the worklist read is audited with the clients shown).
	ClientName string     `json:"client_name"`
	Kind       string     `json:"kind"`
	DueDate    model.Date `json:"due_date"`
	Overdue    bool       `json:"overdue"`
	RecordID   string     `json:"record_id"`
}

// WorklistFilter selects a worklist: one municipality's clients, and with
// Mine only the items of records the caller recorded (for the eligibility
// window: clients the caller registered).
type WorklistFilter struct {
	Municipality string
	Mine         bool
}

// deadline moves a statutory due date that falls on a non-working day to the
// next business day (Act 150/1930 on the calculation of time limits, § 5).
func deadline(d model.Date) model.Date { return calendar.NextBusinessDay(d) }

// eligibilityEnd is the last day of the R12 window that starts on first.
func (s *Store) eligibilityEnd(first model.Date) model.Date {
	return deadline(first.AddDate(s.cases().EligibilityYears, 0, 0))
}

type worklistClient struct {
	id        string
	name      string
	first     model.NullDate
	createdBy sql.NullInt64
}

type worklistAssessment struct {
	id, clientID string
	date         model.Date
	planned      model.NullDate
	planNeeded   sql.NullBool
	createdBy    sql.NullInt64
}

type worklistPlan struct {
	id, clientID string
	start, end   model.Date
	review       model.NullDate
	createdBy    sql.NullInt64
	reviewed     bool
}

// Worklist lists the due and overdue statutory deadlines of a municipality's
// clients that the caller may read (R12), soonest first. Audited as
// worklist.read with the clients shown.
func (s *Store) Worklist(ctx context.Context, actor Actor, f WorklistFilter) ([]WorklistItem, error) {
	pol := s.cases()
	today := s.Today()
	out := []WorklistItem{}
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev := actor.event(authz.WorklistRead, audit.Allowed)
		ev.Municipality = f.Municipality
		if f.Mine {
			ev.Detail = "mine"
		}
		if _, ok := s.ref.Municipality(f.Municipality); !ok {
			ev.Detail = "no such municipality"
			return s.deny(ctx, tx, ev, model.ErrNotFound)
		}
		if actor.Principal == nil {
			return model.ErrForbidden
		}
		d := actor.Principal.Allowed(authz.WorklistRead, f.Municipality)
		if !d.Allowed {
			return s.deny(ctx, tx, ev, model.Errorf(model.CodeForbidden, "no access to this municipality's clients"))
		}
		ev.GrantID = d.GrantID
		me := actor.Principal.AccountID
		scope := `c.municipality_code = $1 AND EXISTS (` + grantFilter(authz.WorklistRead, "$2", "$3") + `)`
		args := []any{f.Municipality, me, today}
		query := func(q string, scan func(*sql.Rows) error) error {
			rows, err := tx.Query(ctx, q, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				if err := scan(rows); err != nil {
					return err
				}
			}
			return rows.Err()
		}
		var clients []worklistClient
		names := map[string]string{}
		if err := query(`SELECT c.id, c.first_permit_date, c.created_by, c.last_name, c.first_names FROM clients c WHERE `+scope+` ORDER BY c.id`, func(r *sql.Rows) error {
			var c worklistClient
			var last, first string
			if err := r.Scan(&c.id, &c.first, &c.createdBy, &last, &first); err != nil {
				return err
			}
			c.name = last + ", " + first
			names[c.id] = c.name
			clients = append(clients, c)
			return nil
		}); err != nil {
			return err
		}
		latestAssessment := map[string]worklistAssessment{}
		if err := query(`SELECT a.id, a.client_id, a.date, a.planned_plan_date, a.plan_needed, a.created_by
			FROM assessments a JOIN clients c ON c.id = a.client_id WHERE `+scope+` ORDER BY a.date, a.created_at, a.id`, func(r *sql.Rows) error {
			var a worklistAssessment
			if err := r.Scan(&a.id, &a.clientID, &a.date, &a.planned, &a.planNeeded, &a.createdBy); err != nil {
				return err
			}
			latestAssessment[a.clientID] = a
			return nil
		}); err != nil {
			return err
		}
		plans := map[string][]worklistPlan{} // by client, by start date
		if err := query(`SELECT p.id, p.client_id, p.start_date, p.end_date, p.planned_review_date, p.created_by,
			EXISTS (SELECT 1 FROM plan_reviews r WHERE r.plan_id = p.id)
			FROM plans p JOIN clients c ON c.id = p.client_id WHERE `+scope+` ORDER BY p.start_date, p.created_at, p.id`, func(r *sql.Rows) error {
			var p worklistPlan
			if err := r.Scan(&p.id, &p.clientID, &p.start, &p.end, &p.review, &p.createdBy, &p.reviewed); err != nil {
				return err
			}
			plans[p.clientID] = append(plans[p.clientID], p)
			return nil
		}); err != nil {
			return err
		}
		lastService := map[string]model.Date{}
		if err := query(`SELECT s.client_id, s.date FROM services s JOIN clients c ON c.id = s.client_id WHERE `+scope+` ORDER BY s.date`, func(r *sql.Rows) error {
			var id string
			var d model.Date
			if err := r.Scan(&id, &d); err != nil {
				return err
			}
			lastService[id] = d
			return nil
		}); err != nil {
			return err
		}

		add := func(clientID, kind, recordID string, createdBy sql.NullInt64, due model.Date) {
			if f.Mine && (!createdBy.Valid || createdBy.Int64 != me) {
				return
			}
			due = deadline(due)
			out = append(out, WorklistItem{ClientID: clientID, ClientName: names[clientID], Kind: kind, DueDate: due, Overdue: today.After(due), RecordID: recordID})
		}
		for _, c := range clients {
			ps := plans[c.id]
			if a, ok := latestAssessment[c.id]; ok && (!a.planNeeded.Valid || a.planNeeded.Bool) &&
				!slices.ContainsFunc(ps, func(p worklistPlan) bool { return !p.start.Before(a.date) }) {
				due := a.date.AddDate(0, pol.PlanPreparationMonths, 0)
				if a.planned.Valid {
					due = a.planned.Date
				}
				add(c.id, WorkPlanPreparation, a.id, a.createdBy, due)
			}
			if len(ps) == 0 {
				if c.first.Valid {
					end := s.eligibilityEnd(c.first.Date)
					if !today.Before(end.AddDate(0, 0, -pol.EligibilityWarnDays)) && !today.After(end) {
						add(c.id, WorkEligibilityClosing, c.id, c.createdBy, end)
					}
				}
				continue
			}
			p := ps[len(ps)-1]
			if last, ok := lastService[c.id]; !ok || last.Before(p.start) {
				add(c.id, WorkServiceGuidance, p.id, p.createdBy, p.start.AddDate(0, pol.ServiceGuidanceMonths, 0))
			}
			if p.review.Valid && !p.reviewed && !today.Before(p.review.Date.AddDate(0, 0, -pol.ReviewWarnDays)) {
				add(c.id, WorkReviewDue, p.id, p.createdBy, p.review.Date)
			}
			if !today.Before(p.end.AddDate(0, 0, -pol.PlanEndingWarnDays)) && !today.After(p.end) {
				add(c.id, WorkPlanEnding, p.id, p.createdBy, p.end)
			}
		}
		slices.SortFunc(out, func(a, b WorklistItem) int {
			return cmp.Or(a.DueDate.Time().Compare(b.DueDate.Time()), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ClientID, b.ClientID))
		})
		n := len(out)
		ev.ResultCount = &n
		for _, it := range out {
			if !slices.Contains(ev.ClientIDs, it.ClientID) {
				ev.ClientIDs = append(ev.ClientIDs, it.ClientID)
			}
		}
		return s.record(ctx, tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
