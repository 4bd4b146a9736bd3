package indicators

import (
	"fmt"
	"time"

	"github.com/kotodigi/kotodigi/internal/model"
)

// Month is a calendar month as a number: year*12 + (month-1).
type Month int

// MonthOf returns the month of a date.
func MonthOf(d model.Date) Month { return Month(d.Year*12 + int(d.Month) - 1) }

// MonthFor returns the month of year y, month m (1–12).
func MonthFor(y int, m time.Month) Month { return Month(y*12 + int(m) - 1) }

// Year returns the month's year.
func (m Month) Year() int { return int(m) / 12 }

// Number returns the month's number, 1–12.
func (m Month) Number() time.Month { return time.Month(int(m)%12 + 1) }

// FirstDay returns the month's first day.
func (m Month) FirstDay() model.Date { return model.Date{Year: m.Year(), Month: m.Number(), Day: 1} }

// LastDay returns the month's last day.
func (m Month) LastDay() model.Date { return (m + 1).FirstDay().AddDate(0, 0, -1) }

// Label returns YYYY-MM.
func (m Month) Label() string { return fmt.Sprintf("%04d-%02d", m.Year(), int(m.Number())) }

// Period levels.
const (
	PeriodMonth   = "month"
	PeriodQuarter = "quarter"
	PeriodYear    = "year"
)

// PeriodLevels lists the period levels, finest first.
var PeriodLevels = []string{PeriodMonth, PeriodQuarter, PeriodYear}

// Period is a month, a quarter or a year: the months First..Last.
type Period struct {
	Level       string
	First, Last Month
}

// PeriodOf returns the period of level containing month m.
func PeriodOf(level string, m Month) Period {
	switch level {
	case PeriodQuarter:
		first := m - Month(int(m)%3)
		return Period{Level: level, First: first, Last: first + 2}
	case PeriodYear:
		first := MonthFor(m.Year(), time.January)
		return Period{Level: level, First: first, Last: first + 11}
	}
	return Period{Level: PeriodMonth, First: m, Last: m}
}

// Label returns 2026-07, 2026-Q3 or 2026 (CONTRACT.md § 3).
func (p Period) Label() string {
	switch p.Level {
	case PeriodQuarter:
		return fmt.Sprintf("%04d-Q%d", p.First.Year(), int(p.First.Number()-1)/3+1)
	case PeriodYear:
		return fmt.Sprintf("%04d", p.First.Year())
	}
	return p.First.Label()
}

// Periods returns the periods of level from the one containing from to the
// one containing to (none when to is before from).
func Periods(level string, from, to Month) []Period {
	var out []Period
	for p := PeriodOf(level, from); p.First <= to; p = PeriodOf(level, p.Last+1) {
		out = append(out, p)
	}
	return out
}
