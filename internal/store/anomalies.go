package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/monitoring"
)

// Anomaly is a finding of log monitoring.
type Anomaly struct {
	ID           int64   `json:"id"`
	Rule         string  `json:"rule"`
	Severity     string  `json:"severity"`
	ActorEmail   string  `json:"actor_email"`
	ActorName    string  `json:"-"` // the account's name now, for the UI
	Municipality *string `json:"municipality"`
	Summary      string  `json:"summary"`
	// SummaryKey and SummaryArgs say the summary in any language: the
	// message anomaly.summary.<key> of the catalogue with these arguments
	// (empty key: anomalies from before they were kept).
	SummaryKey    string     `json:"-"`
	SummaryArgs   []string   `json:"-"`
	DetectedAt    time.Time  `json:"detected_at"`
	Status        string     `json:"status"`
	ReportedAt    *time.Time `json:"reported_at"`
	MonitorNote   string     `json:"monitor_note"`
	Finding       *string    `json:"finding"`
	FindingNote   string     `json:"finding_note"`
	FindingAt     *time.Time `json:"finding_at"`
	GrantsRevoked int        `json:"grants_revoked"`
	EventIDs      []int64    `json:"evidence_event_ids"`
}

// DetectAnomalies examines every audit event after cursor (at most batch of
// them) by the rules of log monitoring; see DetectAnomaliesUntil.
func (s *Store) DetectAnomalies(ctx context.Context, rules monitoring.AnomalyRules, cursor int64, batch int) (int64, int, error) {
	return s.DetectAnomaliesUntil(ctx, rules, cursor, batch, time.Time{})
}

// DetectAnomaliesUntil examines the audit events after cursor (at most
// batch of them) that were recorded up to until (zero: all; the anomaly job
// leaves the newest ones for its next run, see monitoring.Settled) by the
// rules of log monitoring and records what they find. The rules decide
// (package monitoring); the store reads what they ask for and writes the
// findings. It returns the new cursor and the number of new anomalies. It
// is idempotent: an anomaly is recorded once per dedup key.
func (s *Store) DetectAnomaliesUntil(ctx context.Context, rules monitoring.AnomalyRules, cursor int64, batch int, until time.Time) (int64, int, error) {
	var events []monitoring.Event
	var facts monitoring.Facts
	err := s.db.InReadTx(ctx, func(tx *db.Tx) error {
		if err := tx.SetScope(ctx, db.AllMunicipalities); err != nil {
			return err
		}
		var err error
		events, err = monitoringEvents(ctx, tx, `id > $1 ORDER BY id LIMIT $2`, cursor, batch)
		if !until.IsZero() {
			events = monitoring.Settled(events, until)
		}
		if err != nil || len(events) == 0 {
			return err
		}
		facts, err = monitoringFacts(ctx, tx, rules.Ask(events), events, cursor)
		return err
	})
	if err != nil || len(events) == 0 {
		return cursor, 0, err
	}
	recorded, err := s.recordAnomalies(ctx, rules.Detect(events, facts))
	if err != nil {
		return cursor, 0, err
	}
	return events[len(events)-1].ID, recorded, nil
}

// monitoringEvents reads audit events as log monitoring sees them; where
// is the condition and order after "WHERE".
func monitoringEvents(ctx context.Context, tx *db.Tx, where string, args ...any) ([]monitoring.Event, error) {
	rows, err := tx.Query(ctx, `SELECT id, at, actor_account_id, actor_email, grant_id, action, outcome, client_id, municipality_code,
		result_count FROM audit_events WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []monitoring.Event
	for rows.Next() {
		var e monitoring.Event
		var account, grant, count sql.NullInt64
		var action, outcome string
		var client, muni sql.NullString
		if err := rows.Scan(&e.ID, &e.At, &account, &e.Email, &grant, &action, &outcome, &client, &muni, &count); err != nil {
			return nil, err
		}
		e.At = e.At.UTC()
		e.Account, e.Grant, e.ResultCount = account.Int64, grant.Int64, int(count.Int64)
		e.Action, e.Denied = authz.Action(action), outcome == audit.Denied
		e.Client, e.Municipality = client.String, muni.String
		out = append(out, e)
	}
	return out, rows.Err()
}

// monitoringFacts answers the rules' questions about a batch: the accounts'
// earlier events (up to the cursor), their recorded work on the clients
// they read, their previous sign-ins and their grants.
func monitoringFacts(ctx context.Context, tx *db.Tx, q monitoring.Questions, batch []monitoring.Event, cursor int64) (monitoring.Facts, error) {
	f := monitoring.Facts{Worked: map[monitoring.AccountClient]bool{}, PreviousSignIn: map[int64]time.Time{}, Grants: map[int64][]monitoring.Grant{}}
	for _, account := range q.Earlier {
		es, err := monitoringEvents(ctx, tx, `actor_account_id = $1 AND at >= $2 AND id <= $3 ORDER BY id`, account, q.Since, cursor)
		if err != nil {
			return f, err
		}
		f.Earlier = append(f.Earlier, es...)
	}
	for _, p := range monitoring.WorkAsked(f.Earlier, batch) {
		// The condition matches the partial index audit_events_work.
		var worked bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM audit_events WHERE actor_account_id = $1 AND client_id = $2
			AND outcome = 'allowed' AND action IN (`+workActions+`))`, p.Account, p.Client).Scan(&worked); err != nil {
			return f, err
		}
		f.Worked[p] = worked
	}
	for _, account := range q.SignIns {
		prev, err := previousSignIn(ctx, tx, account, cursor)
		if err != nil {
			return f, err
		}
		f.PreviousSignIn[account] = prev
	}
	for _, account := range q.Grants {
		gs, err := grantsForMonitoring(ctx, tx, account)
		if err != nil {
			return f, err
		}
		f.Grants[account] = gs
	}
	return f, nil
}

// workActions is the SQL list of the actions that are work on a client
// (authz Work), sorted: the partial index audit_events_work names the same
// list in the same order (migration 00014), which its test checks.
var workActions = sqlList(monitoring.WorkActions())

func sqlList(actions []authz.Action) string {
	quoted := make([]string, len(actions))
	for i, a := range actions {
		quoted[i] = "'" + strings.ReplaceAll(string(a), "'", "''") + "'"
	}
	return strings.Join(quoted, ", ")
}

// previousSignIn is the account's last sign-in up to the cursor, or its
// creation when it has none. The times are selected as columns, never as
// MAX(at): SQLite returns an aggregate as text, not as a time.
func previousSignIn(ctx context.Context, tx *db.Tx, account, cursor int64) (time.Time, error) {
	var at time.Time
	err := tx.QueryRow(ctx, `SELECT at FROM audit_events WHERE actor_account_id = $1 AND action = $2 AND outcome = 'allowed' AND id <= $3
		ORDER BY at DESC LIMIT 1`, account, string(authz.AuthSignIn), cursor).Scan(&at)
	if isNoRows(err) {
		err = tx.QueryRow(ctx, `SELECT created_at FROM accounts WHERE id = $1`, account).Scan(&at)
	}
	return at.UTC(), err
}

// grantsForMonitoring lists every grant of the account, ended ones too.
func grantsForMonitoring(ctx context.Context, tx *db.Tx, account int64) ([]monitoring.Grant, error) {
	rows, err := tx.Query(ctx, `SELECT id, municipality_code, valid_until, revoked_at FROM grants WHERE account_id = $1 ORDER BY id`, account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []monitoring.Grant
	for rows.Next() {
		var g monitoring.Grant
		var until model.NullDate
		var revoked sql.NullTime
		if err := rows.Scan(&g.ID, &g.Municipality, &until, &revoked); err != nil {
			return nil, err
		}
		g.Until, g.Revoked = until.Ptr(), timePtr(revoked)
		out = append(out, g)
	}
	return out, rows.Err()
}

// recordAnomalies writes the findings with their evidence; a finding whose
// dedup key is already recorded is skipped. It returns how many were new.
func (s *Store) recordAnomalies(ctx context.Context, finds []monitoring.Finding) (int, error) {
	recorded := 0
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		recorded = 0
		now := s.Now()
		for _, f := range finds {
			args, err := json.Marshal(f.Args)
			if err != nil {
				return err
			}
			if f.Args == nil {
				args = []byte("[]")
			}
			var id int64
			err = tx.QueryRow(ctx, `INSERT INTO anomalies (rule, severity, account_id, actor_email, municipality_code, dedup_key, summary, summary_key, summary_args, detected_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (dedup_key) DO NOTHING RETURNING id`,
				f.Rule, f.Severity, nullInt64(f.Account), f.Email, nullIfEmpty(f.Municipality), f.Dedup, f.Summary, f.Key, string(args), now).Scan(&id)
			if isNoRows(err) {
				continue
			}
			if err != nil {
				return err
			}
			recorded++
			for _, ev := range f.Events {
				if _, err := tx.Exec(ctx, `INSERT INTO anomaly_events (anomaly_id, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, ev); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return recorded, err
}

func nullInt64(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// Anomalies lists anomalies: a log monitor sees all (optionally by status); a
// main user those reported to the municipality.
func (s *Store) Anomalies(ctx context.Context, actor Actor, status string) ([]Anomaly, error) {
	return s.anomalies(ctx, actor, status, 0)
}

// AnomalyByID returns one anomaly the actor may see (see Anomalies).
func (s *Store) AnomalyByID(ctx context.Context, actor Actor, id int64) (Anomaly, error) {
	list, err := s.anomalies(ctx, actor, "", id)
	if err != nil {
		return Anomaly{}, err
	}
	if len(list) == 0 {
		return Anomaly{}, model.ErrNotFound
	}
	return list[0], nil
}

func (s *Store) anomalies(ctx context.Context, actor Actor, status string, id int64) ([]Anomaly, error) {
	var out []Anomaly
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		p := actor.Principal
		ev := actor.event(authz.AnomalyRead, audit.Allowed)
		var where []string
		var args []any
		switch {
		case p == nil || p.HasRole(authz.LogMonitor):
		case p.HasRole(authz.MainUser) && p.OrgKind == "municipality":
			args = append(args, p.OrgCode)
			where = append(where, `a.municipality_code = $1`, `a.status IN ('reported', 'closed')`)
			ev.Municipality = p.OrgCode
		default:
			return s.deny(ctx, tx, ev, model.ErrForbidden)
		}
		if status != "" {
			args = append(args, status)
			where = append(where, fmt.Sprintf(`a.status = $%d`, len(args)))
		}
		if id != 0 {
			args = append(args, id)
			where = append(where, fmt.Sprintf(`a.id = $%d`, len(args)))
			ev.Detail = "anomaly=" + itoa(id)
		}
		q := `SELECT a.id, a.rule, a.severity, a.actor_email, COALESCE((SELECT n.name FROM accounts n WHERE n.id = a.account_id), ''), a.municipality_code, a.summary, a.summary_key, a.summary_args, a.detected_at, a.status, a.reported_at,
			a.monitor_note, a.finding, a.finding_note, a.finding_at, a.grants_revoked FROM anomalies a`
		if len(where) > 0 {
			q += " WHERE " + strings.Join(where, " AND ")
		}
		rows, err := tx.Query(ctx, q+` ORDER BY a.id DESC LIMIT 1000`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var a Anomaly
			var muni, finding sql.NullString
			var rep, fat sql.NullTime
			var summaryArgs string
			if err := rows.Scan(&a.ID, &a.Rule, &a.Severity, &a.ActorEmail, &a.ActorName, &muni, &a.Summary, &a.SummaryKey, &summaryArgs, &a.DetectedAt, &a.Status, &rep,
				&a.MonitorNote, &finding, &a.FindingNote, &fat, &a.GrantsRevoked); err != nil {
				rows.Close()
				return err
			}
			if a.SummaryKey != "" && json.Unmarshal([]byte(summaryArgs), &a.SummaryArgs) != nil {
				a.SummaryKey = "" // unreadable: show the stored English summary
			}
			a.Municipality, a.Finding = ptr(muni), ptr(finding)
			a.DetectedAt = a.DetectedAt.UTC()
			a.ReportedAt, a.FindingAt = timePtr(rep), timePtr(fat)
			out = append(out, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := anomalyEvidence(ctx, tx, out); err != nil {
			return err
		}
		n := len(out)
		ev.ResultCount = &n
		return s.record(ctx, tx, ev)
	})
	return out, err
}

// anomalyEvidence fills in the evidence events of each anomaly.
func anomalyEvidence(ctx context.Context, tx *db.Tx, list []Anomaly) error {
	for i := range list {
		rows, err := tx.Query(ctx, `SELECT event_id FROM anomaly_events WHERE anomaly_id = $1 ORDER BY event_id`, list[i].ID)
		if err != nil {
			return err
		}
		if list[i].EventIDs, err = scanInt64s(rows); err != nil {
			return err
		}
	}
	return nil
}

// scanInt64s reads a one-column result of numbers (ids) and closes rows.
func scanInt64s(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// ReviewAnomaly is the log monitor's decision: report it to the municipality
// (which must then investigate) or dismiss it, with a note.
func (s *Store) ReviewAnomaly(ctx context.Context, actor Actor, id int64, report bool, note string) error {
	action := authz.AnomalyReport
	return s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev := actor.event(action, audit.Allowed)
		ev.Detail = "anomaly=" + itoa(id)
		if actor.Principal != nil && !actor.Principal.Allowed(action, "").Allowed {
			return s.deny(ctx, tx, ev, model.ErrForbidden)
		}
		if len([]rune(note)) > 2000 || model.HasControlChars(strings.NewReplacer("\n", "", "\r", "").Replace(note)) {
			return &model.Error{Code: model.CodeValidationFailed, Fields: []model.FieldError{{Field: "note", Code: model.FieldInvalidCharacters}}}
		}
		var muni sql.NullString
		var status string
		err := tx.QueryRow(ctx, `SELECT municipality_code, status FROM anomalies WHERE id = $1`, id).Scan(&muni, &status)
		if isNoRows(err) {
			return model.ErrNotFound
		}
		if err != nil {
			return err
		}
		if status != "new" {
			return model.Errorf(model.CodeConflict, "the anomaly was already reviewed")
		}
		if report && !muni.Valid {
			return &model.Error{Code: model.CodeValidationFailed, Detail: "no municipality to report to",
				Fields: []model.FieldError{{Field: "report", Code: "no_municipality"}}}
		}
		ev.Municipality = muni.String
		newStatus, when := "dismissed", any(nil)
		if report {
			newStatus, when = "reported", s.Now()
			ev.Detail += " reported"
		} else {
			ev.Detail += " dismissed"
		}
		if _, err := tx.Exec(ctx, `UPDATE anomalies SET status = $2, reviewed_by = $3, reported_at = $4, reported_by = $5, monitor_note = $6 WHERE id = $1`,
			id, newStatus, actor.accountID(), when, actor.accountID(), strings.TrimSpace(note)); err != nil {
			return err
		}
		if report {
			subject, body := anomalyMail(id, s.opts.BaseURL)
			if err := s.notifyMainUsers(ctx, tx, muni.String, subject, body); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, ev)
	})
}

// RecordFinding is the municipality's investigation result (misuse, not
// misuse, unclear), optionally revoking in the same step every grant the
// account holds from the municipality.
func (s *Store) RecordFinding(ctx context.Context, actor Actor, id int64, finding, note string, revoke bool) (int, error) {
	defer s.principalsChanged()
	revoked := 0
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev := actor.event(authz.AnomalyInvestigate, audit.Allowed)
		ev.Detail = "anomaly=" + itoa(id)
		var muni sql.NullString
		var status string
		var account sql.NullInt64
		err := tx.QueryRow(ctx, `SELECT municipality_code, status, account_id FROM anomalies WHERE id = $1`, id).Scan(&muni, &status, &account)
		if isNoRows(err) || (err == nil && (status != "reported" && status != "closed")) {
			return s.deny(ctx, tx, ev, model.ErrNotFound)
		}
		if err != nil {
			return err
		}
		ev.Municipality = muni.String
		if actor.Principal != nil && !actor.Principal.Allowed(authz.AnomalyInvestigate, muni.String).Allowed {
			return s.deny(ctx, tx, ev, model.ErrNotFound)
		}
		switch finding {
		case "misuse", "not_misuse", "unclear":
		default:
			return &model.Error{Code: model.CodeValidationFailed, Fields: []model.FieldError{{Field: "finding", Code: model.FieldInvalidChoice}}}
		}
		if len([]rune(note)) > 4000 {
			return &model.Error{Code: model.CodeValidationFailed, Fields: []model.FieldError{{Field: "note", Code: model.FieldTooLong, Param: "4000"}}}
		}
		now := s.Now()
		if revoke && account.Valid {
			res, err := tx.Exec(ctx, `UPDATE grants SET revoked_at = $3, revoked_by = $4 WHERE account_id = $1 AND municipality_code = $2 AND revoked_at IS NULL`,
				account.Int64, muni.String, now, actor.accountID())
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			revoked = int(n)
			rev := actor.event(authz.GrantRevoke, audit.Allowed)
			rev.Municipality, rev.Detail = muni.String, fmt.Sprintf("account=%d grants=%d anomaly=%d", account.Int64, n, id)
			if err := s.record(ctx, tx, rev); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE anomalies SET status = 'closed', finding = $2, finding_note = $3, finding_at = $4, finding_by = $5,
			grants_revoked = grants_revoked + $6 WHERE id = $1`, id, finding, strings.TrimSpace(note), now, actor.accountID(), revoked); err != nil {
			return err
		}
		ev.Detail += " finding=" + finding
		return s.record(ctx, tx, ev)
	})
	return revoked, err
}

// ResponseTime is how quickly a municipality investigated the anomalies reported to it.
type ResponseTime struct {
	Municipality   string   `json:"municipality"`
	Reported       int      `json:"reported"`
	Open           int      `json:"open"`
	MedianHours    *float64 `json:"median_hours"`
	MaxHours       *float64 `json:"max_hours"`
	OldestOpenDays *float64 `json:"oldest_open_days"`
}

// AnomalyResponseTimes reports, per municipality, how long investigations
// took (log monitors only).
func (s *Store) AnomalyResponseTimes(ctx context.Context, actor Actor) ([]ResponseTime, error) {
	var out []ResponseTime
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev := actor.event(authz.AnomalyRead, audit.Allowed)
		ev.Detail = "response times"
		if actor.Principal != nil && !actor.Principal.HasRole(authz.LogMonitor) {
			return s.deny(ctx, tx, ev, model.ErrForbidden)
		}
		rows, err := tx.Query(ctx, `SELECT municipality_code, reported_at, finding_at FROM anomalies
			WHERE reported_at IS NOT NULL AND municipality_code IS NOT NULL ORDER BY municipality_code`)
		if err != nil {
			return err
		}
		defer rows.Close()
		now := s.Now()
		by := map[string]*ResponseTime{}
		hours := map[string][]float64{}
		var order []string
		for rows.Next() {
			var muni string
			var rep time.Time
			var fin sql.NullTime
			if err := rows.Scan(&muni, &rep, &fin); err != nil {
				return err
			}
			r := by[muni]
			if r == nil {
				r = &ResponseTime{Municipality: muni}
				by[muni] = r
				order = append(order, muni)
			}
			r.Reported++
			if fin.Valid {
				hours[muni] = append(hours[muni], fin.Time.Sub(rep).Hours())
			} else {
				r.Open++
				d := now.Sub(rep).Hours() / 24
				if r.OldestOpenDays == nil || d > *r.OldestOpenDays {
					r.OldestOpenDays = &d
				}
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range order {
			r := by[m]
			if hs := hours[m]; len(hs) > 0 {
				sort.Float64s(hs)
				med, mx := hs[len(hs)/2], hs[len(hs)-1]
				r.MedianHours, r.MaxHours = &med, &mx
			}
			out = append(out, *r)
		}
		return s.record(ctx, tx, ev)
	})
	return out, err
}
