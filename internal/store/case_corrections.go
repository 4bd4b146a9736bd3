package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/casepolicy"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// Corrections of case records (GDPR art. 16, R16; CONTRACT.md § 3). A
// correction replaces a record's members and keeps the version it replaced
// in case_record_versions: the record as it was, what changed, the required
// reason, when and by whom. Marking a record as entered in error (or taking
// the mark away) is a correction of the member entered_in_error. The rules of
// a new record apply again to what a correction changes.

// recordSkip are the members that a correction never changes itself.
var recordSkip = []string{"id", "client_id", "plan_id", "municipality", "created_at", "version", "updated_at", "versions",
	"reviews", "eligibility_checked"}

// newRecordState is the state of a record as it is recorded.
func newRecordState() model.RecordState {
	return model.RecordState{Version: 1, Versions: []model.RecordVersion{}}
}

// correction is one kind of record's part in correct.
type correction[T any] struct {
	kind   string // record_kind: assessment, plan, review, service
	action authz.Action
	// query reads the record: $1 its id, $2 the client, then args.
	query string
	args  []any
	scan  func(rowScanner) (T, error)
	// fix returns the corrected record from the stored one, adding the
	// stored rules' field errors to v.
	fix func(tx *db.Tx, c model.Client, grantID int64, cur T, v *model.Validation) (T, error)
	// save writes the corrected record (its state already advanced).
	save func(tx *db.Tx, next T) error
}

// correct applies a correction to one record of a client the actor may
// change, in one transaction with its audit event (k.action, detail
// "KIND=ID version=N fields=…"). A record that does not exist or is not the
// client's is not found (a denied event). A correction without a reason, or
// one the rules refuse, is a denied event and changes nothing. A correction
// that changes nothing stores no version.
func correct[T any, P interface {
	*T
	State() *model.RecordState
}](s *Store, ctx context.Context, actor Actor, k correction[T], clientID, recordID string, corr model.Correction) (T, error) {
	var out T
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		c, grantID, err := s.readClient(ctx, tx, actor, k.action, clientID)
		if err != nil {
			return err
		}
		if _, err := lockClient(ctx, tx, c.ID); err != nil {
			return err
		}
		ev := actor.event(k.action, audit.Denied)
		ev.ClientID, ev.Municipality = c.ID, c.Municipality
		rid, err := ParseRecordID(recordID)
		if err != nil {
			ev.Detail = "malformed " + k.kind + " id"
			return s.deny(ctx, tx, ev, model.ErrNotFound)
		}
		cur, err := k.scan(tx.QueryRow(ctx, k.query, append([]any{rid, c.ID}, k.args...)...))
		if isNoRows(err) {
			ev.Detail = k.kind + "=" + rid + " not a " + k.kind + " of this client"
			return s.deny(ctx, tx, ev, model.ErrNotFound)
		} else if err != nil {
			return err
		}
		reason, rerr := corr.Reason()
		v := fieldErrors(rerr)
		next, err := k.fix(tx, c, grantID, cur, v)
		if err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return s.refuse(ctx, tx, actor, k.action, c, grantID, err)
		}
		st, nst := P(&cur).State(), P(&next).State()
		*nst = *st
		if corr.EnteredInError != nil {
			nst.EnteredInError = *corr.EnteredInError
		}
		ev.Outcome, ev.GrantID, ev.Detail = audit.Allowed, grantID, k.kind+"="+rid
		changes, err := model.Changes(cur, next, recordSkip...)
		if err != nil {
			return err
		}
		if len(changes) > 0 {
			if err := s.keepVersion(ctx, tx, actor, k.kind, rid, c.ID, P(&cur), changes, reason); err != nil {
				return err
			}
			now := s.Now()
			nst.Version, nst.UpdatedAt = st.Version+1, &now
			if err := k.save(tx, next); err != nil {
				return err
			}
			ev.Detail += " version=" + strconv.Itoa(nst.Version) + " fields=" + changedFields(changes)
		}
		if nst.Versions, err = recordVersions(ctx, tx, k.kind, rid); err != nil {
			return err
		}
		out = next
		return s.record(ctx, tx, ev)
	})
	return out, err
}

// keepVersion stores the version a correction replaces.
func (s *Store) keepVersion(ctx context.Context, tx *db.Tx, actor Actor, kind, id, clientID string, cur interface {
	State() *model.RecordState
}, changes []model.FieldChange, reason string) error {
	st := cur.State()
	versions := st.Versions
	st.Versions = nil
	content, err := toJSON(cur)
	st.Versions = versions
	if err != nil {
		return err
	}
	changed, err := toJSON(changes)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO case_record_versions (client_id, record_kind, record_id, version, content, changes, reason,
		corrected_at, corrected_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		clientID, kind, id, st.Version, content, changed, reason, s.Now(), actor.accountID())
	return err
}

func changedFields(changes []model.FieldChange) string {
	names := make([]string, len(changes))
	for i, c := range changes {
		names[i] = c.Field
	}
	return strings.Join(names, ",")
}

// recordVersions lists the earlier versions of a record, newest first.
func recordVersions(ctx context.Context, tx *db.Tx, kind, id string) ([]model.RecordVersion, error) {
	out := []model.RecordVersion{}
	err := queryEach(ctx, tx, `SELECT v.version, v.content, v.changes, v.reason, v.corrected_at, COALESCE(a.email, 'operator')
		FROM case_record_versions v LEFT JOIN accounts a ON a.id = v.corrected_by
		WHERE v.record_kind = $1 AND v.record_id = $2 ORDER BY v.version DESC`, []any{kind, id}, func(r *sql.Rows) error {
		var rv model.RecordVersion
		var content, changes []byte
		if err := r.Scan(&rv.Version, &content, &changes, &rv.Reason, &rv.CorrectedAt, &rv.CorrectedBy); err != nil {
			return err
		}
		rv.Record, rv.CorrectedAt = append([]byte(nil), content...), rv.CorrectedAt.UTC()
		if err := fromJSON(changes, &rv.Changes); err != nil {
			return err
		}
		out = append(out, rv)
		return nil
	})
	return out, err
}

// mergeFields adds the field errors of a Normalize to v; any other error is returned.
func mergeFields(v *model.Validation, err error) error {
	if err == nil {
		return nil
	}
	fe := fieldErrors(err)
	if fe == nil {
		return err
	}
	v.Fields = append(v.Fields, fe.Fields...)
	return nil
}

func sameString(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// CorrectAssessment corrects an assessment (assessment.update). A changed
// date is checked against the eligibility window again.
func (s *Store) CorrectAssessment(ctx context.Context, actor Actor, clientID, id string, in model.AssessmentCorrection) (model.Assessment, error) {
	return correct(s, ctx, actor, correction[model.Assessment]{kind: "assessment", action: authz.AssessmentUpdate,
		query: `SELECT ` + assessmentColumns + ` FROM assessments a WHERE a.id = $1 AND a.client_id = $2`, scan: scanAssessment,
		fix: func(tx *db.Tx, c model.Client, _ int64, cur model.Assessment, v *model.Validation) (model.Assessment, error) {
			raw := cur.Input()
			model.Overlay(&raw, &in.AssessmentInput, in.Given)
			a, err := raw.Normalize()
			if err := mergeFields(v, err); err != nil {
				return a, err
			}
			a.ID, a.ClientID, a.CreatedAt, a.EligibilityChecked, a.RecordState = cur.ID, cur.ClientID, cur.CreatedAt, cur.EligibilityChecked, cur.RecordState
			if !v.Has("date") && (a.Date != cur.Date || !sameString(a.EligibilityException, cur.EligibilityException)) {
				a.EligibilityChecked = s.cases().CheckEligibility(v, "date", a.Date, c.ResidenceBasis.FirstPermitDate, a.EligibilityException != nil)
			}
			return a, nil
		},
		save: func(tx *db.Tx, a model.Assessment) error {
			cols, err := jsonColumns(a.Content, a.Preparers, a.Sources)
			if err != nil {
				return err
			}
			content, preparers, sources := cols[0], cols[1], cols[2]
			_, err = tx.Exec(ctx, `UPDATE assessments SET date = $2, content = $3, plan_needed = $4, specifying_measures = $5,
				planned_plan_date = $6, preparers = $7, sources = $8, wellbeing_county_participated = $9, eligibility_exception = $10,
				eligibility_checked = $11, version = $12, entered_in_error = $13, updated_at = $14 WHERE id = $1`,
				a.ID, a.Date, content, nullBool(a.Content.IntegrationPlanNeeded), a.SpecifyingMeasures, model.NullDateOf(a.PlannedPlanDate),
				preparers, sources, a.WellbeingCountyParticipated, nullable(a.EligibilityException), a.EligibilityChecked,
				a.Version, a.EnteredInError, *a.UpdatedAt)
			return err
		}}, clientID, id, in.Correction)
}

// CorrectPlan corrects an integration plan (plan.update). Changed dates are
// checked by the plan rules of R12 against the client's other plans.
func (s *Store) CorrectPlan(ctx context.Context, actor Actor, clientID, id string, in model.PlanCorrection) (model.Plan, error) {
	return correct(s, ctx, actor, correction[model.Plan]{kind: "plan", action: authz.PlanUpdate,
		query: `SELECT ` + planColumns + ` FROM plans p WHERE p.id = $1 AND p.client_id = $2`, scan: scanPlan,
		fix: func(tx *db.Tx, c model.Client, _ int64, cur model.Plan, v *model.Validation) (model.Plan, error) {
			raw := cur.Input()
			model.Overlay(&raw, &in.PlanInput, in.Given)
			p, err := raw.Normalize()
			if err := mergeFields(v, err); err != nil {
				return p, err
			}
			p.ID, p.ClientID, p.Municipality, p.CreatedAt, p.EligibilityChecked, p.RecordState =
				cur.ID, cur.ClientID, cur.Municipality, cur.CreatedAt, cur.EligibilityChecked, cur.RecordState
			if v.Has("start_date") || v.Has("end_date") || (p.StartDate == cur.StartDate && p.EndDate == cur.EndDate &&
				sameString(p.EligibilityException, cur.EligibilityException) && sameString(p.ExceedsTwoYearsReason, cur.ExceedsTwoYearsReason)) {
				return p, nil
			}
			earlier, err := planSpans(ctx, tx, c.ID, p.ID)
			if err != nil {
				return p, err
			}
			p.EligibilityChecked = s.cases().CheckPlan(v, casepolicy.NewPlan{Span: casepolicy.Span{Start: p.StartDate, End: p.EndDate},
				FirstPermit: c.ResidenceBasis.FirstPermitDate, EligibilityException: p.EligibilityException != nil,
				ExceedsTwoYearsReason: p.ExceedsTwoYearsReason != nil, Earlier: earlier})
			return p, nil
		},
		save: func(tx *db.Tx, p model.Plan) error {
			cols, err := jsonColumns(p.Measures, p.Preparers, p.Sources)
			if err != nil {
				return err
			}
			measures, preparers, sources := cols[0], cols[1], cols[2]
			_, err = tx.Exec(ctx, `UPDATE plans SET start_date = $2, end_date = $3, goals = $4, measures = $5, preparers = $6,
				planned_review_date = $7, sources = $8, exceeds_two_years_reason = $9, eligibility_exception = $10,
				eligibility_checked = $11, version = $12, entered_in_error = $13, updated_at = $14 WHERE id = $1`,
				p.ID, p.StartDate, p.EndDate, p.Goals, measures, preparers, model.NullDateOf(p.PlannedReviewDate), sources,
				nullable(p.ExceedsTwoYearsReason), nullable(p.EligibilityException), p.EligibilityChecked, p.Version, p.EnteredInError, *p.UpdatedAt)
			return err
		}}, clientID, id, in.Correction)
}

// CorrectPlanReview corrects a review of a plan (review.update); its date
// stays on or after the plan's start.
func (s *Store) CorrectPlanReview(ctx context.Context, actor Actor, clientID, planID, id string, in model.ReviewCorrection) (model.PlanReview, error) {
	pid, err := ParseRecordID(planID)
	if err != nil {
		pid = "00000000-0000-0000-0000-000000000000" // no such plan: the review is not found
	}
	return correct(s, ctx, actor, correction[model.PlanReview]{kind: "review", action: authz.ReviewUpdate,
		query: `SELECT ` + reviewColumns + ` FROM plan_reviews r WHERE r.id = $1 AND r.client_id = $2 AND r.plan_id = $3`,
		args:  []any{pid}, scan: scanReview,
		fix: func(tx *db.Tx, c model.Client, _ int64, cur model.PlanReview, v *model.Validation) (model.PlanReview, error) {
			raw := cur.Input()
			model.Overlay(&raw, &in.ReviewInput, in.Given)
			r, err := raw.Normalize()
			if err := mergeFields(v, err); err != nil {
				return r, err
			}
			r.ID, r.PlanID, r.ClientID, r.CreatedAt, r.RecordState = cur.ID, cur.PlanID, cur.ClientID, cur.CreatedAt, cur.RecordState
			var start model.Date
			if err := tx.QueryRow(ctx, `SELECT start_date FROM plans WHERE id = $1`, cur.PlanID).Scan(&start); err != nil {
				return r, err
			}
			if !v.Has("date") && r.Date.Before(start) {
				v.Add("date", model.FieldDateOrder)
			}
			return r, nil
		},
		save: func(tx *db.Tx, r model.PlanReview) error {
			_, err := tx.Exec(ctx, `UPDATE plan_reviews SET date = $2, changes = $3, version = $4, entered_in_error = $5, updated_at = $6
				WHERE id = $1`, r.ID, r.Date, r.Changes, r.Version, r.EnteredInError, *r.UpdatedAt)
			return err
		}}, clientID, id, in.Correction)
}

// CorrectService corrects a service (service.update): also how its
// attendance, outcome and final language test went, recorded after the
// fact. A service changed into one the employment authority records for a
// jobseeker (R6) is refused as on recording.
func (s *Store) CorrectService(ctx context.Context, actor Actor, clientID, id string, in model.ServiceCorrection) (model.Service, error) {
	return correct(s, ctx, actor, correction[model.Service]{kind: "service", action: authz.ServiceUpdate,
		query: `SELECT ` + serviceColumns + ` FROM services s WHERE s.id = $1 AND s.client_id = $2`, scan: scanService,
		fix: func(tx *db.Tx, c model.Client, grantID int64, cur model.Service, v *model.Validation) (model.Service, error) {
			raw := cur.Input()
			model.Overlay(&raw, &in.ServiceInput, in.Given)
			sv, err := raw.Normalize()
			if err := mergeFields(v, err); err != nil {
				return sv, err
			}
			sv.ID, sv.ClientID, sv.CreatedAt, sv.RecordState = cur.ID, cur.ClientID, cur.CreatedAt, cur.RecordState
			if sv.ServiceType != cur.ServiceType && c.Jobseeker && sv.ServiceType != model.ServiceGuidance {
				ev := actor.event(authz.ServiceUpdate, audit.Denied)
				ev.ClientID, ev.Municipality, ev.GrantID = c.ID, c.Municipality, grantID
				ev.Detail = "service=" + cur.ID + " service_type=" + sv.ServiceType + " " + model.CodeEmploymentAuthority
				return sv, s.deny(ctx, tx, ev, model.Errorf(model.CodeEmploymentAuthority,
					"the client is a jobseeker: only guidance and counselling is recorded here"))
			}
			return sv, nil
		},
		save: func(tx *db.Tx, sv model.Service) error {
			test, err := languageTestColumn(sv.FinalLanguageTest)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE services SET service_type = $2, date = $3, end_date = $4, provider = $5, description = $6,
				attendance = $7, final_language_test = $8, missed_with_interpreter_costs = $9, version = $10, entered_in_error = $11,
				updated_at = $12 WHERE id = $1`, sv.ID, sv.ServiceType, sv.Date, model.NullDateOf(sv.EndDate), sv.Provider, sv.Description,
				nullable(sv.Attendance), test, sv.MissedWithInterpreterCosts, sv.Version, sv.EnteredInError, *sv.UpdatedAt)
			return err
		}}, clientID, id, in.Correction)
}

// refuseClosed refuses a new case record (or a transfer) of a closed
// client, as a denied event: a closed client takes no new case records.
func (s *Store) refuseClosed(ctx context.Context, tx *db.Tx, actor Actor, action authz.Action, c model.Client, grantID int64) error {
	if c.Closed == nil {
		return nil
	}
	ev := actor.event(action, audit.Denied)
	ev.ClientID, ev.Municipality, ev.GrantID, ev.Detail = c.ID, c.Municipality, grantID, model.CodeClientClosed
	return s.deny(ctx, tx, ev, model.Errorf(model.CodeClientClosed, "the client relationship is closed"))
}
