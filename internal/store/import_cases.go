package store

import (
	"context"
	"database/sql"
	"slices"

	"github.com/google/uuid"
	"github.com/kotodigi/kotodigi/internal/casepolicy"
	"github.com/kotodigi/kotodigi/internal/model"
)

// importedClient is the client a case record row links to.
type importedClient struct {
	ID           string
	Municipality string
	FirstPermit  *model.Date
	Jobseeker    bool
	// Exception: an eligibility exception recorded on one of its assessments.
	Exception bool
	// Plans are the client's plans known so far (stored, and earlier rows).
	Plans []casepolicy.Span
}

// linkClients finds the clients the rows link to (client_source_id, among the
// clients this municipality imported from the same source system) and
// rejects the rows whose client is unknown.
func (b *importBatch) linkClients(ctx context.Context, rows []ImportRow) (map[string]*importedClient, error) {
	var ids []string
	for i, r := range rows {
		if b.pending(i) {
			ids = append(ids, r.Link)
		}
	}
	bySource := map[string]*importedClient{}
	err := queryKeys(ctx, b.tx, `SELECT c.source_id, c.id, c.municipality_code, c.first_permit_date, c.jobseeker,
		EXISTS (SELECT 1 FROM assessments a WHERE a.client_id = c.id AND a.eligibility_exception IS NOT NULL)
		FROM clients c WHERE c.municipality_code = $1 AND c.source_system = $2`, "c.source_id", "text",
		[]any{b.run.Municipality, b.run.SourceSystem}, ids, func(r *sql.Rows) error {
			var src string
			var c importedClient
			var first model.NullDate
			if err := r.Scan(&src, &c.ID, &c.Municipality, &first, &c.Jobseeker, &c.Exception); err != nil {
				return err
			}
			c.FirstPermit = first.Ptr()
			bySource[src] = &c
			return nil
		})
	if err != nil {
		return nil, err
	}
	for i, r := range rows {
		if b.pending(i) && bySource[r.Link] == nil {
			b.results[i] = reject(r, &model.Error{Code: model.CodeValidationFailed,
				Fields: []model.FieldError{{Field: "client_source_id", Code: ReasonUnknownClient}}})
		}
	}
	return bySource, nil
}

// checkCaseRecords links assessments, plans and services to their clients
// and applies the rules of today that depend on the client's other records.
// A historic record that breaks one is stored with a warning (FIELD:CODE):
// outside the R12 eligibility window, a first plan over a year, plans over
// two years in total or overlapping, a service of a client who is now a
// jobseeker.
func (b *importBatch) checkCaseRecords(ctx context.Context, rows []ImportRow) error {
	clients, err := b.linkClients(ctx, rows)
	if err != nil {
		return err
	}
	b.linked = clients
	pol := b.s.cases()
	switch b.run.Kind {
	case KindAssessments:
		for i, r := range rows {
			if !b.pending(i) {
				continue
			}
			c, a := clients[r.Link], r.Assessment
			var v model.Validation
			a.EligibilityChecked = pol.CheckEligibility(&v, "date", a.Date, c.FirstPermit, a.EligibilityException != nil)
			b.warn(i, &v)
		}
	case KindServices:
		for i, r := range rows {
			if b.pending(i) && clients[r.Link].Jobseeker && r.Service.ServiceType != model.ServiceGuidance {
				b.results[i].Warnings = append(b.results[i].Warnings, "service_type:"+model.CodeEmploymentAuthority)
			}
		}
	case KindPlans:
		return b.checkPlans(ctx, rows, clients)
	}
	return nil
}

// warn adds the field errors of v to row i as warnings.
func (b *importBatch) warn(i int, v *model.Validation) {
	for _, f := range v.Fields {
		b.results[i].Warnings = append(b.results[i].Warnings, f.Field+":"+f.Code)
	}
}

// checkPlans applies the R12 plan rules with the client's stored plans and
// the plans of earlier rows: a plan is the client's first when no other
// starts before it, whatever the order of the file.
func (b *importBatch) checkPlans(ctx context.Context, rows []ImportRow, clients map[string]*importedClient) error {
	byID := map[string]*importedClient{}
	var ids []string
	for _, c := range clients {
		byID[c.ID] = c
		ids = append(ids, c.ID)
		c.Plans = append(c.Plans, b.run.plans[c.ID]...)
	}
	if err := queryKeys(ctx, b.tx, `SELECT p.client_id, p.start_date, p.end_date FROM plans p WHERE true`, "p.client_id", "uuid", nil, ids,
		func(r *sql.Rows) error {
			var id string
			var sp casepolicy.Span
			if err := r.Scan(&id, &sp.Start, &sp.End); err != nil {
				return err
			}
			byID[id].Plans = append(byID[id].Plans, sp)
			return nil
		}); err != nil {
		return err
	}
	pol := b.s.cases()
	for i, r := range rows {
		if !b.pending(i) {
			continue
		}
		c, p := clients[r.Link], r.Plan
		span := casepolicy.Span{Start: p.StartDate, End: p.EndDate}
		earlier := slices.DeleteFunc(slices.Clone(c.Plans), func(o casepolicy.Span) bool { return o.Start.After(span.Start) })
		var v model.Validation
		p.EligibilityChecked = pol.CheckPlan(&v, casepolicy.NewPlan{Span: span, FirstPermit: c.FirstPermit,
			EligibilityException: p.EligibilityException != nil || c.Exception, ExceedsTwoYearsReason: p.ExceedsTwoYearsReason != nil,
			Earlier: earlier})
		b.warn(i, &v)
		c.Plans = append(c.Plans, span)
		if b.run.DryRun {
			if b.run.plans == nil {
				b.run.plans = map[string][]casepolicy.Span{}
			}
			b.run.plans[c.ID] = append(b.run.plans[c.ID], span)
		}
	}
	return nil
}

// checkReviews links reviews to the plans this municipality imported from
// the same source system (plan_source_id); a review dated before its plan
// starts is stored with a warning.
func (b *importBatch) checkReviews(ctx context.Context, rows []ImportRow) error {
	var ids []string
	for i, r := range rows {
		if b.pending(i) {
			ids = append(ids, r.Link)
		}
	}
	type plan struct {
		id, client string
		start      model.Date
	}
	plans := map[string]plan{}
	if err := queryKeys(ctx, b.tx, `SELECT p.source_id, p.id, p.client_id, p.start_date FROM plans p
		WHERE p.source_municipality = $1 AND p.source_system = $2`, "p.source_id", "text",
		[]any{b.run.Municipality, b.run.SourceSystem}, ids, func(r *sql.Rows) error {
			var src string
			var p plan
			if err := r.Scan(&src, &p.id, &p.client, &p.start); err != nil {
				return err
			}
			plans[src] = p
			return nil
		}); err != nil {
		return err
	}
	for i, r := range rows {
		if !b.pending(i) {
			continue
		}
		p, ok := plans[r.Link]
		if !ok {
			b.results[i] = reject(r, &model.Error{Code: model.CodeValidationFailed,
				Fields: []model.FieldError{{Field: "plan_source_id", Code: ReasonUnknownPlan}}})
			continue
		}
		r.Review.PlanID, r.Review.ClientID = p.id, p.client
		if r.Review.Date.Before(p.start) {
			b.results[i].Warnings = append(b.results[i].Warnings, "date:"+model.FieldDateOrder)
		}
	}
	return nil
}

// provenance are the last columns of every imported case record.
var provenanceColumns = []string{"source_municipality text", "source_system text", "source_id text", "import_run text", "created_at timestamptz", "created_by bigint"}

func (b *importBatch) provenance(r ImportRow) []any {
	return []any{b.run.Municipality, b.run.SourceSystem, r.SourceID, b.run.ID, b.s.Now(), b.actor.accountID()}
}

// storeRecords inserts the rows that passed into table; values gives a
// row's own columns and the client it concerns.
func (b *importBatch) storeRecords(ctx context.Context, rows []ImportRow, table string, columns []string,
	values func(ImportRow) ([]any, string, error)) (int, error) {
	var out [][]any
	for i, r := range rows {
		if !b.pending(i) {
			continue
		}
		v, client, err := values(r)
		if err != nil {
			return 0, err
		}
		out = append(out, append(append([]any{uuid.NewString()}, v...), b.provenance(r)...))
		b.clients = append(b.clients, client)
	}
	return len(out), b.tx.InsertRows(ctx, table, append(append([]string{"id uuid"}, columns...), provenanceColumns...), out)
}

func (b *importBatch) storeAssessments(ctx context.Context, rows []ImportRow) (int, error) {
	clients := b.linked
	return b.storeRecords(ctx, rows, "assessments", []string{"client_id uuid", "municipality_code text", "date date", "content jsonb",
		"plan_needed boolean", "specifying_measures text", "planned_plan_date date", "preparers jsonb", "sources jsonb",
		"wellbeing_county_participated boolean", "eligibility_exception text", "eligibility_checked boolean"},
		func(r ImportRow) ([]any, string, error) {
			a, c := r.Assessment, clients[r.Link]
			content, err := toJSON(a.Content)
			if err != nil {
				return nil, "", err
			}
			preparers, sources, err := jsonLists(a.Preparers, a.Sources)
			return []any{c.ID, c.Municipality, a.Date, content, nullBool(a.Content.IntegrationPlanNeeded), a.SpecifyingMeasures,
				model.NullDateOf(a.PlannedPlanDate), preparers, sources, a.WellbeingCountyParticipated, nullable(a.EligibilityException),
				a.EligibilityChecked}, c.ID, err
		})
}

func jsonLists(preparers []model.Preparer, sources []string) (string, string, error) {
	if preparers == nil {
		preparers = []model.Preparer{}
	}
	if sources == nil {
		sources = []string{}
	}
	p, err := toJSON(preparers)
	if err != nil {
		return "", "", err
	}
	s, err := toJSON(sources)
	return p, s, err
}

func (b *importBatch) storePlans(ctx context.Context, rows []ImportRow) (int, error) {
	clients := b.linked
	return b.storeRecords(ctx, rows, "plans", []string{"client_id uuid", "municipality_code text", "start_date date", "end_date date",
		"goals text", "measures jsonb", "preparers jsonb", "planned_review_date date", "sources jsonb", "exceeds_two_years_reason text",
		"eligibility_exception text", "eligibility_checked boolean"},
		func(r ImportRow) ([]any, string, error) {
			p, c := r.Plan, clients[r.Link]
			if p.Measures == nil {
				p.Measures = []model.PlanMeasure{}
			}
			measures, err := toJSON(p.Measures)
			if err != nil {
				return nil, "", err
			}
			preparers, sources, err := jsonLists(p.Preparers, p.Sources)
			return []any{c.ID, c.Municipality, p.StartDate, p.EndDate, p.Goals, measures, preparers, model.NullDateOf(p.PlannedReviewDate),
				sources, nullable(p.ExceedsTwoYearsReason), nullable(p.EligibilityException), p.EligibilityChecked}, c.ID, err
		})
}

func (b *importBatch) storeReviews(ctx context.Context, rows []ImportRow) (int, error) {
	return b.storeRecords(ctx, rows, "plan_reviews", []string{"plan_id uuid", "client_id uuid", "date date", "changes text"},
		func(r ImportRow) ([]any, string, error) {
			v := r.Review
			return []any{v.PlanID, v.ClientID, v.Date, v.Changes}, v.ClientID, nil
		})
}

func (b *importBatch) storeServices(ctx context.Context, rows []ImportRow) (int, error) {
	clients := b.linked
	return b.storeRecords(ctx, rows, "services", []string{"client_id uuid", "municipality_code text", "service_type text", "date date",
		"end_date date", "provider text", "description text", "attendance text", "missed_with_interpreter_costs boolean"},
		func(r ImportRow) ([]any, string, error) {
			sv, c := r.Service, clients[r.Link]
			return []any{c.ID, c.Municipality, sv.ServiceType, sv.Date, model.NullDateOf(sv.EndDate), sv.Provider, sv.Description,
				nullable(sv.Attendance), sv.MissedWithInterpreterCosts}, c.ID, nil
		})
}
