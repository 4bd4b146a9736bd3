package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/indicators"
	"github.com/kotodigi/kotodigi/internal/model"
)

// The stocks (plans in force, overdue deadlines, the jobseeker share) are
// every client's state at the end of every month. Joining each record to
// every month in SQL made a million clients × 47 months = 47 million rows
// to sort and group (five minutes for the jobseeker share on PostgreSQL).
// Instead the database returns each record once, with its client's
// categories, and the months are walked here: the same conditions as the
// flows' month table (indicator_months), the same attribution to the
// municipality responsible at the moment (the transfer history), the same
// facts.

// stockKind is how a stock record holds at a month's reference moment.
type stockKind uint8

const (
	// stockStatus: a status valid from an instant until the next status
	// of the client (jobseeker statuses): valid_from < ref_at and
	// (no next status or next >= ref_at).
	stockStatus stockKind = iota
	// stockSpan: a record in force from one day to another (plans):
	// start <= ref_day and end >= ref_day.
	stockSpan
	// stockOverdue: a deadline overdue until superseded or met:
	// due < ref_day and neither has happened by ref_day.
	stockOverdue
)

// stockKinds names the indicators computed as stocks here.
var stockKinds = map[string]stockKind{
	"plans_in_force":    stockSpan,
	"deadlines_overdue": stockOverdue,
	"jobseeker_share":   stockStatus,
}

// stockColumns is the select list of every stock's record query:
//
//	client id, municipality, sex, date of birth, citizenship group,
//	service language, client group, closed date, extra, numerator,
//	instant, day 1, day 2, day 3
//
// (the instant and the days as the kind needs them, NULL otherwise).
func (f factColumns) stockSelect(closed, extra, num, at, d1, d2, d3 string) string {
	return "SELECT c.id, c.municipality_code, " + f.sex + ", c.date_of_birth, " + f.citizenship + ", c.service_language, " +
		f.clientGroup + ", " + closed + ", " + extra + ", " + num + ", " + at + ", " + d1 + ", " + d2 + ", " + d3
}

// stockQueries returns the record queries of the stocks.
func stockQueries(f factColumns, has func(column string) bool) map[string]string {
	closed := "NULL"
	if has("closed_date") && has("closed_reason") {
		closed = "c.closed_date"
	}
	return map[string]string{
		"plans_in_force": f.stockSelect("NULL", "''", "1", "NULL", "p.start_date", "p.end_date", "NULL") +
			" FROM plans p JOIN clients c ON c.id = p.client_id" + f.join,
		"deadlines_overdue": "WITH " + overdueItems + " " + f.stockSelect("NULL", "i.kind", "1", "NULL", "i.due", "i.superseded", "i.met") +
			" FROM items i JOIN clients c ON c.id = i.client_id" + f.join,
		// ordered, so that each status ends where the client's next begins
		"jobseeker_share": f.stockSelect(closed, "''", "CASE WHEN j.jobseeker THEN 1 ELSE 0 END", "j.valid_from", "NULL", "NULL", "NULL") +
			" FROM jobseeker_statuses j JOIN clients c ON c.id = j.client_id" + f.join + " ORDER BY j.client_id, j.valid_from, j.id",
	}
}

// stockMonth is one month's reference moment: its last day (or the data
// date, for the running month) and its end (or the refresh instant).
type stockMonth struct {
	month  indicators.Month
	refDay day
	refAt  int64 // Unix nanoseconds
	// bornBefore[i]: born on or after it, the client is younger than
	// indicators.AgeBoundaries[i] at the month's end.
	bornBefore []day
}

// day is a date as a number that orders like the date (comparing
// model.Dates builds times; the months are walked tens of millions of
// times at a million clients). 0: no date.
type day int32

func dayOf(d model.NullDate) day {
	if !d.Valid {
		return 0
	}
	return day(d.Date.Year<<9 | int(d.Date.Month)<<5 | d.Date.Day)
}

func stockMonths(first, last indicators.Month, today model.Date, now time.Time) []stockMonth {
	var out []stockMonth
	for m := first; m <= last; m++ {
		next := (m + 1).FirstDay()
		ref, at := m.LastDay(), finnishMidnight(next)
		if today.Before(ref) {
			ref = today
		}
		if now.Before(at) {
			at = now
		}
		sm := stockMonth{month: m, refDay: dayOf(model.NullDate{Date: ref, Valid: true}), refAt: at.UnixNano()}
		for _, b := range indicators.AgeBoundaries {
			sm.bornBefore = append(sm.bornBefore, dayOf(model.NullDate{Date: next.AddDate(-b, 0, 0), Valid: true}))
		}
		out = append(out, sm)
	}
	return out
}

// ageGroups are the age group labels, youngest first ("0-17" … "65+").
func ageGroups() []string {
	var out []string
	lower := 0
	for _, b := range indicators.AgeBoundaries {
		out = append(out, itoa(int64(lower))+"-"+itoa(int64(b-1)))
		lower = b
	}
	return append(out, itoa(int64(lower))+"+")
}

// ageGroup is the index in ageGroups of a client born on dob at month m's
// end, or -1 when the date of birth is unknown.
func (m *stockMonth) ageGroup(dob day) int {
	if dob == 0 {
		return -1
	}
	for i, b := range m.bornBefore {
		if dob >= b {
			return i
		}
	}
	return len(m.bornBefore)
}

// spell is one period of a transferred client's responsibility.
type spell struct {
	municipality string
	since, until *int64 // Unix nanoseconds; nil: since registration; until now
}

// transferSpells reads every transferred client's spells: the first
// municipality until the first transfer, then each receiving municipality
// until the next transfer.
func transferSpells(ctx context.Context, tx *db.Tx) (map[string][]spell, error) {
	out := map[string][]spell{}
	err := queryEach(ctx, tx, `SELECT client_id, from_municipality, to_municipality, transferred_at FROM client_transfers
		ORDER BY client_id, transferred_at, id`, nil, func(r *sql.Rows) error {
		var client, from, to string
		var at time.Time
		if err := r.Scan(&client, &from, &to, &at); err != nil {
			return err
		}
		sp := out[client]
		if len(sp) == 0 {
			sp = append(sp, spell{municipality: from})
		}
		ns := at.UnixNano()
		sp[len(sp)-1].until = &ns
		out[client] = append(sp, spell{municipality: to, since: &ns})
		return nil
	})
	return out, err
}

// responsibleAt is the municipality responsible for a client at instant at:
// its spell then, else (never transferred) its municipality.
func responsibleAt(spells []spell, at int64, municipality string) string {
	for _, s := range spells {
		if (s.since == nil || *s.since < at) && (s.until == nil || *s.until >= at) {
			return s.municipality
		}
	}
	return municipality
}

// stockRecord is one row of a stock's record query.
type stockRecord struct {
	client, municipality string
	static               [5]string // sex, citizenship, language, client group, extra
	dob, closed          day
	num                  int64
	at                   int64 // Unix nanoseconds
	days                 [3]day
	until                *int64 // stockStatus: the client's next status
}

// holds reports whether record r counts at month m.
func (r *stockRecord) holds(kind stockKind, m *stockMonth) bool {
	if r.closed != 0 && m.refDay >= r.closed {
		return false // closed by the month's end (jobseeker share only)
	}
	switch kind {
	case stockStatus:
		return r.at < m.refAt && (r.until == nil || *r.until >= m.refAt)
	case stockSpan:
		return r.days[0] != 0 && r.days[1] != 0 && r.days[0] <= m.refDay && r.days[1] >= m.refDay
	default:
		ends := func(d day) bool { return d == 0 || m.refDay < d }
		return r.days[0] != 0 && r.days[0] < m.refDay && ends(r.days[1]) && ends(r.days[2])
	}
}

// stockFacts aggregates the records of one stock into facts: one per
// month, municipality and combination of categories.
type stockFacts struct {
	id     string
	kind   stockKind
	months []stockMonth
	spells map[string][]spell
	ages   []string
	// interned: static categories and municipalities as small numbers
	statics map[[5]string]uint32
	static  [][5]string
	munis   map[string]uint32
	muni    []string
	sums    map[uint64][2]int64
}

func newStockFacts(id string, months []stockMonth, spells map[string][]spell) *stockFacts {
	return &stockFacts{id: id, kind: stockKinds[id], months: months, spells: spells, ages: ageGroups(),
		statics: map[[5]string]uint32{}, munis: map[string]uint32{}, sums: map[uint64][2]int64{}}
}

func (s *stockFacts) intern(r *stockRecord) (uint32, uint32) {
	st, ok := s.statics[r.static]
	if !ok {
		st = uint32(len(s.static))
		s.statics[r.static] = st
		s.static = append(s.static, r.static)
	}
	return st, s.muniID(r.municipality)
}

func (s *stockFacts) muniID(m string) uint32 {
	id, ok := s.munis[m]
	if !ok {
		id = uint32(len(s.muni))
		s.munis[m] = id
		s.muni = append(s.muni, m)
	}
	return id
}

// add counts record r in every month it holds at.
func (s *stockFacts) add(r *stockRecord) {
	st, home := s.intern(r)
	sp := s.spells[r.client]
	for mi := range s.months {
		m := &s.months[mi]
		if !r.holds(s.kind, m) {
			continue
		}
		muni := home
		if len(sp) > 0 {
			muni = s.muniID(responsibleAt(sp, m.refAt, r.municipality))
		}
		// static (32 bits) | municipality (12) | age group + 1 (4) | month (16)
		key := uint64(st)<<32 | uint64(muni)<<20 | uint64(m.ageGroup(r.dob)+1)<<16 | uint64(mi)
		v := s.sums[key]
		v[0] += r.num
		v[1]++
		s.sums[key] = v
	}
}

// facts appends the aggregated facts.
func (s *stockFacts) facts(out []indicators.Fact) []indicators.Fact {
	dim, hasExtra := extraDim[s.id]
	for key, v := range s.sums {
		st := s.static[key>>32]
		f := indicators.Fact{Indicator: s.id, Municipality: s.muni[(key>>20)&0xfff], Month: s.months[key&0xffff].month, Count: v[0]}
		if s.kind == stockStatus {
			f.Den = v[1] // a share: the clients with a status
		}
		f.Cat[0], f.Cat[2], f.Cat[3], f.Cat[4] = st[0], st[1], st[2], st[3]
		f.Cat[1] = indicators.Unknown
		if age := int(key>>16&0xf) - 1; age >= 0 {
			f.Cat[1] = s.ages[age]
		}
		if hasExtra {
			f.Cat[dim] = st[4]
		}
		out = append(out, f)
	}
	return out
}

// readStock runs a stock's record query and appends its facts over the
// given months.
func readStock(ctx context.Context, tx *db.Tx, id, query string, months []stockMonth, spells map[string][]spell,
	out []indicators.Fact) ([]indicators.Fact, error) {
	agg := newStockFacts(id, months, spells)
	var prev *stockRecord // stockStatus: a status waits for the client's next one
	err := queryEach(ctx, tx, query, nil, func(rows *sql.Rows) error {
		r := &stockRecord{}
		var cats [5]sql.NullString
		var at sql.NullTime
		var dob, closed model.NullDate
		var days [3]model.NullDate
		if err := rows.Scan(&r.client, &r.municipality, &cats[0], &dob, &cats[1], &cats[2], &cats[3], &closed, &cats[4],
			&r.num, &at, &days[0], &days[1], &days[2]); err != nil {
			return err
		}
		r.dob, r.closed = dayOf(dob), dayOf(closed)
		for i, d := range days {
			r.days[i] = dayOf(d)
		}
		for i, c := range cats {
			r.static[i] = c.String
			if !c.Valid && i < 4 { // the extra category has no "unknown"
				r.static[i] = indicators.Unknown
			}
		}
		r.at = at.Time.UnixNano()
		if agg.kind != stockStatus {
			agg.add(r)
			return nil
		}
		if prev != nil {
			if prev.client == r.client {
				prev.until = &r.at
			}
			agg.add(prev)
		}
		prev = r
		return nil
	})
	if err != nil {
		return out, err
	}
	if prev != nil {
		agg.add(prev)
	}
	return agg.facts(out), nil
}
