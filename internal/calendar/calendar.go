// Package calendar knows Finnish time, public holidays and business days, for
// statutory deadlines: a due date that falls on a weekend or a holiday moves
// to the next business day.
package calendar

import (
	"time"
	_ "time/tzdata" // Europe/Helsinki on machines without zoneinfo

	"github.com/kotodigi/kotodigi/internal/model"
)

// Finland is the time zone in which dates (today, validity, working hours)
// are judged.
var Finland = mustLoadLocation("Europe/Helsinki")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Holiday is a public holiday or another day on which offices are closed.
type Holiday struct {
	Date model.Date
	Name string // English name
}

// Holidays returns the Finnish public holidays of year that can fall on a
// weekday, in date order: New Year's Day, Epiphany, Good Friday, Easter
// Monday, May Day, Ascension Day, Midsummer Eve (not a public holiday but a
// non-working day), Midsummer Day, All Saints' Day, Independence Day,
// Christmas Eve (likewise a non-working day), Christmas Day and Boxing Day.
// Easter Sunday and Whitsunday are always Sundays and are left out.
func Holidays(year int) []Holiday {
	easter := Easter(year)
	d := func(m time.Month, day int) model.Date { return model.Date{Year: year, Month: m, Day: day} }
	// Midsummer Eve is the Friday from 19 to 25 June, Midsummer Day the
	// following Saturday; All Saints' Day the Saturday from 31 October to 6 November.
	midsummerEve := weekdayOnOrAfter(d(time.June, 19), time.Friday)
	allSaints := weekdayOnOrAfter(d(time.October, 31), time.Saturday)
	return []Holiday{
		{d(time.January, 1), "New Year's Day"},
		{d(time.January, 6), "Epiphany"},
		{easter.AddDate(0, 0, -2), "Good Friday"},
		{easter.AddDate(0, 0, 1), "Easter Monday"},
		{d(time.May, 1), "May Day"},
		{easter.AddDate(0, 0, 39), "Ascension Day"},
		{midsummerEve, "Midsummer Eve"},
		{midsummerEve.AddDate(0, 0, 1), "Midsummer Day"},
		{allSaints, "All Saints' Day"},
		{d(time.December, 6), "Independence Day"},
		{d(time.December, 24), "Christmas Eve"},
		{d(time.December, 25), "Christmas Day"},
		{d(time.December, 26), "Boxing Day"},
	}
}

// Easter returns Easter Sunday of year in the Gregorian calendar (the
// anonymous Gregorian computus, also known as the Meeus/Jones/Butcher algorithm).
func Easter(year int) model.Date {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return model.Date{Year: year, Month: time.Month(month), Day: day}
}

func weekdayOnOrAfter(d model.Date, wd time.Weekday) model.Date {
	return d.AddDate(0, 0, (int(wd)-int(d.Time().Weekday())+7)%7)
}

// IsHoliday reports whether d is one of Holidays(d.Year).
func IsHoliday(d model.Date) bool {
	for _, h := range Holidays(d.Year) {
		if h.Date == d {
			return true
		}
	}
	return false
}

// IsBusinessDay reports whether d is a weekday that is not a holiday.
func IsBusinessDay(d model.Date) bool {
	switch d.Time().Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	return !IsHoliday(d)
}

// NextBusinessDay returns d when it is a business day, otherwise the first
// business day after it. Deadlines that fall on a non-working day move so.
func NextBusinessDay(d model.Date) model.Date {
	for !IsBusinessDay(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// AddBusinessDays returns the date n business days after d (before d for a
// negative n), skipping weekends and holidays. AddBusinessDays(d, 0) is
// NextBusinessDay(d).
func AddBusinessDays(d model.Date, n int) model.Date {
	if n == 0 {
		return NextBusinessDay(d)
	}
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDate(0, 0, step)
		if IsBusinessDay(d) {
			n--
		}
	}
	return d
}
