package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/indicators"
	"github.com/kotodigi/kotodigi/internal/model"
)

// Retention periods by record class. These are defaults, not law: which
// provision sets each period is still to be confirmed (README, "Retention").
const (
	// DefaultClientRetention: a client (with every case record) is removed
	// this long after the last activity on the client.
	DefaultClientRetention = 5 * 365 * 24 * time.Hour
	// DefaultCaseRecordRetention: a case record of a client still kept is
	// removed this long after its own date (a plan after its end).
	DefaultCaseRecordRetention = 10 * 365 * 24 * time.Hour
	// DefaultSignInRetention: failed sign-in attempts and ended sessions.
	DefaultSignInRetention = 90 * 24 * time.Hour
)

// RetentionPolicy is how long each class of records is kept. Audit events
// have their own period (ApplyAuditRetention, at least a year, judged by the
// database's clock).
type RetentionPolicy struct {
	Clients     time.Duration
	CaseRecords time.Duration
	SignIns     time.Duration
	Audit       time.Duration
}

// WithDefaults fills the zero periods with the defaults.
func (p RetentionPolicy) WithDefaults() RetentionPolicy {
	if p.Clients <= 0 {
		p.Clients = DefaultClientRetention
	}
	if p.CaseRecords <= 0 {
		p.CaseRecords = DefaultCaseRecordRetention
	}
	if p.SignIns <= 0 {
		p.SignIns = DefaultSignInRetention
	}
	if p.Audit <= 0 {
		p.Audit = DefaultAuditRetention
	}
	return p
}

// RetentionCounts is what a run removed, or a dry run would remove, by
// class: counts only, never who.
type RetentionCounts struct {
	Clients        int64 `json:"clients"`
	Assessments    int64 `json:"assessments"`
	Plans          int64 `json:"plans"`
	Services       int64 `json:"services"`
	AuditEvents    int64 `json:"audit_events"`
	SignInAttempts int64 `json:"sign_in_attempts"`
	Sessions       int64 `json:"sessions"`
	// Held: clients past their period that a legal hold keeps.
	Held int64 `json:"held"`
}

func (c RetentionCounts) detail() string {
	return "client_count=" + itoa(c.Clients) + " assessments=" + itoa(c.Assessments) + " plans=" + itoa(c.Plans) + " services=" +
		itoa(c.Services) + " audit_events=" + itoa(c.AuditEvents) + " sign_in_attempts=" + itoa(c.SignInAttempts) +
		" sessions=" + itoa(c.Sessions) + " held=" + itoa(c.Held)
}

// retentionCuts are the cut-off instants and days of a policy at now.
type retentionCuts struct {
	client, record, signIn time.Time
	clientDay, recordDay   model.Date
}

func cutsOf(p RetentionPolicy, now time.Time) retentionCuts {
	c := retentionCuts{client: now.Add(-p.Clients), record: now.Add(-p.CaseRecords), signIn: now.Add(-p.SignIns)}
	c.clientDay, c.recordDay = model.DateOf(c.client.In(Finland)), model.DateOf(c.record.In(Finland))
	return c
}

// dueClientsWhere selects the clients c past the client period: nothing
// recorded or changed on them since $1, and no record whose own date (a
// plan's end, a service's end, a transfer's read period) reaches $2.
const dueClientsWhere = `c.updated_at < $1
	AND NOT EXISTS (SELECT 1 FROM assessments a WHERE a.client_id = c.id AND (a.created_at >= $1 OR a.date >= $2))
	AND NOT EXISTS (SELECT 1 FROM plans p WHERE p.client_id = c.id AND (p.created_at >= $1 OR p.end_date >= $2))
	AND NOT EXISTS (SELECT 1 FROM plan_reviews r WHERE r.client_id = c.id AND r.created_at >= $1)
	AND NOT EXISTS (SELECT 1 FROM services s WHERE s.client_id = c.id AND (s.created_at >= $1 OR COALESCE(s.end_date, s.date) >= $2))
	AND NOT EXISTS (SELECT 1 FROM client_transfers t WHERE t.client_id = c.id AND (t.transferred_at >= $1 OR t.read_until >= $2))`

// notHeld: no legal hold on client c.
const notHeld = ` AND NOT EXISTS (SELECT 1 FROM client_legal_holds h WHERE h.client_id = c.id)`

// dueRecords are the case records past the case-record period of clients
// kept (not due themselves, or held): table, the record's own last date.
var dueRecords = []struct{ table, alias, date string }{
	{"assessments", "a", "a.date"},
	{"plans", "p", "p.end_date"},
	{"services", "s", "COALESCE(s.end_date, s.date)"},
}

// dueRecordsWhere selects the records of alias in a table that are due:
// recorded before parameter at, dated before parameter day, of a client
// not held.
func dueRecordsWhere(alias, date, at, day string) string {
	return alias + `.created_at < ` + at + ` AND ` + date + ` < ` + day + `
		AND NOT EXISTS (SELECT 1 FROM client_legal_holds h WHERE h.client_id = ` + alias + `.client_id)`
}

// countDue counts what a run would remove, in tx.
func countDue(ctx context.Context, tx *db.Tx, cut retentionCuts) (RetentionCounts, error) {
	var n RetentionCounts
	args := []any{cut.client, cut.clientDay, cut.record, cut.recordDay}
	q := `SELECT (SELECT COUNT(*) FROM clients c WHERE ` + dueClientsWhere + notHeld + `),
		(SELECT COUNT(*) FROM clients c WHERE ` + dueClientsWhere + ` AND EXISTS (SELECT 1 FROM client_legal_holds h WHERE h.client_id = c.id))`
	for _, r := range dueRecords {
		q += `, (SELECT COUNT(*) FROM ` + r.table + ` ` + r.alias + ` JOIN clients c ON c.id = ` + r.alias + `.client_id
			WHERE (` + dueRecordsWhere(r.alias, r.date, "$3", "$4") + `) OR (` + dueClientsWhere + notHeld + `))`
	}
	q += `, (SELECT COUNT(*) FROM sign_in_attempts WHERE at < $5), (SELECT COUNT(*) FROM sessions WHERE expires_at < $5)`
	err := tx.QueryRow(ctx, q, append(args, cut.signIn)...).Scan(&n.Clients, &n.Held, &n.Assessments, &n.Plans, &n.Services,
		&n.SignInAttempts, &n.Sessions)
	return n, err
}

// RetentionDryRun lists what a retention run would remove now, by class
// (counts only), for KEHA-keskus' admin or the operator. Audited as
// retention.read with the counts.
func (s *Store) RetentionDryRun(ctx context.Context, actor Actor, p RetentionPolicy) (RetentionCounts, error) {
	p = p.WithDefaults()
	var out RetentionCounts
	err := s.db.InScope(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
		ev := actor.event(authz.RetentionRead, audit.Allowed)
		if actor.Principal != nil && !actor.Principal.Allowed(authz.RetentionRead, "").Allowed {
			ev.Outcome = audit.Denied
			if err := s.record(ctx, tx, ev); err != nil {
				return err
			}
			return deniedError{model.ErrForbidden}
		}
		var err error
		if out, err = countDue(ctx, tx, cutsOf(p, s.Now())); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events WHERE at < $1`, s.Now().Add(-max(p.Audit, audit.MinRetention))).Scan(&out.AuditEvents); err != nil {
			return err
		}
		ev.Detail = "dry_run " + out.detail()
		return s.record(ctx, tx, ev)
	})
	if d, ok := err.(deniedError); ok {
		return out, d.err
	}
	return out, err
}

// ApplyRetention removes what has passed its period: clients (with their
// case records and history), case records of clients kept and sign-in
// records (audit events: ApplyAuditRetention, a job of its own). What the removed records counted
// in the indicators is kept as frozen facts without any person identifier,
// computed in the same transaction as the removal, so that the published
// figures do not change. Audited as one retention.run with the counts.
func (s *Store) ApplyRetention(ctx context.Context, actor Actor, p RetentionPolicy) (RetentionCounts, error) {
	p = p.WithDefaults()
	var out RetentionCounts
	err := s.db.InScope(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
		cut := cutsOf(p, s.Now())
		due, err := countDue(ctx, tx, cut)
		if err != nil {
			return err
		}
		out = due
		if due.Clients+due.Assessments+due.Plans+due.Services > 0 {
			if err := s.removeFreezingFacts(ctx, tx, cut); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sign_in_attempts WHERE at < $1`, cut.signIn); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at < $1`, cut.signIn); err != nil {
			return err
		}
		if err := forgetUndoneMerges(ctx, tx); err != nil {
			return err
		}
		ev := actor.event(authz.RetentionRun, audit.Allowed)
		ev.Detail = out.detail()
		return s.record(ctx, tx, ev)
	})
	return out, err
}

// forgetUndoneMerges deletes what only an undo needs (the removed record's
// copy and the list of moved rows) of the merges whose undo period is over
// by the database's clock, as the undo judges it: the copy is personal data
// that nothing else uses.
func forgetUndoneMerges(ctx context.Context, tx *db.Tx) error {
	now, err := tx.Now(ctx)
	if err != nil {
		return err
	}
	for _, t := range []string{"client_merge_moves", "client_merge_snapshots"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+t+` WHERE merge_id IN
			(SELECT m.id FROM client_merges m WHERE m.state = 'merged' AND m.undo_until < $1)`, now); err != nil {
			return err
		}
	}
	return nil
}

// removeFreezingFacts removes the due clients and records in tx and keeps
// the difference of the indicator facts before and after as frozen facts.
func (s *Store) removeFreezingFacts(ctx context.Context, tx *db.Tx, cut retentionCuts) error {
	queries := factQueries(s.db.Dialect, s.hasClientColumn(ctx))
	ids := make([]string, 0, len(queries))
	for id := range queries {
		ids = append(ids, id)
	}
	last := indicators.MonthOf(s.Today())
	first, err := firstDataMonth(ctx, tx, last)
	if err != nil {
		return err
	}
	now := s.Now()
	before, err := factsOf(ctx, tx, queries, ids, first, last, s.Today(), now)
	if err != nil {
		return err
	}
	if err := removeDue(ctx, tx, cut); err != nil {
		return err
	}
	after, err := factsOf(ctx, tx, queries, ids, first, last, s.Today(), now)
	if err != nil {
		return err
	}
	return insertFrozen(ctx, tx, factDifference(before, after), now)
}

// clientChildTables are the tables whose rows belong to one client
// (client_id), removed with the client, children first.
var clientChildTables = []string{"plan_reviews", "plans", "assessments", "services", "client_transfers", "client_changes",
	"jobseeker_statuses", "client_legal_holds", "case_record_versions", "client_responsible_workers", "municipality_notices"}

// removeDue deletes the due case records of clients kept, then the due
// clients with everything that belongs to them.
func removeDue(ctx context.Context, tx *db.Tx, cut retentionCuts) error {
	args := []any{cut.client, cut.clientDay, cut.record, cut.recordDay}
	// Reviews go with their plan.
	if _, err := tx.Exec(ctx, `DELETE FROM plan_reviews WHERE plan_id IN (SELECT p.id FROM plans p WHERE `+
		dueRecordsWhere("p", "p.end_date", "$1", "$2")+`)`, args[2:]...); err != nil {
		return err
	}
	for _, r := range dueRecords {
		if _, err := tx.Exec(ctx, `DELETE FROM `+r.table+` WHERE id IN (SELECT `+r.alias+`.id FROM `+r.table+` `+r.alias+` WHERE `+
			dueRecordsWhere(r.alias, r.date, "$1", "$2")+`)`, args[2:]...); err != nil {
			return err
		}
	}
	// Earlier versions go with the removed records they were versions of.
	if _, err := tx.Exec(ctx, `DELETE FROM case_record_versions WHERE
		(record_kind = 'assessment' AND NOT EXISTS (SELECT 1 FROM assessments x WHERE x.id = case_record_versions.record_id))
		OR (record_kind = 'plan' AND NOT EXISTS (SELECT 1 FROM plans x WHERE x.id = case_record_versions.record_id))
		OR (record_kind = 'review' AND NOT EXISTS (SELECT 1 FROM plan_reviews x WHERE x.id = case_record_versions.record_id))
		OR (record_kind = 'service' AND NOT EXISTS (SELECT 1 FROM services x WHERE x.id = case_record_versions.record_id))`); err != nil {
		return err
	}
	var due []string
	if err := queryEach(ctx, tx, `SELECT c.id FROM clients c WHERE `+dueClientsWhere+notHeld, args[:2], func(r *sql.Rows) error {
		var id string
		due = append(due, id)
		return r.Scan(&due[len(due)-1])
	}); err != nil {
		return err
	}
	for _, id := range due {
		// Merges the client took part in, with what their undo kept.
		for _, q := range []string{
			`DELETE FROM client_merge_moves WHERE merge_id IN (SELECT m.id FROM client_merges m WHERE m.client_a = $1 OR m.client_b = $1)`,
			`DELETE FROM client_merge_snapshots WHERE merge_id IN (SELECT m.id FROM client_merges m WHERE m.client_a = $1 OR m.client_b = $1)`,
			`DELETE FROM client_merges WHERE client_a = $1 OR client_b = $1`,
		} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		for _, t := range clientChildTables {
			if _, err := tx.Exec(ctx, `DELETE FROM `+t+` WHERE client_id = $1`, id); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM clients WHERE id = $1`, id); err != nil {
			return err
		}
	}
	return nil
}

// factKey identifies a fact up to its values.
type factKey struct {
	indicator, municipality string
	month                   indicators.Month
	cat                     [indicators.NumDims]string
	days                    int
}

// factDifference is before minus after, fact by fact (removal only takes away).
func factDifference(before, after []indicators.Fact) []indicators.Fact {
	type value struct{ count, den int64 }
	sum := map[factKey]value{}
	var order []factKey
	for sign, facts := range map[int64][]indicators.Fact{1: before, -1: after} {
		for _, f := range facts {
			k := factKey{f.Indicator, f.Municipality, f.Month, f.Cat, f.Days}
			v, seen := sum[k]
			if !seen {
				order = append(order, k)
			}
			sum[k] = value{v.count + sign*f.Count, v.den + sign*f.Den}
		}
	}
	var out []indicators.Fact
	for _, k := range order {
		if v := sum[k]; v.count != 0 || v.den != 0 {
			out = append(out, indicators.Fact{Indicator: k.indicator, Municipality: k.municipality, Month: k.month, Cat: k.cat,
				Days: k.days, Count: v.count, Den: v.den})
		}
	}
	return out
}

func insertFrozen(ctx context.Context, tx *db.Tx, facts []indicators.Fact, now time.Time) error {
	for _, f := range facts {
		cats, err := json.Marshal(f.Cat)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO indicator_frozen_facts (indicator, month, municipality, categories, days, count, den, frozen_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, f.Indicator, int64(f.Month), f.Municipality, string(cats), f.Days, f.Count, f.Den, now); err != nil {
			return err
		}
	}
	return nil
}

// frozenFacts appends the frozen facts of indicators ids in months first
// to last to facts.
func frozenFacts(ctx context.Context, tx *db.Tx, ids []string, first, last indicators.Month, facts []indicators.Fact) ([]indicators.Fact, error) {
	if len(ids) == 0 {
		return facts, nil
	}
	args := []any{int64(first), int64(last)}
	var in []string
	for _, id := range ids {
		args = append(args, id)
		in = append(in, "$"+strconv.Itoa(len(args)))
	}
	err := queryEach(ctx, tx, `SELECT indicator, month, municipality, categories, days, count, den FROM indicator_frozen_facts
		WHERE month BETWEEN $1 AND $2 AND indicator IN (`+strings.Join(in, ", ")+`) ORDER BY id`, args, func(r *sql.Rows) error {
		var f indicators.Fact
		var month int64
		var cats string
		if err := r.Scan(&f.Indicator, &month, &f.Municipality, &cats, &f.Days, &f.Count, &f.Den); err != nil {
			return err
		}
		f.Month = indicators.Month(month)
		if err := json.Unmarshal([]byte(cats), &f.Cat); err != nil {
			return err
		}
		facts = append(facts, f)
		return nil
	})
	return facts, err
}

// RetentionPolicy is the configured retention (Options.Retention with defaults).
func (s *Store) RetentionPolicy() RetentionPolicy { return s.opts.Retention.WithDefaults() }
