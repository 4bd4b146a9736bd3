package store

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strconv"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// SubjectAccessReport is everything stored about a person and who has
// processed it (GDPR article 15; CONTRACT.md § 3). "Who" is an organisation
// with the time and kind of access, never an employee (CJEU C-579/21): the
// report names no member of staff, also not in the change history.
type SubjectAccessReport struct {
	Client           model.Client     `json:"client"`
	History          []ReportChange   `json:"history"`
	JobseekerHistory []ReportStatus   `json:"jobseeker_history"`
	CaseRecords      []CaseRecord     `json:"case_records"`
	Accesses         []ReportAccess   `json:"accesses"`
	LegalHold        *LegalHold       `json:"legal_hold"`
	ProducedAt       time.Time        `json:"produced_at"`
	ProducedBy       string           `json:"produced_by_organisation"`
	Transfers        []model.Transfer `json:"transfers"`
}

// ReportChange is one change of the client's data, without who made it.
type ReportChange struct {
	Time     time.Time `json:"time"`
	Field    string    `json:"field"`
	OldValue *string   `json:"old_value"`
	NewValue *string   `json:"new_value"`
}

// ReportStatus is one jobseeker status, without who recorded it.
type ReportStatus struct {
	Jobseeker bool      `json:"jobseeker"`
	ValidFrom time.Time `json:"valid_from"`
}

// CaseRecord is one case record of the report: its kind (assessment, plan,
// service), its own date, when it was recorded, and the record as stored
// (a plan with its reviews).
type CaseRecord struct {
	Kind       string            `json:"kind"`
	ID         string            `json:"id"`
	Date       model.Date        `json:"date"`
	RecordedAt time.Time         `json:"recorded_at"`
	Assessment *model.Assessment `json:"assessment,omitempty"`
	Plan       *model.Plan       `json:"plan,omitempty"`
	Service    *model.Service    `json:"service,omitempty"`
}

// ReportAccess is one processing of the person's data: when, by which
// organisation ("" for kotodigi itself: imports, retention) and what.
type ReportAccess struct {
	Time         time.Time `json:"time"`
	Organisation string    `json:"organisation"`
	Action       string    `json:"action"`
}

// SubjectAccessReport produces the report of a client for the responsible
// municipality's main user, audited as client.subject_access_report (with
// the numbers of case records and accesses). Any other caller, or a client
// of another municipality, is not found (a denied event).
func (s *Store) SubjectAccessReport(ctx context.Context, actor Actor, clientID string) (SubjectAccessReport, error) {
	var out SubjectAccessReport
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		id, muni, err := s.responsibleClient(ctx, tx, actor, authz.ClientSubjectAccessReport, clientID)
		if err != nil {
			return err
		}
		if err := s.inMunicipality(ctx, tx, actor, muni, func() error {
			var err error
			out, err = reportOf(ctx, tx, id)
			return err
		}); err != nil {
			return err
		}
		ev := actor.event(authz.ClientSubjectAccessReport, audit.Allowed)
		ev.ClientID, ev.Municipality = id, muni
		out.ProducedAt = s.Now()
		ev.Detail = "case_records=" + strconv.Itoa(len(out.CaseRecords)) + " accesses=" + strconv.Itoa(len(out.Accesses))
		if err := s.record(ctx, tx, ev); err != nil {
			return err
		}
		if actor.Principal != nil {
			out.ProducedBy = actor.Principal.OrganisationID
		}
		return nil
	})
	return out, err
}

// reportOf reads everything stored about client id (in the client's scope).
func reportOf(ctx context.Context, tx *db.Tx, id string) (SubjectAccessReport, error) {
	var out SubjectAccessReport
	var err error
	if out.Client, err = scanClient(tx.QueryRow(ctx, `SELECT `+clientColumns+` FROM clients c WHERE c.id = $1`, id)); err != nil {
		return out, err
	}
	changes, err := clientChanges(ctx, tx, id)
	if err != nil {
		return out, err
	}
	out.History = []ReportChange{}
	for _, ch := range changes {
		out.History = append(out.History, ReportChange{Time: ch.At, Field: ch.Field, OldValue: ch.OldValue, NewValue: ch.NewValue})
	}
	statuses, err := jobseekerStatuses(ctx, tx, id)
	if err != nil {
		return out, err
	}
	out.JobseekerHistory = []ReportStatus{}
	for _, st := range statuses {
		out.JobseekerHistory = append(out.JobseekerHistory, ReportStatus{Jobseeker: st.Jobseeker, ValidFrom: st.ValidFrom})
	}
	if out.CaseRecords, err = caseRecordsOf(ctx, tx, id); err != nil {
		return out, err
	}
	if out.Transfers, err = transfersOf(ctx, tx, id); err != nil {
		return out, err
	}
	if out.LegalHold, err = legalHoldOf(ctx, tx, id); err != nil {
		return out, err
	}
	ids, err := withMerged(ctx, tx, id)
	if err != nil {
		return out, err
	}
	out.Accesses, err = accessesOf(ctx, tx, ids)
	return out, err
}

// caseRecordsOf lists a client's assessments, plans (with reviews) and
// services, oldest first by their own date.
func caseRecordsOf(ctx context.Context, tx *db.Tx, id string) ([]CaseRecord, error) {
	out := []CaseRecord{}
	err := queryEach(ctx, tx, `SELECT `+assessmentColumns+` FROM assessments a WHERE a.client_id = $1`, []any{id}, func(r *sql.Rows) error {
		a, err := scanAssessment(r)
		out = append(out, CaseRecord{Kind: "assessment", ID: a.ID, Date: a.Date, RecordedAt: a.CreatedAt, Assessment: &a})
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, rec := range out {
		if rec.Assessment.Versions, err = reportVersions(ctx, tx, "assessment", rec.ID); err != nil {
			return nil, err
		}
	}
	var plans []model.Plan
	if err := queryEach(ctx, tx, `SELECT `+planColumns+` FROM plans p WHERE p.client_id = $1`, []any{id}, func(r *sql.Rows) error {
		p, err := scanPlan(r)
		plans = append(plans, p)
		return err
	}); err != nil {
		return nil, err
	}
	for _, p := range plans {
		if err := planReviewsAndVersions(ctx, tx, &p); err != nil {
			return nil, err
		}
		withoutStaff(p.Versions)
		for _, r := range p.Reviews {
			withoutStaff(r.Versions)
		}
		out = append(out, CaseRecord{Kind: "plan", ID: p.ID, Date: p.StartDate, RecordedAt: p.CreatedAt, Plan: &p})
	}
	err = queryEach(ctx, tx, `SELECT `+serviceColumns+` FROM services s WHERE s.client_id = $1`, []any{id}, func(r *sql.Rows) error {
		sv, err := scanService(r)
		out = append(out, CaseRecord{Kind: "service", ID: sv.ID, Date: sv.Date, RecordedAt: sv.CreatedAt, Service: &sv})
		return err
	})
	for _, rec := range out {
		if err == nil && rec.Service != nil {
			rec.Service.Versions, err = reportVersions(ctx, tx, "service", rec.ID)
		}
	}
	slices.SortStableFunc(out, func(a, b CaseRecord) int {
		return cmp.Or(a.Date.Time().Compare(b.Date.Time()), a.RecordedAt.Compare(b.RecordedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, err
}

// reportVersions lists a record's earlier versions for the person: what
// changed, when and why, without who on the staff corrected it.
func reportVersions(ctx context.Context, tx *db.Tx, kind, id string) ([]model.RecordVersion, error) {
	vs, err := recordVersions(ctx, tx, kind, id)
	withoutStaff(vs)
	return vs, err
}

// withoutStaff blanks the corrector of each version (the organisation and
// time of processing are in the report's accesses; staff are not named).
func withoutStaff(vs []model.RecordVersion) {
	for i := range vs {
		vs[i].CorrectedBy = ""
	}
}

// transfersOf lists a client's transfers between municipalities, oldest first.
func transfersOf(ctx context.Context, tx *db.Tx, id string) ([]model.Transfer, error) {
	out := []model.Transfer{}
	err := queryEach(ctx, tx, `SELECT id, client_id, from_municipality, to_municipality, reason, transferred_at, read_until
		FROM client_transfers WHERE client_id = $1 ORDER BY transferred_at, id`, []any{id}, func(r *sql.Rows) error {
		var t model.Transfer
		err := r.Scan(&t.ID, &t.ClientID, &t.FromMunicipality, &t.ToMunicipality, &t.Reason, &t.TransferredAt, &t.ReadUntil)
		t.TransferredAt = t.TransferredAt.UTC()
		out = append(out, t)
		return err
	})
	return out, err
}

// accessesOf lists every allowed processing of the clients' data recorded in
// the audit trail (events about them, and searches and listings that showed
// them), oldest first: time, organisation and action only.
func accessesOf(ctx context.Context, tx *db.Tx, ids []string) ([]ReportAccess, error) {
	out, seen := []ReportAccess{}, map[int64]bool{}
	for _, id := range ids {
		err := queryEach(ctx, tx, `SELECT e.id, e.at, e.actor_organisation, e.action FROM audit_events e
			WHERE e.outcome = 'allowed' AND (e.client_id = $1 OR e.id IN (SELECT event_id FROM audit_event_clients WHERE client_id = $1))
			ORDER BY e.id`, []any{id}, func(r *sql.Rows) error {
			var a ReportAccess
			var eventID int64
			err := r.Scan(&eventID, &a.Time, &a.Organisation, &a.Action)
			a.Time = a.Time.UTC()
			if !seen[eventID] { // an event may name several of the ids
				seen[eventID] = true
				out = append(out, a)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(out, func(a, b ReportAccess) int { return a.Time.Compare(b.Time) })
	return out, nil
}
