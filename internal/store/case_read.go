package store

import (
	"context"
	"database/sql"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// caseRecordOfClient reads one record (assessment or service) of a client the
// actor may see, by the query's one row, and records the read: exactly one
// event, action with detail "KIND=ID". A record that does not exist or
// belongs to another client is not found (and recorded as one denied event),
// like any client the actor may not see. It returns the client too (for the
// record's page).
func (s *Store) caseRecordOfClient(ctx context.Context, actor Actor, action authz.Action, kind, clientID, recordID, query string,
	scan func(*db.Tx, db.Row) error) (model.Client, error) {
	var client model.Client
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		c, grantID, err := s.readClient(ctx, tx, actor, action, clientID)
		if err != nil {
			return err
		}
		client = c
		ev := actor.event(action, audit.Denied)
		ev.ClientID, ev.Municipality = c.ID, c.Municipality
		rid, err := ParseRecordID(recordID)
		if err != nil {
			ev.Detail = "malformed " + kind + " id"
			return s.deny(ctx, tx, ev, model.ErrNotFound)
		}
		err = scan(tx, tx.QueryRow(ctx, query, rid, c.ID))
		if isNoRows(err) {
			ev.Detail = kind + "=" + rid + " not a " + kind + " of this client"
			return s.deny(ctx, tx, ev, model.ErrNotFound)
		}
		if err != nil {
			return err
		}
		ev.Outcome, ev.GrantID, ev.Detail = audit.Allowed, grantID, kind+"="+rid
		return s.record(ctx, tx, ev)
	})
	return client, err
}

// AssessmentByID returns one assessment (§ 14) of a client.
func (s *Store) AssessmentByID(ctx context.Context, actor Actor, clientID, assessmentID string) (model.Assessment, error) {
	_, a, err := s.ClientAssessment(ctx, actor, clientID, assessmentID)
	return a, err
}

// ClientAssessment returns a client and one of its assessments with its
// earlier versions (the assessment's page) in one transaction, audited as one
// assessment.read (see caseRecordOfClient).
func (s *Store) ClientAssessment(ctx context.Context, actor Actor, clientID, assessmentID string) (model.Client, model.Assessment, error) {
	var a model.Assessment
	c, err := s.caseRecordOfClient(ctx, actor, authz.AssessmentRead, "assessment", clientID, assessmentID,
		`SELECT `+assessmentColumns+` FROM assessments a WHERE a.id = $1 AND a.client_id = $2`,
		func(tx *db.Tx, r db.Row) (err error) {
			if a, err = scanAssessment(r); err != nil {
				return err
			}
			a.Versions, err = recordVersions(ctx, tx, "assessment", a.ID)
			return err
		})
	if err != nil {
		return model.Client{}, model.Assessment{}, err
	}
	return c, a, nil
}

const assessmentColumns = `a.id, a.client_id, a.date, a.content, a.specifying_measures, a.planned_plan_date, a.preparers, a.sources,
	a.wellbeing_county_participated, a.eligibility_exception, a.eligibility_checked, a.created_at,
	a.version, a.entered_in_error, a.updated_at`

func scanAssessment(r rowScanner) (model.Assessment, error) {
	var a model.Assessment
	var content, preparers, sources []byte
	var planned model.NullDate
	var exception sql.NullString
	var updated sql.NullTime
	if err := r.Scan(&a.ID, &a.ClientID, &a.Date, &content, &a.SpecifyingMeasures, &planned, &preparers, &sources,
		&a.WellbeingCountyParticipated, &exception, &a.EligibilityChecked, &a.CreatedAt,
		&a.Version, &a.EnteredInError, &updated); err != nil {
		return a, err
	}
	if err := fromJSON(content, &a.Content, preparers, &a.Preparers, sources, &a.Sources); err != nil {
		return a, err
	}
	a.PlannedPlanDate, a.EligibilityException, a.CreatedAt = planned.Ptr(), ptr(exception), a.CreatedAt.UTC()
	a.UpdatedAt, a.Versions = timePtr(updated), []model.RecordVersion{}
	return a, nil
}

// ServiceByID returns one service of a client.
func (s *Store) ServiceByID(ctx context.Context, actor Actor, clientID, serviceID string) (model.Service, error) {
	_, sv, err := s.ClientService(ctx, actor, clientID, serviceID)
	return sv, err
}

// ClientService returns a client and one of its services with its earlier
// versions (the service's page) in one transaction, audited as one
// service.read (see caseRecordOfClient).
func (s *Store) ClientService(ctx context.Context, actor Actor, clientID, serviceID string) (model.Client, model.Service, error) {
	var sv model.Service
	c, err := s.caseRecordOfClient(ctx, actor, authz.ServiceRead, "service", clientID, serviceID,
		`SELECT `+serviceColumns+` FROM services s WHERE s.id = $1 AND s.client_id = $2`,
		func(tx *db.Tx, r db.Row) (err error) {
			if sv, err = scanService(r); err != nil {
				return err
			}
			sv.Versions, err = recordVersions(ctx, tx, "service", sv.ID)
			return err
		})
	if err != nil {
		return model.Client{}, model.Service{}, err
	}
	return c, sv, nil
}

const serviceColumns = `s.id, s.client_id, s.service_type, s.date, s.end_date, s.provider, s.description, s.attendance,
	s.final_language_test, s.missed_with_interpreter_costs, s.created_at, s.version, s.entered_in_error, s.updated_at`

func scanService(r rowScanner) (model.Service, error) {
	var sv model.Service
	var end model.NullDate
	var attendance sql.NullString
	var test []byte
	var updated sql.NullTime
	if err := r.Scan(&sv.ID, &sv.ClientID, &sv.ServiceType, &sv.Date, &end, &sv.Provider, &sv.Description, &attendance,
		&test, &sv.MissedWithInterpreterCosts, &sv.CreatedAt, &sv.Version, &sv.EnteredInError, &updated); err != nil {
		return sv, err
	}
	if test != nil {
		sv.FinalLanguageTest = &model.LanguageTest{}
		if err := fromJSON(test, sv.FinalLanguageTest); err != nil {
			return sv, err
		}
	}
	sv.EndDate, sv.Attendance, sv.CreatedAt = end.Ptr(), ptr(attendance), sv.CreatedAt.UTC()
	sv.UpdatedAt, sv.Versions = timePtr(updated), []model.RecordVersion{}
	return sv, nil
}
