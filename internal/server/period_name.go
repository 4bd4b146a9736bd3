package server

import (
	"strconv"

	"github.com/kotodigi/kotodigi/internal/indicators"
)

// PeriodName writes a period for people in lang: a month as "heinäkuu 2026",
// "juli 2026" or "July 2026" (short: "7/2026", "7/2026", "Jul 2026"), a
// quarter as "3. neljännes 2026", "kvartal 3 2026" or "Q3 2026" (short:
// "Q3/2026", "kv. 3/2026", "Q3 2026"), a year as the year. The code
// (Period.Label: 2026-07, 2026-Q3, 2026) stays in addresses, forms, the API
// and the files' code columns.
func (s *Server) PeriodName(lang string, p indicators.Period, short bool) string {
	year, month := p.First.Year(), int(p.First.Number())
	suffix := ""
	if short {
		suffix = "_short"
	}
	switch p.Level {
	case indicators.PeriodYear:
		return p.Label()
	case indicators.PeriodQuarter:
		return s.catalog.T(lang, "indicators.period_name.quarter"+suffix, (month-1)/3+1, year)
	}
	name := s.catalog.T(lang, "indicators.month."+strconv.Itoa(month))
	if short {
		name = s.catalog.T(lang, "indicators.month_abbr."+strconv.Itoa(month))
	}
	return s.catalog.T(lang, "indicators.period_name.month"+suffix, name, month, year)
}
