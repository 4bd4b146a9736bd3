package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/google/uuid"
	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/casepolicy"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// cases is the case-record policy in force.
func (s *Store) cases() casepolicy.Policy { return s.opts.Cases.WithDefaults() }

// ParseRecordID returns the canonical form of a case record id (a UUID), or not found.
func ParseRecordID(id string) (string, error) { return ParseClientID(id) }

// readableAfterTransfer reports whether the actor may still read a client
// that its municipality transferred away (so that a write is 403, not 404).
func (s *Store) readableAfterTransfer(ctx context.Context, tx *db.Tx, actor Actor, clientID string) bool {
	if actor.Principal == nil {
		return false
	}
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM clients c WHERE c.id = $1 AND EXISTS (`+grantFilter(authz.ClientRead, "$2", "$3")+`)`,
		clientID, actor.Principal.AccountID, s.Today()).Scan(&one)
	return err == nil
}

// lockClient serialises case-record writes of one client (plan overlap and
// length checks, the jobseeker check against a concurrent change) by
// touching the client's row; it returns the client's current jobseeker status.
func lockClient(ctx context.Context, tx *db.Tx, clientID string) (jobseeker bool, err error) {
	if _, err := tx.Exec(ctx, `UPDATE clients SET updated_at = updated_at WHERE id = $1`, clientID); err != nil {
		return false, err
	}
	err = tx.QueryRow(ctx, `SELECT jobseeker FROM clients WHERE id = $1`, clientID).Scan(&jobseeker)
	return jobseeker, err
}

func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// jsonColumns encodes the values of JSON columns.
func jsonColumns(vs ...any) ([]string, error) {
	out := make([]string, len(vs))
	for i, v := range vs {
		var err error
		if out[i], err = toJSON(v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// languageTestColumn is the final_language_test column of a service (NULL: none).
func languageTestColumn(t *model.LanguageTest) (any, error) {
	if t == nil {
		return nil, nil
	}
	return toJSON(t)
}

// fromJSON decodes JSON columns: pairs of a column's bytes and where to put them.
func fromJSON(pairs ...any) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := json.Unmarshal(pairs[i].([]byte), pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func eligibilityDetail(checked bool, exception *string) string {
	switch {
	case exception != nil:
		return " eligibility_exception=" + *exception
	case !checked:
		return " eligibility=not_checked"
	}
	return ""
}

// CreateAssessment records a competence and integration service-needs
// assessment (§ 14, Decree 874/2024 § 1) for a client the actor may change.
// The date must lie
// within the eligibility window (R12) unless an exception is given; when the
// client's first permit date is unknown the assessment is stored with
// eligibility_checked false.
func (s *Store) CreateAssessment(ctx context.Context, actor Actor, clientID string, in model.AssessmentInput) (model.Assessment, error) {
	var out model.Assessment
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		c, grantID, err := s.readClient(ctx, tx, actor, authz.AssessmentCreate, clientID)
		if err != nil {
			return err
		}
		if err := s.refuseClosed(ctx, tx, actor, authz.AssessmentCreate, c, grantID); err != nil {
			return err
		}
		a, verr := in.Normalize()
		v := fieldErrors(verr)
		if verr != nil && v == nil {
			return verr
		}
		if !v.Has("date") {
			a.EligibilityChecked = s.cases().CheckEligibility(v, "date", a.Date, c.ResidenceBasis.FirstPermitDate, a.EligibilityException != nil)
		}
		if err := v.Err(); err != nil {
			return s.refuse(ctx, tx, actor, authz.AssessmentCreate, c, grantID, err)
		}
		a.ID, a.ClientID, a.CreatedAt, a.RecordState = uuid.NewString(), c.ID, s.Now(), newRecordState()
		cols, err := jsonColumns(a.Content, a.Preparers, a.Sources)
		if err != nil {
			return err
		}
		content, preparers, sources := cols[0], cols[1], cols[2]
		if _, err := tx.Exec(ctx, `INSERT INTO assessments (id, client_id, municipality_code, date, content, plan_needed,
			specifying_measures, planned_plan_date, preparers, sources, wellbeing_county_participated, eligibility_exception,
			eligibility_checked, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			a.ID, a.ClientID, c.Municipality, a.Date, content, nullBool(a.Content.IntegrationPlanNeeded), a.SpecifyingMeasures,
			model.NullDateOf(a.PlannedPlanDate), preparers, sources, a.WellbeingCountyParticipated, nullable(a.EligibilityException),
			a.EligibilityChecked, a.CreatedAt, actor.accountID()); err != nil {
			return err
		}
		ev := actor.event(authz.AssessmentCreate, audit.Allowed)
		ev.ClientID, ev.Municipality, ev.GrantID = c.ID, c.Municipality, grantID
		ev.Detail = "assessment=" + a.ID + eligibilityDetail(a.EligibilityChecked, a.EligibilityException)
		if err := s.record(ctx, tx, ev); err != nil {
			return err
		}
		out = a
		return nil
	})
	return out, err
}

// fieldErrors returns the field errors of a validation error as a Validation
// to add to, an empty one for nil, and nil for any other error.
func fieldErrors(err error) *model.Validation {
	if err == nil {
		return &model.Validation{}
	}
	e, ok := err.(*model.Error)
	if !ok || e.Code != model.CodeValidationFailed {
		return nil
	}
	return &model.Validation{Fields: e.Fields}
}

func nullBool(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

// CreatePlan records an integration plan (§ 16, Decree 874/2024 § 2) for a
// client the actor may change, if it meets the rules of R12
// (casepolicy.Policy.CheckPlan).
func (s *Store) CreatePlan(ctx context.Context, actor Actor, clientID string, in model.PlanInput) (model.Plan, error) {
	var out model.Plan
	pol := s.cases()
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		c, grantID, err := s.readClient(ctx, tx, actor, authz.PlanCreate, clientID)
		if err != nil {
			return err
		}
		if err := s.refuseClosed(ctx, tx, actor, authz.PlanCreate, c, grantID); err != nil {
			return err
		}
		p, verr := in.Normalize()
		v := fieldErrors(verr)
		if verr != nil && v == nil {
			return verr
		}
		if v.Has("start_date") || v.Has("end_date") {
			return v.Err()
		}
		if _, err := lockClient(ctx, tx, c.ID); err != nil {
			return err
		}
		// An exception recorded on an assessment carries over to the plans.
		exception := p.EligibilityException
		if exception == nil {
			var e sql.NullString
			err := tx.QueryRow(ctx, `SELECT MAX(a.eligibility_exception) FROM assessments a WHERE a.client_id = $1`, c.ID).Scan(&e)
			if err != nil {
				return err
			}
			exception = ptr(e)
		}
		earlier, err := planSpans(ctx, tx, c.ID, "")
		if err != nil {
			return err
		}
		p.EligibilityChecked = pol.CheckPlan(v, casepolicy.NewPlan{Span: casepolicy.Span{Start: p.StartDate, End: p.EndDate},
			FirstPermit: c.ResidenceBasis.FirstPermitDate, EligibilityException: exception != nil,
			ExceedsTwoYearsReason: p.ExceedsTwoYearsReason != nil, Earlier: earlier})
		if err := v.Err(); err != nil {
			return s.refuse(ctx, tx, actor, authz.PlanCreate, c, grantID, err)
		}
		p.ID, p.ClientID, p.Municipality, p.CreatedAt, p.RecordState = uuid.NewString(), c.ID, c.Municipality, s.Now(), newRecordState()
		cols, err := jsonColumns(p.Measures, p.Preparers, p.Sources)
		if err != nil {
			return err
		}
		measures, preparers, sources := cols[0], cols[1], cols[2]
		if _, err := tx.Exec(ctx, `INSERT INTO plans (id, client_id, municipality_code, start_date, end_date, goals, measures,
			preparers, planned_review_date, sources, exceeds_two_years_reason, eligibility_exception, eligibility_checked, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			p.ID, p.ClientID, p.Municipality, p.StartDate, p.EndDate, p.Goals, measures, preparers, model.NullDateOf(p.PlannedReviewDate),
			sources, nullable(p.ExceedsTwoYearsReason), nullable(p.EligibilityException), p.EligibilityChecked, p.CreatedAt, actor.accountID()); err != nil {
			return err
		}
		ev := actor.event(authz.PlanCreate, audit.Allowed)
		ev.ClientID, ev.Municipality, ev.GrantID = c.ID, c.Municipality, grantID
		ev.Detail = "plan=" + p.ID + eligibilityDetail(p.EligibilityChecked, exception)
		if p.ExceedsTwoYearsReason != nil {
			ev.Detail += " exceeds_two_years"
		}
		if err := s.record(ctx, tx, ev); err != nil {
			return err
		}
		out = p
		return nil
	})
	return out, err
}

// planSpans lists the periods of a client's plans, but for plan exclude
// ("": none) and plans entered in error.
func planSpans(ctx context.Context, tx *db.Tx, clientID, exclude string) ([]casepolicy.Span, error) {
	var out []casepolicy.Span
	err := queryEach(ctx, tx, `SELECT p.start_date, p.end_date FROM plans p WHERE p.client_id = $1 AND CAST(p.id AS text) <> $2
		AND NOT p.entered_in_error ORDER BY p.start_date`, []any{clientID, exclude},
		func(r *sql.Rows) error {
			var sp casepolicy.Span
			if err := r.Scan(&sp.Start, &sp.End); err != nil {
				return err
			}
			out = append(out, sp)
			return nil
		})
	return out, err
}

const planColumns = `p.id, p.client_id, p.municipality_code, p.start_date, p.end_date, p.goals, p.measures, p.preparers,
	p.planned_review_date, p.sources, p.exceeds_two_years_reason, p.eligibility_exception, p.eligibility_checked, p.created_at,
	p.version, p.entered_in_error, p.updated_at`

func scanPlan(r rowScanner) (model.Plan, error) {
	var p model.Plan
	var measures, preparers, sources []byte
	var review model.NullDate
	var reason, exception sql.NullString
	var updated sql.NullTime
	if err := r.Scan(&p.ID, &p.ClientID, &p.Municipality, &p.StartDate, &p.EndDate, &p.Goals, &measures, &preparers,
		&review, &sources, &reason, &exception, &p.EligibilityChecked, &p.CreatedAt, &p.Version, &p.EnteredInError, &updated); err != nil {
		return p, err
	}
	if err := fromJSON(measures, &p.Measures, preparers, &p.Preparers, sources, &p.Sources); err != nil {
		return p, err
	}
	p.PlannedReviewDate, p.ExceedsTwoYearsReason, p.EligibilityException = review.Ptr(), ptr(reason), ptr(exception)
	p.CreatedAt = p.CreatedAt.UTC()
	p.Reviews = []model.PlanReview{}
	p.UpdatedAt, p.Versions = timePtr(updated), []model.RecordVersion{}
	return p, nil
}

// planOfClient reads a plan of the client, recording a denied event when the
// plan does not exist or belongs to another client.
func (s *Store) planOfClient(ctx context.Context, tx *db.Tx, actor Actor, action authz.Action, c model.Client, planID string) (model.Plan, error) {
	ev := actor.event(action, audit.Denied)
	ev.ClientID, ev.Municipality = c.ID, c.Municipality
	pid, err := ParseRecordID(planID)
	if err != nil {
		ev.Detail = "malformed plan id"
		return model.Plan{}, s.deny(ctx, tx, ev, model.ErrNotFound)
	}
	p, err := scanPlan(tx.QueryRow(ctx, `SELECT `+planColumns+` FROM plans p WHERE p.id = $1 AND p.client_id = $2`, pid, c.ID))
	if isNoRows(err) {
		ev.Detail = "plan=" + pid + " not a plan of this client"
		return p, s.deny(ctx, tx, ev, model.ErrNotFound)
	}
	return p, err
}

// PlanByID returns a client's plan with its reviews. Audited as plan.read.
func (s *Store) PlanByID(ctx context.Context, actor Actor, clientID, planID string) (model.Plan, error) {
	_, p, err := s.ClientPlan(ctx, actor, clientID, planID)
	return p, err
}

// ClientPlan returns a client and its plan with the plan's reviews (the plan
// page and the printable plan) in one transaction. Audit events: exactly one,
// plan.read with detail "plan=ID"; a client the actor may not see, or a plan
// that is not the client's, is one denied plan.read.
func (s *Store) ClientPlan(ctx context.Context, actor Actor, clientID, planID string) (model.Client, model.Plan, error) {
	var client model.Client
	var out model.Plan
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		c, grantID, err := s.readClient(ctx, tx, actor, authz.PlanRead, clientID)
		if err != nil {
			return err
		}
		p, err := s.planOfClient(ctx, tx, actor, authz.PlanRead, c, planID)
		if err != nil {
			return err
		}
		if err := planReviewsAndVersions(ctx, tx, &p); err != nil {
			return err
		}
		ev := actor.event(authz.PlanRead, audit.Allowed)
		ev.ClientID, ev.Municipality, ev.GrantID, ev.Detail = c.ID, c.Municipality, grantID, "plan="+p.ID
		if err := s.record(ctx, tx, ev); err != nil {
			return err
		}
		client, out = c, p
		return nil
	})
	return client, out, err
}

const reviewColumns = `r.id, r.plan_id, r.client_id, r.date, r.changes, r.created_at, r.version, r.entered_in_error, r.updated_at`

func scanReview(row rowScanner) (model.PlanReview, error) {
	var r model.PlanReview
	var updated sql.NullTime
	if err := row.Scan(&r.ID, &r.PlanID, &r.ClientID, &r.Date, &r.Changes, &r.CreatedAt, &r.Version, &r.EnteredInError, &updated); err != nil {
		return r, err
	}
	r.CreatedAt, r.UpdatedAt, r.Versions = r.CreatedAt.UTC(), timePtr(updated), []model.RecordVersion{}
	return r, nil
}

// planReviewsAndVersions adds to a plan its reviews and the earlier versions
// of the plan and of each review.
func planReviewsAndVersions(ctx context.Context, tx *db.Tx, p *model.Plan) error {
	if err := queryEach(ctx, tx, `SELECT `+reviewColumns+` FROM plan_reviews r
		WHERE r.plan_id = $1 ORDER BY r.date, r.created_at, r.id`, []any{p.ID}, func(rows *sql.Rows) error {
		r, err := scanReview(rows)
		p.Reviews = append(p.Reviews, r)
		return err
	}); err != nil {
		return err
	}
	var err error
	if p.Versions, err = recordVersions(ctx, tx, "plan", p.ID); err != nil {
		return err
	}
	for i := range p.Reviews {
		if p.Reviews[i].Versions, err = recordVersions(ctx, tx, "review", p.Reviews[i].ID); err != nil {
			return err
		}
	}
	return nil
}

// CreatePlanReview records a review of a client's plan: its date and what
// changed (Decree 874/2024 § 3). A plan of another client is not found.
func (s *Store) CreatePlanReview(ctx context.Context, actor Actor, clientID, planID string, in model.ReviewInput) (model.PlanReview, error) {
	var out model.PlanReview
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		c, grantID, err := s.readClient(ctx, tx, actor, authz.PlanReview, clientID)
		if err != nil {
			return err
		}
		if err := s.refuseClosed(ctx, tx, actor, authz.PlanReview, c, grantID); err != nil {
			return err
		}
		p, err := s.planOfClient(ctx, tx, actor, authz.PlanReview, c, planID)
		if err != nil {
			return err
		}
		r, verr := in.Normalize()
		v := fieldErrors(verr)
		if verr != nil && v == nil {
			return verr
		}
		if !v.Has("date") && r.Date.Before(p.StartDate) {
			v.Add("date", model.FieldDateOrder)
		}
		if err := v.Err(); err != nil {
			return s.refuse(ctx, tx, actor, authz.PlanReview, c, grantID, err)
		}
		r.ID, r.PlanID, r.ClientID, r.CreatedAt, r.RecordState = uuid.NewString(), p.ID, c.ID, s.Now(), newRecordState()
		if _, err := tx.Exec(ctx, `INSERT INTO plan_reviews (id, plan_id, client_id, date, changes, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.ID, r.PlanID, r.ClientID, r.Date, r.Changes, r.CreatedAt, actor.accountID()); err != nil {
			return err
		}
		ev := actor.event(authz.PlanReview, audit.Allowed)
		ev.ClientID, ev.Municipality, ev.GrantID, ev.Detail = c.ID, c.Municipality, grantID, "plan="+p.ID+" review="+r.ID
		if err := s.record(ctx, tx, ev); err != nil {
			return err
		}
		out = r
		return nil
	})
	return out, err
}

// CreateService records a service for a client the actor may change. For a
// client whose current jobseeker status is true, only guidance and
// counselling may be recorded: the employment authority records its services
// in its own systems (R6), and the refusal is audited as denied.
func (s *Store) CreateService(ctx context.Context, actor Actor, clientID string, in model.ServiceInput) (model.Service, error) {
	var out model.Service
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		c, grantID, err := s.readClient(ctx, tx, actor, authz.ServiceCreate, clientID)
		if err != nil {
			return err
		}
		if err := s.refuseClosed(ctx, tx, actor, authz.ServiceCreate, c, grantID); err != nil {
			return err
		}
		sv, err := in.Normalize()
		if err != nil {
			return err
		}
		ev := actor.event(authz.ServiceCreate, audit.Allowed)
		ev.ClientID, ev.Municipality, ev.GrantID = c.ID, c.Municipality, grantID
		jobseeker, err := lockClient(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		if !model.ServiceAllowed(jobseeker, sv.ServiceType) {
			ev.Detail = "service_type=" + sv.ServiceType + " " + model.CodeEmploymentAuthority
			return s.deny(ctx, tx, ev, model.Errorf(model.CodeEmploymentAuthority,
				"the client is a jobseeker: only guidance and counselling is recorded here"))
		}
		sv.ID, sv.ClientID, sv.CreatedAt, sv.RecordState = uuid.NewString(), c.ID, s.Now(), newRecordState()
		test, err := languageTestColumn(sv.FinalLanguageTest)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO services (id, client_id, municipality_code, service_type, date, end_date, provider,
			description, attendance, final_language_test, missed_with_interpreter_costs, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			sv.ID, sv.ClientID, c.Municipality, sv.ServiceType, sv.Date, model.NullDateOf(sv.EndDate), sv.Provider, sv.Description,
			nullable(sv.Attendance), test, sv.MissedWithInterpreterCosts, sv.CreatedAt, actor.accountID()); err != nil {
			return err
		}
		ev.Detail = "service=" + sv.ID + " service_type=" + sv.ServiceType
		if err := s.record(ctx, tx, ev); err != nil {
			return err
		}
		out = sv
		return nil
	})
	return out, err
}

// refuse records a refused write about a client as a denied audit event
// (the rules that refused it read the client's stored data: eligibility,
// earlier plans, dates) and returns the validation error to the caller.
func (s *Store) refuse(ctx context.Context, tx *db.Tx, actor Actor, action authz.Action, c model.Client, grantID int64, verr error) error {
	ev := actor.event(action, audit.Denied)
	ev.ClientID, ev.Municipality, ev.GrantID = c.ID, c.Municipality, grantID
	var codes []string
	if e, ok := verr.(*model.Error); ok {
		for _, f := range e.Fields {
			codes = append(codes, f.Field+":"+f.Code)
		}
	}
	ev.Detail = "refused " + strings.Join(codes, ",")
	return s.deny(ctx, tx, ev, verr)
}
