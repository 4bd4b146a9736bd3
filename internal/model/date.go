package model

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"
)

// Date is a calendar date without a time of day or time zone ("2027-06-30").
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ErrDateFormat is returned for anything that is not a real YYYY-MM-DD date
// from EarliestDate to LatestDate.
var ErrDateFormat = errors.New("not a date in the form YYYY-MM-DD from 1900 to 2199")

// The range of dates accepted as input: anything outside it (0001-01-01,
// 9999-12-31) is a slip of the keyboard, not a date of anyone's life or case.
var (
	EarliestDate = Date{1900, time.January, 1}
	LatestDate   = Date{2199, time.December, 31}
)

// ParseDate parses a strict ISO 8601 calendar date from EarliestDate to
// LatestDate and rejects impossible dates.
func ParseDate(s string) (Date, error) {
	d, err := parseDate(s)
	if err != nil || d.Before(EarliestDate) || d.After(LatestDate) {
		return Date{}, ErrDateFormat
	}
	return d, nil
}

// parseDate parses any real YYYY-MM-DD date (also stored ones from before
// the range was enforced).
func parseDate(s string) (Date, error) {
	if len(s) != 10 {
		return Date{}, ErrDateFormat
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, ErrDateFormat
	}
	return DateOf(t), nil
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// Time returns midnight UTC of the date.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d.Year == 0 && d.Month == 0 && d.Day == 0 }

// String formats the date as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.Time().Before(o.Time()) }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.Time().After(o.Time()) }

// AddDate adds years, months and days like time.Time.AddDate.
func (d Date) AddDate(years, months, days int) Date {
	return DateOf(d.Time().AddDate(years, months, days))
}

// MarshalJSON writes "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// dateType marks date errors so that DecodeStrict can name the field.
var dateType = reflect.TypeFor[Date]()

// UnmarshalJSON reads "YYYY-MM-DD" strictly. Its error is a
// json.UnmarshalTypeError, which the decoder annotates with the field path.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: "non-string", Type: dateType}
	}
	p, err := ParseDate(s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "string", Type: dateType}
	}
	*d = p
	return nil
}

// Value stores the date as text "YYYY-MM-DD" (PostgreSQL casts it to date).
func (d Date) Value() (driver.Value, error) { return d.String(), nil }

// Scan reads a date from either driver (time.Time, string or []byte).
func (d *Date) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		*d = DateOf(x.UTC())
		return nil
	case string:
		return d.scanString(x)
	case []byte:
		return d.scanString(string(x))
	}
	return fmt.Errorf("model.Date: cannot scan %T", v)
}

func (d *Date) scanString(s string) error {
	if len(s) > 10 {
		s = s[:10]
	}
	p, err := parseDate(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// NullDate is a Date that may be NULL in the database.
type NullDate struct {
	Date  Date
	Valid bool
}

// Scan implements sql.Scanner.
func (n *NullDate) Scan(v any) error {
	if v == nil {
		*n = NullDate{}
		return nil
	}
	n.Valid = true
	return n.Date.Scan(v)
}

// Value implements driver.Valuer.
func (n NullDate) Value() (driver.Value, error) {
	if !n.Valid {
		return nil, nil
	}
	return n.Date.String(), nil
}

// Ptr returns a pointer to the date, or nil when NULL.
func (n NullDate) Ptr() *Date {
	if !n.Valid {
		return nil
	}
	d := n.Date
	return &d
}

// NullDateOf wraps an optional date.
func NullDateOf(d *Date) NullDate {
	if d == nil {
		return NullDate{}
	}
	return NullDate{Date: *d, Valid: true}
}
