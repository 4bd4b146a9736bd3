package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/indicators"
	"github.com/kotodigi/kotodigi/internal/model"
)

// The fine-grained aggregates of the indicators: one GROUP BY query per
// indicator, the same SQL on both engines (the two expressions that differ
// are in dialectDays and dialectJSON). Every query returns the columns
//
//	month, municipality, sex, age_group, citizenship_group, service_language,
//	client_group, extra, days, count, den
//
// grouped by all but the last two; extra is the indicator's own breakdown
// (service type, CEFR level, closing reason) or ''. Parameters: $1 and $2
// the first and last month (indicator_months.month), $3 the data date and
// $4 the refresh instant.
//
// Attribution to municipalities: an event recorded on a case record counts
// for the municipality that recorded it (the record's municipality_code); a
// registration for the municipality that registered the client (before any
// transfer); a stock at the end of a period for the municipality responsible
// at that moment (transfer history). So a transfer never changes the past.

// factColumns: the client's categories (c = clients, m = the month).
type factColumns struct {
	sex, age, citizenship, clientGroup string
	// join adds the citizenship group table when citizenships are recorded.
	join string
}

// factCategories builds the category expressions from the columns that exist.
func factCategories(has func(column string) bool) factColumns {
	sex := `CASE WHEN c.personal_identity_code IS NULL THEN 'unknown'
		WHEN CAST(substr(c.personal_identity_code, 8, 3) AS integer) % 2 = 1 THEN 'male' ELSE 'female' END`
	if has("sex") {
		sex = "COALESCE(c.sex, " + sex + ")"
	}
	var age strings.Builder
	age.WriteString("CASE WHEN c.date_of_birth IS NULL THEN 'unknown'")
	lower := "0"
	for _, b := range indicators.AgeBoundaries {
		bs := itoa(int64(b))
		age.WriteString(" WHEN c.date_of_birth >= m.age" + bs + "_born_before THEN '" + lower + "-" + itoa(int64(b-1)) + "'")
		lower = bs
	}
	age.WriteString(" ELSE '" + lower + "+' END")
	f := factColumns{sex: sex, age: age.String(), citizenship: "'unknown'", clientGroup: "'unknown'"}
	if has("citizenships") {
		f.citizenship = "COALESCE(g.citizenship_group, 'unknown')"
		f.join = " LEFT JOIN indicator_citizenship_groups g ON g.code = upper(substr(c.citizenships, 1, 2))"
	}
	if has("client_group") {
		f.clientGroup = "COALESCE(c.client_group, 'unknown')"
	}
	return f
}

// selectList returns the common select list for municipality expression muni,
// extra and days expressions and the value columns.
func (f factColumns) selectList(muni, extra, days, count, den string) string {
	return "SELECT m.month, " + muni + ", " + f.sex + ", " + f.age + ", " + f.citizenship + ", c.service_language, " +
		f.clientGroup + ", " + extra + ", " + days + ", " + count + ", " + den
}

const factGroupBy = " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9"

// Months: a flow joins the month its date (or instant) falls in (a stock's
// months are walked in Go: indicator_stocks.go).
const (
	monthsInRange = ` m.month BETWEEN $1 AND $2`
	// spells: the municipality responsible for a transferred client from
	// since (NULL: registration) until the next transfer (NULL: now).
	spellsCTE = `spells AS (
		SELECT t.client_id, t.to_municipality AS municipality, t.transferred_at AS since,
			LEAD(t.transferred_at) OVER (PARTITION BY t.client_id ORDER BY t.transferred_at, t.id) AS until
		FROM client_transfers t
		UNION ALL
		SELECT t.client_id, t.from_municipality, NULL, t.transferred_at FROM client_transfers t
		WHERE NOT EXISTS (SELECT 1 FROM client_transfers u WHERE u.client_id = t.client_id
			AND (u.transferred_at < t.transferred_at OR (u.transferred_at = t.transferred_at AND u.id < t.id))))`
)

// inMonth joins the month a date falls in, by its number (an equality
// join: a range join on the month's first and next first day lets
// PostgreSQL misjudge the rows and re-run the whole aggregate for every
// month).
func inMonth(d db.Dialect, date string) string {
	return " JOIN indicator_months m ON m.month = " + monthNumber(d, date) + " AND" + monthsInRange
}

// monthNumber is the indicators.Month (year × 12 + month − 1) of a date
// expression (marked dialect place).
func monthNumber(d db.Dialect, date string) string {
	if d == db.Postgres {
		return "(CAST(EXTRACT(YEAR FROM " + date + ") AS integer) * 12 + CAST(EXTRACT(MONTH FROM " + date + ") AS integer) - 1)"
	}
	return "(CAST(strftime('%Y', " + date + ") AS integer) * 12 + CAST(strftime('%m', " + date + ") AS integer) - 1)"
}

func atInstant(ts string) string {
	return " JOIN indicator_months m ON " + ts + " >= m.starts_at AND " + ts + " < m.ends_at AND" + monthsInRange
}

// dialectDays is the number of days from date a to date b (marked dialect place).
func dialectDays(d db.Dialect, a, b string) string {
	if d == db.Postgres {
		return "(" + b + " - " + a + ")"
	}
	return "CAST(julianday(" + b + ") - julianday(" + a + ") AS integer)"
}

// dialectJSON is the text of member key of a JSON column (marked dialect place).
func dialectJSON(d db.Dialect, column, key string) string {
	if d == db.Postgres {
		return "(" + column + "->>'" + key + "')"
	}
	return "json_extract(" + column + ", '$." + key + "')"
}

// liveRecords leaves the case records entered in error out of every
// indicator: each case-record table is read as its rows not so marked.
var liveRecords = strings.NewReplacer(
	"FROM assessments ", "FROM (SELECT * FROM assessments WHERE NOT entered_in_error) ",
	"FROM plans ", "FROM (SELECT * FROM plans WHERE NOT entered_in_error) ",
	"FROM plan_reviews ", "FROM (SELECT * FROM plan_reviews WHERE NOT entered_in_error) ",
	"FROM services ", "FROM (SELECT * FROM services WHERE NOT entered_in_error) ",
	"JOIN assessments ", "JOIN (SELECT * FROM assessments WHERE NOT entered_in_error) ",
	"JOIN plans ", "JOIN (SELECT * FROM plans WHERE NOT entered_in_error) ",
	"JOIN plan_reviews ", "JOIN (SELECT * FROM plan_reviews WHERE NOT entered_in_error) ",
	"JOIN services ", "JOIN (SELECT * FROM services WHERE NOT entered_in_error) ")

// factQueries returns the SQL of every indicator whose data exists, without
// the records entered in error.
func factQueries(d db.Dialect, has func(column string) bool) map[string]string {
	q := allFactQueries(d, has)
	for id, sql := range q {
		q[id] = liveRecords.Replace(sql)
	}
	return q
}

// allFactQueries returns the SQL of every indicator over all records. Every
// case-record table is named "FROM table alias" or "JOIN table alias" (see
// liveRecords).
func allFactQueries(d db.Dialect, has func(column string) bool) map[string]string {
	f := factCategories(has)
	count := func(muni, extra string) string { return f.selectList(muni, extra, "0", "COUNT(*)", "0") }
	q := map[string]string{
		"clients_registered": "WITH " + spellsCTE + " " + count("COALESCE(s.municipality, c.municipality_code)", "''") +
			" FROM clients c" + atInstant("c.created_at") + " LEFT JOIN spells s ON s.client_id = c.id AND s.since IS NULL" + f.join + factGroupBy,
		"assessments_completed": count("a.municipality_code", "''") + " FROM assessments a JOIN clients c ON c.id = a.client_id" +
			inMonth(d, "a.date") + f.join + factGroupBy,
		"plans_started": count("p.municipality_code", "''") + " FROM plans p JOIN clients c ON c.id = p.client_id" +
			inMonth(d, "p.start_date") + f.join + factGroupBy,
		"services_started": count("v.municipality_code", "v.service_type") + " FROM services v JOIN clients c ON c.id = v.client_id" +
			inMonth(d, "v.date") + f.join + factGroupBy,
		"days_permit_to_assessment": f.selectList("a.municipality_code", "''", dialectDays(d, "c.first_permit_date", "a.date"), "COUNT(*)", "0") +
			" FROM assessments a JOIN clients c ON c.id = a.client_id" + inMonth(d, "a.date") + f.join +
			` WHERE c.first_permit_date IS NOT NULL AND NOT EXISTS (SELECT 1 FROM assessments b WHERE b.client_id = a.client_id
				AND (b.date < a.date OR (b.date = a.date AND b.id < a.id)))` + factGroupBy,
		"plans_reviewed_on_time": f.selectList("p.municipality_code", "''", "0",
			"SUM(CASE WHEN r.first_review <= p.planned_review_date THEN 1 ELSE 0 END)", "COUNT(*)") +
			" FROM plans p JOIN clients c ON c.id = p.client_id" + inMonth(d, "p.planned_review_date") +
			" LEFT JOIN (SELECT rr.plan_id, MIN(rr.date) AS first_review FROM plan_reviews rr GROUP BY rr.plan_id) r ON r.plan_id = p.id" + f.join +
			" WHERE p.planned_review_date < $3" + factGroupBy,
		"days_assessment_to_plan": f.selectList("x.municipality_code", "''", dialectDays(d, "x.assessed", "x.start_date"), "COUNT(*)", "0") +
			` FROM (SELECT p.id, p.client_id, p.municipality_code, p.start_date,
				(SELECT MAX(a.date) FROM assessments a WHERE a.client_id = p.client_id AND a.date <= p.start_date) AS assessed
				FROM plans p) x JOIN clients c ON c.id = x.client_id` + inMonth(d, "x.start_date") + f.join +
			` WHERE x.assessed IS NOT NULL AND NOT EXISTS (SELECT 1 FROM plans q WHERE q.client_id = x.client_id AND q.start_date >= x.assessed
				AND (q.start_date < x.start_date OR (q.start_date = x.start_date AND q.id < x.id)))` + factGroupBy,
		"days_plan_to_first_service": f.selectList("x.municipality_code", "''", dialectDays(d, "x.start_date", "x.served"), "COUNT(*)", "0") +
			// each plan's first service within it, aggregated once (a
			// correlated subquery here is evaluated again for every month
			// joined, which takes minutes at a million clients)
			` FROM (SELECT p.id, p.client_id, p.municipality_code, p.start_date, MIN(v.date) AS served
				FROM plans p JOIN services v ON v.client_id = p.client_id AND v.date >= p.start_date AND v.date <= p.end_date
				GROUP BY p.id, p.client_id, p.municipality_code, p.start_date) x JOIN clients c ON c.id = x.client_id` + inMonth(d, "x.served") + f.join + factGroupBy,
		"civic_orientation_completed": count("v.municipality_code", "''") + " FROM services v JOIN clients c ON c.id = v.client_id" +
			inMonth(d, "v.end_date") + f.join + " WHERE v.service_type = 'civic_orientation' AND v.attendance = 'attended'" + factGroupBy,
		"language_test_levels": count("v.municipality_code", "v.level") + ` FROM (SELECT client_id, municipality_code, ` +
			dialectJSON(d, "final_language_test", "level") + ` AS level, COALESCE(` + testDate(d) + `, end_date, date) AS test_day
				FROM services s0 WHERE service_type = 'integration_training' AND final_language_test IS NOT NULL) v
			JOIN clients c ON c.id = v.client_id` + inMonth(d, "v.test_day") + f.join + factGroupBy,
		"clients_transferred_in": count("t.to_municipality", "''") + " FROM client_transfers t JOIN clients c ON c.id = t.client_id" +
			atInstant("t.transferred_at") + f.join + factGroupBy,
		"clients_transferred_out": count("t.from_municipality", "''") + " FROM client_transfers t JOIN clients c ON c.id = t.client_id" +
			atInstant("t.transferred_at") + f.join + factGroupBy,
	}
	if has("closed_date") && has("closed_reason") {
		q["clients_closed"] = count("c.municipality_code", "COALESCE(c.closed_reason, 'other')") + " FROM clients c" +
			inMonth(d, "c.closed_date") + f.join + factGroupBy
	}
	for id, sql := range stockQueries(f, has) {
		q[id] = sql
	}
	return q
}

// overdueItems lists every statutory deadline the worklist's rules
// (casepolicy.Policy.Deadlines) can raise, with its due date (from
// indicator_days) and the dates that end it: superseded by a later record
// (an assessment by a later assessment, a plan's deadlines by a later plan),
// met (a plan started on or after the assessment; a service on or after the
// plan's start; a review). At day E the deadline is overdue when due < E and
// neither has happened by E — the worklist's view as at E.
//
// Window functions, not a subquery per record: "the next assessment" is the
// next in the client's order, and "the first plan on or after the
// assessment" the smallest plan date among the rows that follow it when
// the client's assessments and plans are put in one order (a plan of the
// same day after the assessment). Row-level security is then checked once
// per table, not once per record looked up (at a million clients the
// subqueries took over a minute).
const overdueItems = `items AS (
	SELECT u.client_id, 'plan_preparation' AS kind,
		CASE WHEN u.planned IS NULL THEN dd.preparation_due ELSE pd.business_day END AS due, u.superseded, u.met
	FROM (SELECT w.*, MIN(CASE WHEN w.src = 1 THEN w.day END) OVER (PARTITION BY w.client_id ORDER BY w.day, w.src, w.id
			ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS met
		FROM (SELECT a.client_id, a.date AS day, 0 AS src, a.id, a.plan_needed AS needed, a.planned_plan_date AS planned,
				LEAD(a.date) OVER (PARTITION BY a.client_id ORDER BY a.date, a.id) AS superseded
			FROM assessments a
			UNION ALL
			SELECT p.client_id, p.start_date, 1, p.id, NULL, NULL, NULL FROM plans p) w) u
	JOIN indicator_days dd ON dd.day = u.day LEFT JOIN indicator_days pd ON pd.day = u.planned
	WHERE u.src = 0 AND (u.needed IS NULL OR u.needed)
	UNION ALL
	SELECT u.client_id, 'service_guidance', gd.guidance_due, u.superseded, u.met
	FROM (SELECT w.*, MIN(CASE WHEN w.src = 1 THEN w.day END) OVER (PARTITION BY w.client_id ORDER BY w.day, w.src, w.id
			ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS met
		FROM (SELECT p.client_id, p.start_date AS day, 0 AS src, p.id,
				LEAD(p.start_date) OVER (PARTITION BY p.client_id ORDER BY p.start_date, p.id) AS superseded
			FROM plans p
			UNION ALL
			SELECT v.client_id, v.date, 1, v.id, NULL FROM services v) w) u
	JOIN indicator_days gd ON gd.day = u.day
	WHERE u.src = 0
	UNION ALL
	SELECT u.client_id, 'review_due', rd.business_day, u.superseded, r.first_review
	FROM (SELECT p.client_id, p.id, p.planned_review_date,
			LEAD(p.start_date) OVER (PARTITION BY p.client_id ORDER BY p.start_date, p.id) AS superseded
		FROM plans p) u
	JOIN indicator_days rd ON rd.day = u.planned_review_date
	LEFT JOIN (SELECT rv.plan_id, MIN(rv.date) AS first_review FROM plan_reviews rv GROUP BY rv.plan_id) r ON r.plan_id = u.id)`

// testDate is the final language test's own date, as a date.
func testDate(d db.Dialect) string {
	if d == db.Postgres {
		return "CAST(" + dialectJSON(d, "final_language_test", "date") + " AS date)"
	}
	return dialectJSON(d, "final_language_test", "date")
}

// extraDim is the dimension of each indicator's extra column.
var extraDim = map[string]int{
	"services_started":     indicators.DimIndex(indicators.DimServiceType),
	"language_test_levels": indicators.DimIndex(indicators.DimCEFRLevel),
	"clients_closed":       indicators.DimIndex(indicators.DimClosureReason),
	"deadlines_overdue":    indicators.DimIndex(indicators.DimDeadlineKind),
}

// readFacts runs one indicator's query and appends its rows as facts.
func readFacts(ctx context.Context, tx *db.Tx, id, query string, args []any, out []indicators.Fact) ([]indicators.Fact, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	dim, hasExtra := extraDim[id]
	// Millions of facts hold a few hundred distinct strings: keep one copy
	// of each (at a million clients the facts took gigabytes otherwise).
	seen := map[string]string{}
	intern := func(s string) string {
		if v, ok := seen[s]; ok {
			return v
		}
		seen[s] = s
		return s
	}
	for rows.Next() {
		f := indicators.Fact{Indicator: id}
		var month int64
		var cats [6]sql.NullString
		var days sql.NullInt64
		if err := rows.Scan(&month, &f.Municipality, &cats[0], &cats[1], &cats[2], &cats[3], &cats[4], &cats[5], &days, &f.Count, &f.Den); err != nil {
			return out, err
		}
		f.Month, f.Days, f.Municipality = indicators.Month(month), int(days.Int64), intern(f.Municipality)
		for i := range 5 {
			f.Cat[i] = intern(cats[i].String)
			if !cats[i].Valid {
				f.Cat[i] = indicators.Unknown
			}
		}
		if hasExtra {
			f.Cat[dim] = intern(cats[5].String)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// monthRow is one row of indicator_months.
func monthRow(m indicators.Month) []any {
	next := (m + 1).FirstDay()
	row := []any{int64(m), m.Label(), m.FirstDay(), m.LastDay(), next, finnishMidnight(m.FirstDay()), finnishMidnight(next)}
	for _, b := range indicators.AgeBoundaries {
		row = append(row, next.AddDate(-b, 0, 0))
	}
	return row
}

// finnishMidnight is 00:00 of day d in Finland, in UTC.
func finnishMidnight(d model.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, Finland).UTC()
}
