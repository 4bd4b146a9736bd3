package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// AuditFilter selects audit events. Zero values mean "any".
type AuditFilter struct {
	ClientID   string
	ActorEmail string
	Action     string
	Outcome    string
	RequestID  string
	EventIDs   []int64 // only these events (e.g. an anomaly's evidence)
	From, To   time.Time
	BeforeID   int64 // pagination: events with a smaller id
	Limit      int   // default 100, at most 1000
}

// AuditItem is an audit event as listed.
type AuditItem struct {
	ID                int64     `json:"id"`
	Time              time.Time `json:"time"`
	ActorEmail        string    `json:"actor_email"`
	ActorName         string    `json:"-"` // the account's name now, for the UI ("" for the operator or a failed sign-in)
	ActorOrganisation string    `json:"actor_organisation"`
	Action            string    `json:"action"`
	ClientID          *string   `json:"client_id"`
	Municipality      *string   `json:"municipality"`
	Outcome           string    `json:"outcome"`
	ResultCount       *int      `json:"result_count,omitempty"`
	RemoteAddr        string    `json:"remote_addr"`
}

// AuditEvents lists audit events the actor may read: a log monitor all of
// them, a main user those about the municipality's clients and staff. Reading
// the trail is itself audited (audit.read).
func (s *Store) AuditEvents(ctx context.Context, actor Actor, f AuditFilter) ([]AuditItem, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	f.Limit = min(f.Limit, 1000)
	var out []AuditItem
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev := actor.event(authz.AuditRead, audit.Allowed)
		// The operator (command line) reads everything, like a log monitor.
		p := actor.Principal
		if p == nil {
			p = &authz.Principal{Roles: []authz.Role{authz.LogMonitor}}
		}
		var conds []string
		var args []any
		arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
		if f.ClientID != "" {
			cond, err := s.auditClientScope(ctx, tx, actor, p, &ev, f.ClientID, arg)
			if err != nil {
				return err
			}
			conds = append(conds, cond)
		} else {
			if !p.Allowed(authz.AuditRead, "").Allowed {
				return s.deny(ctx, tx, ev, model.ErrForbidden)
			}
			if !p.HasRole(authz.LogMonitor) {
				ev.Municipality = p.OrgCode
				conds = append(conds, `e.municipality_code = `+arg(p.OrgCode))
			}
		}
		conds = append(conds, f.conditions(arg)...)
		where := ""
		if len(conds) > 0 {
			where = "WHERE " + strings.Join(conds, " AND ")
		}
		rows, err := tx.Query(ctx, `SELECT e.id, e.at, e.actor_email, COALESCE(acc.name, ''), e.actor_organisation, e.action, e.client_id, e.municipality_code,
			e.outcome, e.result_count, e.remote_addr FROM audit_events e LEFT JOIN accounts acc ON acc.id = e.actor_account_id `+where+` ORDER BY e.id DESC LIMIT `+arg(f.Limit), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it AuditItem
			var client, muni sql.NullString
			var count sql.NullInt64
			if err := rows.Scan(&it.ID, &it.Time, &it.ActorEmail, &it.ActorName, &it.ActorOrganisation, &it.Action, &client, &muni, &it.Outcome, &count, &it.RemoteAddr); err != nil {
				return err
			}
			it.Time = it.Time.UTC()
			it.ClientID, it.Municipality = ptr(client), ptr(muni)
			if count.Valid {
				c := int(count.Int64)
				it.ResultCount = &c
			}
			out = append(out, it)
		}
		return s.recordListing(ctx, tx, rows, ev, len(out))
	})
	return out, err
}

// auditClientScope checks that the caller may read the audit events about
// client id (else a denied event and not found) and returns the condition
// selecting them: events naming the client, or any record merged into it
// while the merge stands, and listings that showed them.
func (s *Store) auditClientScope(ctx context.Context, tx *db.Tx, actor Actor, p *authz.Principal, ev *audit.Event, id string, arg func(any) string) (string, error) {
	cid, err := ParseClientID(id)
	if err != nil {
		return "", s.deny(ctx, tx, *ev, model.ErrNotFound)
	}
	ev.ClientID = cid
	var muni string
	err = s.national(ctx, tx, actor, func() error {
		return tx.QueryRow(ctx, `SELECT municipality_code FROM clients WHERE id = $1`, cid).Scan(&muni)
	})
	if err != nil && !isNoRows(err) {
		return "", err
	}
	if isNoRows(err) || !p.Allowed(authz.AuditRead, muni).Allowed {
		return "", s.deny(ctx, tx, *ev, model.ErrNotFound)
	}
	ev.Municipality = muni
	var ids []string
	if err := s.national(ctx, tx, actor, func() (err error) {
		ids, err = withMerged(ctx, tx, cid)
		return err
	}); err != nil {
		return "", err
	}
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = arg(id)
	}
	in := strings.Join(list, ", ")
	return `(e.client_id IN (` + in + `) OR e.id IN (SELECT event_id FROM audit_event_clients WHERE client_id IN (` + in + `)))`, nil
}

// conditions are the SQL conditions of the filter's own members (not of
// the caller's scope), with arg adding a parameter.
func (f AuditFilter) conditions(arg func(any) string) []string {
	var conds []string
	if f.ActorEmail != "" {
		conds = append(conds, `e.actor_email = `+arg(strings.ToLower(f.ActorEmail)))
	}
	if f.Action != "" {
		conds = append(conds, `e.action = `+arg(f.Action))
	}
	if f.Outcome != "" {
		conds = append(conds, `e.outcome = `+arg(f.Outcome))
	}
	if f.RequestID != "" {
		conds = append(conds, `e.request_id = `+arg(f.RequestID))
	}
	if len(f.EventIDs) > 0 {
		var in []string
		for _, id := range f.EventIDs[:min(len(f.EventIDs), 1000)] {
			in = append(in, arg(id))
		}
		conds = append(conds, `e.id IN (`+strings.Join(in, ", ")+`)`)
	}
	if !f.From.IsZero() {
		conds = append(conds, `e.at >= `+arg(f.From.UTC()))
	}
	if !f.To.IsZero() {
		conds = append(conds, `e.at < `+arg(f.To.UTC()))
	}
	if f.BeforeID > 0 {
		conds = append(conds, `e.id < `+arg(f.BeforeID))
	}
	return conds
}
