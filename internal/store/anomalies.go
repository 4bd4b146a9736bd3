package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// AnomalyRules are the thresholds of log monitoring (documented in the README).
type AnomalyRules struct {
	// ManyReads: more than ManyReads client reads by one account within ManyReadsWindow.
	ManyReads       int
	ManyReadsWindow time.Duration
	// ReadsWithoutWork: reads of more than this many distinct clients in one
	// run with whom the account has no recorded work (create, update, case record).
	ReadsWithoutWork int
	// Unusual hours in Finland: activity from UnusualFrom to UnusualTo o'clock, and at weekends.
	UnusualFrom, UnusualTo int
	// RepeatedDenied: at least this many denied attempts by one account within DeniedWindow.
	RepeatedDenied int
	DeniedWindow   time.Duration
	// LargeSearch: a search that returned at least this many clients.
	LargeSearch int
	// DormantSignIn: a sign-in after this long without one.
	DormantSignIn time.Duration
	// GrantEdge: use of a grant within this long before its end, or attempts
	// within this long after it ended or was revoked.
	GrantEdge time.Duration
}

// DefaultAnomalyRules are the documented defaults.
var DefaultAnomalyRules = AnomalyRules{
	ManyReads: 50, ManyReadsWindow: 10 * time.Minute,
	ReadsWithoutWork: 20,
	UnusualFrom:      22, UnusualTo: 6,
	RepeatedDenied: 5, DeniedWindow: 15 * time.Minute,
	LargeSearch:   30,
	DormantSignIn: 90 * 24 * time.Hour,
	GrantEdge:     24 * time.Hour,
}

// Anomaly is a finding of log monitoring.
type Anomaly struct {
	ID           int64   `json:"id"`
	Rule         string  `json:"rule"`
	Severity     string  `json:"severity"`
	ActorEmail   string  `json:"actor_email"`
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

type evEvent struct {
	id      int64
	at      time.Time
	account int64
	email   string
	grant   int64
	action  string
	outcome string
	client  string
	muni    string
	count   int
	detail  string
	request string
}

type found struct {
	rule, severity, dedup, summary, email, muni string
	account                                     int64
	events                                      []int64
	// key and args: the summary for the catalogue (anomaly.summary.<key>).
	key  string
	args []string
}

// minutes renders a rule's window for a summary.
func minutes(d time.Duration) string { return strconv.FormatFloat(d.Minutes(), 'f', -1, 64) }

// DetectAnomalies examines the audit events after cursor (at most batch of
// them) and records anomalies by the rules. It returns the new cursor. It is
// idempotent: an anomaly is recorded once per rule, account and time bucket.
func (s *Store) DetectAnomalies(ctx context.Context, rules AnomalyRules, cursor int64, batch int) (int64, int, error) {
	var events []evEvent
	err := s.db.InReadTx(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, at, COALESCE(actor_account_id, 0), actor_email, COALESCE(grant_id, 0), action, outcome,
			COALESCE(CAST(client_id AS text), ''), COALESCE(municipality_code, ''), COALESCE(result_count, 0), detail, request_id
			FROM audit_events WHERE id > $1 ORDER BY id LIMIT $2`, cursor, batch)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e evEvent
			var client string
			if err := rows.Scan(&e.id, &e.at, &e.account, &e.email, &e.grant, &e.action, &e.outcome, &client, &e.muni, &e.count, &e.detail, &e.request); err != nil {
				return err
			}
			e.client = client
			e.at = e.at.UTC()
			events = append(events, e)
		}
		return rows.Err()
	})
	if err != nil || len(events) == 0 {
		return cursor, 0, err
	}
	next := events[len(events)-1].id
	var finds []found
	personal := func(a string) bool { return authz.Action(a).PersonalData() }
	// Windowed counts per account.
	type key struct {
		account int64
		bucket  int64
	}
	reads := map[key][]evEvent{}
	denied := map[key][]evEvent{}
	readClients := map[int64]map[string][]evEvent{}
	for _, e := range events {
		if e.account == 0 {
			continue
		}
		local := e.at.In(Finland)
		h := local.Hour()
		if personal(e.action) && e.outcome == audit.Allowed &&
			(h >= rules.UnusualFrom || h < rules.UnusualTo || local.Weekday() == time.Saturday || local.Weekday() == time.Sunday) {
			day := local.Format("2006-01-02")
			finds = append(finds, found{rule: "unusual_hours", severity: "low", dedup: fmt.Sprintf("unusual_hours:%d:%s", e.account, day),
				summary: "activity with personal data at " + local.Format("Mon 15:04"), key: "unusual_hours", args: []string{local.Format("2006-01-02 15:04")}, email: e.email, muni: e.muni, account: e.account, events: []int64{e.id}})
		}
		if e.action == string(authz.ClientRead) && e.outcome == audit.Allowed {
			// A page that shows a client reads it more than once (data,
			// history): count one read per client per request.
			k := key{e.account, e.at.UnixNano() / int64(rules.ManyReadsWindow)}
			dup := e.request != "" && slices.ContainsFunc(reads[k], func(o evEvent) bool { return o.request == e.request && o.client == e.client })
			if !dup {
				reads[k] = append(reads[k], e)
			}
			if readClients[e.account] == nil {
				readClients[e.account] = map[string][]evEvent{}
			}
			readClients[e.account][e.client] = append(readClients[e.account][e.client], e)
		}
		if e.outcome == audit.Denied && e.action != string(authz.AuthSignIn) {
			k := key{e.account, e.at.UnixNano() / int64(rules.DeniedWindow)}
			denied[k] = append(denied[k], e)
		}
		if e.action == string(authz.ClientSearch) && e.count >= rules.LargeSearch {
			finds = append(finds, found{rule: "large_search", severity: "medium", dedup: fmt.Sprintf("large_search:%d", e.id),
				summary: fmt.Sprintf("a search returned %d clients", e.count), key: "large_search", args: []string{strconv.Itoa(e.count)}, email: e.email, muni: "", account: e.account, events: []int64{e.id}})
		}
	}
	for k, es := range reads {
		if len(es) > rules.ManyReads {
			finds = append(finds, found{rule: "many_reads", severity: "high", dedup: fmt.Sprintf("many_reads:%d:%d", k.account, k.bucket),
				summary: fmt.Sprintf("%d client reads within %s", len(es), rules.ManyReadsWindow), key: "many_reads", args: []string{strconv.Itoa(len(es)), minutes(rules.ManyReadsWindow)}, email: es[0].email, muni: es[0].muni, account: k.account, events: ids(es)})
		}
	}
	for k, es := range denied {
		if len(es) >= rules.RepeatedDenied {
			finds = append(finds, found{rule: "repeated_denied", severity: "medium", dedup: fmt.Sprintf("repeated_denied:%d:%d", k.account, k.bucket),
				summary: fmt.Sprintf("%d denied attempts within %s", len(es), rules.DeniedWindow), key: "repeated_denied", args: []string{strconv.Itoa(len(es)), minutes(rules.DeniedWindow)}, email: es[0].email, muni: firstMuni(es), account: k.account, events: ids(es)})
		}
	}
	// Reads without recorded work, sign-ins of dormant accounts and grant edges need the database.
	err = s.db.InReadTx(ctx, func(tx *db.Tx) error {
		if err := tx.SetScope(ctx, db.AllMunicipalities); err != nil {
			return err
		}
		for account, byClient := range readClients {
			var without []evEvent
			for client, es := range byClient {
				// The condition matches the partial index audit_events_work.
				var worked bool
				if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM audit_events WHERE actor_account_id = $1 AND client_id = $2 AND outcome = 'allowed'
					AND action NOT IN ('client.read', 'client.search', 'timeline.read', 'audit.read',
						'plan.read', 'assessment.read', 'service.read'))`, account, client).Scan(&worked); err != nil {
					return err
				}
				if !worked {
					without = append(without, es[0])
				}
			}
			if len(without) > rules.ReadsWithoutWork {
				finds = append(finds, found{rule: "reads_without_work", severity: "high", dedup: fmt.Sprintf("reads_without_work:%d:%d", account, without[0].id),
					summary: fmt.Sprintf("reads of %d clients with no recorded work by the account", len(without)), key: "reads_without_work", args: []string{strconv.Itoa(len(without))}, email: without[0].email,
					muni: without[0].muni, account: account, events: ids(without)})
			}
		}
		grantEnds := map[int64]model.NullDate{}
		for _, e := range events {
			switch {
			case e.action == "auth.sign_in" && e.outcome == audit.Allowed && e.account != 0:
				// The column itself, not MAX(at): SQLite gives an aggregate
				// no declared type, so it would come back as text.
				var prev sql.NullTime
				if err := tx.QueryRow(ctx, `SELECT at FROM audit_events WHERE actor_account_id = $1 AND action = 'auth.sign_in' AND outcome = 'allowed' AND id < $2
					ORDER BY at DESC LIMIT 1`, e.account, e.id).Scan(&prev); err != nil && !isNoRows(err) {
					return err
				}
				if prev.Valid && e.at.Sub(prev.Time) > rules.DormantSignIn {
					finds = append(finds, found{rule: "dormant_sign_in", severity: "medium", dedup: fmt.Sprintf("dormant_sign_in:%d", e.id),
						summary: fmt.Sprintf("sign-in after %d days without one", int(e.at.Sub(prev.Time).Hours()/24)), key: "dormant_sign_in", args: []string{strconv.Itoa(int(e.at.Sub(prev.Time).Hours() / 24))}, email: e.email, account: e.account, events: []int64{e.id}})
				}
			case e.grant != 0 && e.outcome == audit.Allowed && personal(e.action):
				// One lookup per grant, not per event (a batch can hold
				// tens of thousands of reads under few grants).
				until, seen := grantEnds[e.grant]
				if !seen {
					if err := tx.QueryRow(ctx, `SELECT valid_until FROM grants WHERE id = $1`, e.grant).Scan(&until); err != nil && !isNoRows(err) {
						return err
					}
					grantEnds[e.grant] = until
				}
				if until.Valid && until.Date.AddDate(0, 0, 1).Time().Sub(e.at) < rules.GrantEdge {
					finds = append(finds, found{rule: "grant_edge", severity: "low", dedup: fmt.Sprintf("grant_edge:%d:%d", e.account, e.grant),
						summary: "use of a grant just before its end", key: "grant_edge", email: e.email, muni: e.muni, account: e.account, events: []int64{e.id}})
				}
			case e.outcome == audit.Denied && e.account != 0 && e.muni != "" && personal(e.action):
				var ended sql.NullTime
				if err := tx.QueryRow(ctx, `SELECT revoked_at FROM grants WHERE account_id = $1 AND municipality_code = $2 AND revoked_at IS NOT NULL
					ORDER BY revoked_at DESC LIMIT 1`, e.account, e.muni).Scan(&ended); err != nil && !isNoRows(err) {
					return err
				}
				if ended.Valid && e.at.After(ended.Time) && e.at.Sub(ended.Time) < rules.GrantEdge {
					finds = append(finds, found{rule: "grant_edge", severity: "medium", dedup: fmt.Sprintf("grant_after_end:%d:%s", e.account, e.muni),
						summary: "attempts to use access just after the grant ended", key: "grant_after_end", email: e.email, muni: e.muni, account: e.account, events: []int64{e.id}})
				}
			}
		}
		return nil
	})
	if err != nil {
		return cursor, 0, err
	}
	recorded := 0
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		for _, f := range finds {
			var id int64
			args, err := json.Marshal(f.args)
			if err != nil {
				return err
			}
			err = tx.QueryRow(ctx, `INSERT INTO anomalies (rule, severity, account_id, actor_email, municipality_code, dedup_key, summary, summary_key, summary_args, detected_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (dedup_key) DO NOTHING RETURNING id`,
				f.rule, f.severity, nullInt64(f.account), f.email, nullIfEmpty(f.muni), f.dedup, f.summary, f.key, string(args), s.Now()).Scan(&id)
			if isNoRows(err) {
				continue
			}
			if err != nil {
				return err
			}
			recorded++
			for _, ev := range f.events {
				if _, err := tx.Exec(ctx, `INSERT INTO anomaly_events (anomaly_id, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, ev); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return next, recorded, err
}

func ids(es []evEvent) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.id
	}
	return out
}

func firstMuni(es []evEvent) string {
	for _, e := range es {
		if e.muni != "" {
			return e.muni
		}
	}
	return ""
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
		q := `SELECT a.id, a.rule, a.severity, a.actor_email, a.municipality_code, a.summary, a.summary_key, a.summary_args, a.detected_at, a.status, a.reported_at,
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
			if err := rows.Scan(&a.ID, &a.Rule, &a.Severity, &a.ActorEmail, &muni, &a.Summary, &a.SummaryKey, &summaryArgs, &a.DetectedAt, &a.Status, &rep,
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
		for i := range out {
			erows, err := tx.Query(ctx, `SELECT event_id FROM anomaly_events WHERE anomaly_id = $1 ORDER BY event_id`, out[i].ID)
			if err != nil {
				return err
			}
			for erows.Next() {
				var id int64
				if err := erows.Scan(&id); err != nil {
					erows.Close()
					return err
				}
				out[i].EventIDs = append(out[i].EventIDs, id)
			}
			erows.Close()
		}
		n := len(out)
		ev.ResultCount = &n
		return s.record(ctx, tx, ev)
	})
	return out, err
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
