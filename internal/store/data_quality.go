package store

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/casepolicy"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// Data-quality checks of a municipality's own records (issue 11 item 9):
// what keeps its figures from being complete.
const (
	// QualityNoFirstPermit: clients without a first permit or registration
	// date (the eligibility window and days_permit_to_assessment need it).
	QualityNoFirstPermit = "no_first_permit_date"
	// QualityNoBackground: clients whose sex, citizenship or client group is
	// not recorded (they count as "unknown" in those breakdowns).
	QualityNoBackground = "no_background_data"
	// QualityPlanOverdue: assessments whose plan-preparation deadline has
	// passed without a plan (casepolicy.PlanPreparation, as the worklist).
	QualityPlanOverdue = "assessment_without_plan"
	// QualityServiceOpen: services started before today without an end date.
	QualityServiceOpen = "service_without_end"
)

// QualityChecks lists the checks in the order of the page.
var QualityChecks = []string{QualityNoFirstPermit, QualityNoBackground, QualityPlanOverdue, QualityServiceOpen}

// QualityCount is the number of records one check finds.
type QualityCount struct {
	Check string
	Count int
}

// QualityItem is one record a check finds: the client, and for assessments
// and services the record, its date and (services) its type.
type QualityItem struct {
	ClientID   string
	ClientName string // "Last, First"
	RecordID   string
	Date       *model.Date
	Kind       string
}

// qualityWhere is each client-level check as a condition on clients c.
var qualityWhere = map[string]string{
	QualityNoFirstPermit: `c.first_permit_date IS NULL`,
	QualityNoBackground:  `(c.sex IS NULL OR c.citizenships IS NULL OR c.client_group IS NULL)`,
}

// qualityActor checks that actor may perform action (a data-quality action)
// on municipality's records and returns the audit event to write.
func (s *Store) qualityActor(ctx context.Context, tx *db.Tx, actor Actor, action authz.Action, municipality string) (audit.Event, error) {
	ev := actor.event(action, audit.Allowed)
	ev.Municipality = municipality
	if _, ok := s.ref.Municipality(municipality); !ok {
		ev.Detail = "no such municipality"
		return ev, s.deny(ctx, tx, ev, model.ErrNotFound)
	}
	if actor.Principal == nil || !actor.Principal.Allowed(action, municipality).Allowed {
		return ev, s.deny(ctx, tx, ev, model.ErrForbidden)
	}
	return ev, nil
}

// DataQuality counts what each check finds among the municipality's own
// records, for its main users. Audited as data_quality.read (no client).
func (s *Store) DataQuality(ctx context.Context, actor Actor, municipality string) ([]QualityCount, error) {
	var out []QualityCount
	today := s.Today()
	err := s.inScopeTx(ctx, db.ScopeOf([]string{municipality}), func(tx *db.Tx) error {
		ev, err := s.qualityActor(ctx, tx, actor, authz.DataQualityRead, municipality)
		if err != nil {
			return err
		}
		out = out[:0]
		for _, check := range QualityChecks {
			n := 0
			switch check {
			case QualityPlanOverdue:
				items, err := s.overdueAssessments(ctx, tx, `c.municipality_code = $1`, []any{municipality}, today)
				if err != nil {
					return err
				}
				n = len(items)
			case QualityServiceOpen:
				err = tx.QueryRow(ctx, `SELECT COUNT(*) FROM services s JOIN clients c ON c.id = s.client_id
					WHERE c.municipality_code = $1 AND s.end_date IS NULL AND s.date < $2`, municipality, today).Scan(&n)
			default:
				err = tx.QueryRow(ctx, `SELECT COUNT(*) FROM clients c WHERE c.municipality_code = $1 AND `+qualityWhere[check], municipality).Scan(&n)
			}
			if err != nil {
				return err
			}
			out = append(out, QualityCount{Check: check, Count: n})
			ev.Detail += check + "=" + strconv.Itoa(n) + " "
		}
		return s.record(ctx, tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DataQualityItems lists the municipality's own records that check finds,
// by client name, for its main users. Audited as data_quality.clients with
// the clients listed.
func (s *Store) DataQualityItems(ctx context.Context, actor Actor, municipality, check string) ([]QualityItem, error) {
	if !slices.Contains(QualityChecks, check) {
		return nil, model.ErrNotFound
	}
	var out []QualityItem
	today := s.Today()
	err := s.inScopeTx(ctx, db.ScopeOf([]string{municipality}), func(tx *db.Tx) error {
		ev, err := s.qualityActor(ctx, tx, actor, authz.DataQualityClients, municipality)
		if err != nil {
			return err
		}
		ev.Detail = "check=" + check
		// The clients listed are scoped in SQL by the action's rule too.
		scope := `c.municipality_code = $1 AND EXISTS (` + grantFilter(authz.DataQualityClients, "$3", "$2") + `)`
		args := []any{municipality, today, actor.Principal.AccountID}
		switch check {
		case QualityPlanOverdue:
			out, err = s.overdueAssessments(ctx, tx, scope, args, today)
		case QualityServiceOpen:
			out, err = qualityItems(ctx, tx, `SELECT c.id, c.last_name, c.first_names, s.id, s.date, s.service_type
				FROM services s JOIN clients c ON c.id = s.client_id
				WHERE `+scope+` AND s.end_date IS NULL AND s.date < $2`, args...)
		default:
			out, err = qualityItems(ctx, tx, `SELECT c.id, c.last_name, c.first_names, '', NULL, ''
				FROM clients c WHERE `+scope+` AND `+qualityWhere[check], args...)
		}
		if err != nil {
			return err
		}
		slices.SortStableFunc(out, func(a, b QualityItem) int {
			if a.ClientName != b.ClientName {
				return strings.Compare(model.FoldForSearch(a.ClientName), model.FoldForSearch(b.ClientName))
			}
			return compareDates(a.Date, b.Date)
		})
		for _, it := range out {
			ev.ClientIDs = append(ev.ClientIDs, it.ClientID)
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

// qualityItems reads rows of client id, last name, first names, record id,
// date and kind.
func qualityItems(ctx context.Context, tx *db.Tx, query string, args ...any) ([]QualityItem, error) {
	var out []QualityItem
	err := queryEach(ctx, tx, query, args, func(r *sql.Rows) error {
		var it QualityItem
		var last, first string
		var d model.NullDate
		if err := r.Scan(&it.ClientID, &last, &first, &it.RecordID, &d, &it.Kind); err != nil {
			return err
		}
		it.ClientName, it.Date = last+", "+first, d.Ptr()
		out = append(out, it)
		return nil
	})
	return out, err
}

// overdueAssessments are the assessments of the clients c in scope (SQL
// with args) whose plan is overdue by the worklist's own rules
// (casepolicy), with the due date.
func (s *Store) overdueAssessments(ctx context.Context, tx *db.Tx, scope string, args []any, today model.Date) ([]QualityItem, error) {
	cases, names, err := casesIn(ctx, tx, scope, args)
	if err != nil {
		return nil, err
	}
	pol := s.cases()
	var out []QualityItem
	for _, c := range cases {
		for _, d := range pol.Deadlines(c, today) {
			if d.Kind == casepolicy.PlanPreparation && d.Overdue {
				due := d.Due
				out = append(out, QualityItem{ClientID: c.ClientID, ClientName: names[c.ClientID], RecordID: d.RecordID, Date: &due, Kind: d.Kind})
			}
		}
	}
	return out, nil
}

// compareDates orders dates, a missing one first.
func compareDates(a, b *model.Date) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return a.Time().Compare(b.Time())
}
