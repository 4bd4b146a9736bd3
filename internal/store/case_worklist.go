package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/casepolicy"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// WorklistItem is a statutory deadline of one client (casepolicy.Deadline):
// Kind is one of the casepolicy deadline kinds; DueDate has been moved off
// weekends and holidays to the next business day; Overdue means it has
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
// window: clients the caller registered); with MyClients only the clients
// the caller is a responsible worker of.
type WorklistFilter struct {
	Municipality string
	Mine         bool
	MyClients    bool
}

// Worklist lists the due and overdue statutory deadlines of a municipality's
// clients that the caller may read (R12, casepolicy.Policy.Deadlines),
// soonest first. Audited as worklist.read with the clients shown.
func (s *Store) Worklist(ctx context.Context, actor Actor, f WorklistFilter) ([]WorklistItem, error) {
	pol, today := s.cases(), s.Today()
	out := []WorklistItem{}
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev := actor.event(authz.WorklistRead, audit.Allowed)
		ev.Municipality = f.Municipality
		if f.Mine {
			ev.Detail = "mine"
		}
		if f.MyClients {
			ev.Detail = strings.TrimSpace(ev.Detail + " my_clients")
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
		cases, names, err := worklistCases(ctx, tx, f.Municipality, me, today, f.MyClients)
		if err != nil {
			return err
		}
		var ds []casepolicy.Deadline
		for _, c := range cases {
			for _, d := range pol.Deadlines(c, today) {
				if !f.Mine || d.RecordedBy == me {
					ds = append(ds, d)
				}
			}
		}
		casepolicy.SortDeadlines(ds)
		for _, d := range ds {
			out = append(out, WorklistItem{ClientID: d.ClientID, ClientName: names[d.ClientID], Kind: d.Kind, DueDate: d.Due, Overdue: d.Overdue, RecordID: d.RecordID})
			if !slices.Contains(ev.ClientIDs, d.ClientID) {
				ev.ClientIDs = append(ev.ClientIDs, d.ClientID)
			}
		}
		n := len(out)
		ev.ResultCount = &n
		return s.record(ctx, tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// worklistCases reads what the deadlines of a municipality's open clients
// that account me may read depend on (of those me is responsible for, with
// mine), with the clients' names ("Last, First"). Closed clients and records
// entered in error leave the worklist.
func worklistCases(ctx context.Context, tx *db.Tx, muni string, me int64, today model.Date, mine bool) ([]casepolicy.Case, map[string]string, error) {
	scope := `c.municipality_code = $1 AND c.closed_date IS NULL AND EXISTS (` + grantFilter(authz.WorklistRead, "$2", "$3") + `)`
	if mine {
		scope += ` AND EXISTS (SELECT 1 FROM client_responsible_workers w WHERE w.client_id = c.id AND w.account_id = $2)`
	}
	return casesIn(ctx, tx, scope, []any{muni, me, today})
}

// casesIn reads what the deadlines of the clients c matching scope (SQL
// over clients c, with args) depend on, with their names ("Last, First").
func casesIn(ctx context.Context, tx *db.Tx, scope string, args []any) ([]casepolicy.Case, map[string]string, error) {
	var cases []*casepolicy.Case
	byID, names := map[string]*casepolicy.Case{}, map[string]string{}
	if err := queryEach(ctx, tx, `SELECT c.id, c.first_permit_date, c.created_by, c.last_name, c.first_names, c.residence_valid_until FROM clients c WHERE `+scope+` ORDER BY c.id`, args, func(r *sql.Rows) error {
		var c casepolicy.Case
		var first, until model.NullDate
		var by sql.NullInt64
		var last, firstNames string
		if err := r.Scan(&c.ClientID, &first, &by, &last, &firstNames, &until); err != nil {
			return err
		}
		c.FirstPermit, c.RegisteredBy, c.ResidenceValidUntil = first.Ptr(), by.Int64, until.Ptr()
		names[c.ClientID] = last + ", " + firstNames
		cases = append(cases, &c)
		byID[c.ClientID] = &c
		return nil
	}); err != nil {
		return nil, nil, err
	}
	if err := worklistRecords(ctx, tx, scope, args, byID); err != nil {
		return nil, nil, err
	}
	out := make([]casepolicy.Case, len(cases))
	for i, c := range cases {
		out[i] = *c
	}
	return out, names, nil
}

// worklistRecords adds to the cases the latest assessment, the plans and the
// latest service date of each client in scope.
func worklistRecords(ctx context.Context, tx *db.Tx, scope string, args []any, byID map[string]*casepolicy.Case) error {
	if err := queryEach(ctx, tx, `SELECT a.id, a.client_id, a.date, a.planned_plan_date, a.plan_needed, a.created_by
		FROM assessments a JOIN clients c ON c.id = a.client_id WHERE NOT a.entered_in_error AND `+scope+` ORDER BY a.date, a.created_at, a.id`, args, func(r *sql.Rows) error {
		var a casepolicy.Assessment
		var client string
		var planned model.NullDate
		var needed sql.NullBool
		var by sql.NullInt64
		if err := r.Scan(&a.ID, &client, &a.Date, &planned, &needed, &by); err != nil {
			return err
		}
		a.PlannedPlanDate, a.RecordedBy = planned.Ptr(), by.Int64
		if needed.Valid {
			a.PlanNeeded = &needed.Bool
		}
		byID[client].LatestAssessment = &a
		return nil
	}); err != nil {
		return err
	}
	if err := queryEach(ctx, tx, `SELECT p.id, p.client_id, p.start_date, p.end_date, p.planned_review_date, p.created_by,
		EXISTS (SELECT 1 FROM plan_reviews r WHERE r.plan_id = p.id AND NOT r.entered_in_error)
		FROM plans p JOIN clients c ON c.id = p.client_id WHERE NOT p.entered_in_error AND `+scope+` ORDER BY p.start_date, p.created_at, p.id`, args, func(r *sql.Rows) error {
		var p casepolicy.Plan
		var client string
		var review model.NullDate
		var by sql.NullInt64
		if err := r.Scan(&p.ID, &client, &p.Start, &p.End, &review, &by, &p.Reviewed); err != nil {
			return err
		}
		p.PlannedReviewDate, p.RecordedBy = review.Ptr(), by.Int64
		byID[client].Plans = append(byID[client].Plans, p)
		return nil
	}); err != nil {
		return err
	}
	return queryEach(ctx, tx, `SELECT s.client_id, s.date FROM services s JOIN clients c ON c.id = s.client_id WHERE NOT s.entered_in_error AND `+scope+` ORDER BY s.date`, args, func(r *sql.Rows) error {
		var client string
		var d model.Date
		if err := r.Scan(&client, &d); err != nil {
			return err
		}
		byID[client].LastService = &d
		return nil
	})
}
