// Package model holds kotodigi's core domain types and the validation and
// normalisation rules for client data: Finnish personal identity codes
// (henkilötunnus), Migri customer numbers (UMA), contact details and
// free-text fields.
package model

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors returned by ParsePersonalIdentityCode. They are returned
// as-is (never wrapped around the input) and their messages never contain
// the input, so they are safe to log. Compare them with errors.Is.
var (
	// ErrIdentityCodeFormat reports a string that is not shaped like a
	// personal identity code: wrong length, a character out of place, an
	// unknown century sign, or an individual number of 000 or 001.
	ErrIdentityCodeFormat = errors.New("model: personal identity code has invalid format")
	// ErrIdentityCodeDate reports a well-formed code whose date of birth is
	// not a real calendar date (for example 29 February in a non-leap year).
	ErrIdentityCodeDate = errors.New("model: personal identity code has invalid date of birth")
	// ErrIdentityCodeCheck reports a well-formed code whose check character
	// does not match its digits.
	ErrIdentityCodeCheck = errors.New("model: personal identity code has wrong check character")
)

// ErrUMAFormat is returned by NormalizeUMA for an empty, over-long or
// otherwise malformed Migri customer number. Its message never contains the
// input.
var ErrUMAFormat = errors.New("model: Migri customer number has invalid format")

// identityCheckAlphabet maps (DDMMYYZZZ mod 31) to the check character.
const identityCheckAlphabet = "0123456789ABCDEFHJKLMNPRSTUVWXY"

// identityCodeLen is the length of a personal identity code, DDMMYYCZZZQ.
const identityCodeLen = 11

// PersonalIdentityCode is a parsed, validated Finnish personal identity code
// (henkilötunnus).
//
// The century sign is part of the identity: 131052-308T and 131052Y308T are
// different codes that belong to different people, so Code is never
// normalised to a canonical century sign. Compare codes by Code.
//
// A personal identity code is sensitive personal data; do not log it.
type PersonalIdentityCode struct {
	// Code is the full 11-character code as given, with surrounding
	// whitespace removed and letters upper-cased.
	Code string
	// DateOfBirth is the encoded date of birth at midnight UTC.
	DateOfBirth time.Time
	// Temporary is true for temporary codes (individual number 900–999),
	// which are issued by e.g. healthcare providers and are also used for
	// synthetic test data.
	Temporary bool
}

// centuryBase returns the first year of the century encoded by the century
// sign c (already upper-cased), or false if c is not a valid century sign.
func centuryBase(c byte) (int, bool) {
	switch c {
	case '+':
		return 1800, true
	case '-', 'Y', 'X', 'W', 'V', 'U':
		return 1900, true
	case 'A', 'B', 'C', 'D', 'E', 'F':
		return 2000, true
	}
	return 0, false
}

func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }

// ParsePersonalIdentityCode parses and validates a Finnish personal identity
// code of the form DDMMYYCZZZQ, where DDMMYY is the date of birth, C the
// century sign ("+" for the 1800s; "-", "Y", "X", "W", "V" or "U" for the
// 1900s; "A" to "F" for the 2000s), ZZZ the individual number and Q the
// check character.
//
// Surrounding whitespace is ignored and lower-case letters are accepted.
// Everything else must be exact: ASCII only, no inner spaces, individual
// number 002–999 (900–999 marks a temporary code), a real calendar date and
// a matching check character.
//
// The returned error is exactly one of ErrIdentityCodeFormat,
// ErrIdentityCodeDate or ErrIdentityCodeCheck, checked in that order.
func ParsePersonalIdentityCode(s string) (PersonalIdentityCode, error) {
	s = strings.TrimSpace(s)
	// Length is measured in bytes: any non-ASCII rune takes at least two
	// bytes and is rejected by the per-position checks below anyway.
	if len(s) != identityCodeLen {
		return PersonalIdentityCode{}, ErrIdentityCodeFormat
	}
	// Upper-case ASCII letters only. strings.ToUpper must not be used before
	// the input is known to be ASCII: it maps e.g. U+017F (long s) to "S".
	var b [identityCodeLen]byte
	for i := 0; i < identityCodeLen; i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		b[i] = c
	}

	var digits int // DDMMYYZZZ as one integer
	for _, i := range [...]int{0, 1, 2, 3, 4, 5, 7, 8, 9} {
		if !isASCIIDigit(b[i]) {
			return PersonalIdentityCode{}, ErrIdentityCodeFormat
		}
		digits = digits*10 + int(b[i]-'0')
	}
	base, ok := centuryBase(b[6])
	if !ok {
		return PersonalIdentityCode{}, ErrIdentityCodeFormat
	}
	q := b[10]
	if !isASCIIDigit(q) && (q < 'A' || q > 'Z') {
		return PersonalIdentityCode{}, ErrIdentityCodeFormat
	}
	individual := digits % 1000
	if individual < 2 {
		return PersonalIdentityCode{}, ErrIdentityCodeFormat
	}

	day := int(b[0]-'0')*10 + int(b[1]-'0')
	month := int(b[2]-'0')*10 + int(b[3]-'0')
	year := base + int(b[4]-'0')*10 + int(b[5]-'0')
	dob, ok := calendarDate(year, month, day)
	if !ok {
		return PersonalIdentityCode{}, ErrIdentityCodeDate
	}

	if IdentityCodeCheckChar(digits) != q {
		return PersonalIdentityCode{}, ErrIdentityCodeCheck
	}

	return PersonalIdentityCode{
		Code:        string(b[:]),
		DateOfBirth: dob,
		Temporary:   individual >= 900,
	}, nil
}

// calendarDate returns midnight UTC of the given date if it exists.
func calendarDate(year, month, day int) (time.Time, bool) {
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	// time.Date normalises overflow (31 April -> 1 May); a real date
	// survives the round trip unchanged.
	if t.Year() != year || t.Month() != time.Month(month) || t.Day() != day {
		return time.Time{}, false
	}
	return t, true
}

// IdentityCodeCheckChar returns the check character of a personal identity
// code whose date digits DDMMYY and individual number ZZZ, concatenated, form
// the integer nineDigits (for 131052-308T that is 131052308, giving 'T').
// It panics if nineDigits is outside 0–999999999.
func IdentityCodeCheckChar(nineDigits int) byte {
	if nineDigits < 0 || nineDigits > 999_999_999 {
		panic(fmt.Sprintf("model: IdentityCodeCheckChar: %d is not a nine-digit number", nineDigits))
	}
	return identityCheckAlphabet[nineDigits%31]
}

// SyntheticIdentityCode builds a valid temporary personal identity code for
// synthetic (test or demo) data from a date of birth and an individual
// number. The century sign is "+" for 1800–1899, "-" for 1900–1999 and "A"
// for 2000–2099. The date is taken from dob in dob's own location.
//
// Synthetic data may only use temporary individual numbers, so it panics if
// individual is outside 900–999. It also panics if the year of dob is
// outside 1800–2099.
func SyntheticIdentityCode(dob time.Time, individual int) string {
	if individual < 900 || individual > 999 {
		panic(fmt.Sprintf("model: SyntheticIdentityCode: individual number %d is outside 900-999", individual))
	}
	year, month, day := dob.Date()
	var sign byte
	switch {
	case year >= 1800 && year <= 1899:
		sign = '+'
	case year >= 1900 && year <= 1999:
		sign = '-'
	case year >= 2000 && year <= 2099:
		sign = 'A'
	default:
		panic(fmt.Sprintf("model: SyntheticIdentityCode: year %d is outside 1800-2099", year))
	}
	yy := year % 100
	nine := day*10_000_000 + int(month)*100_000 + yy*1000 + individual // DDMMYYZZZ
	return fmt.Sprintf("%02d%02d%02d%c%03d%c", day, int(month), yy, sign, individual, IdentityCodeCheckChar(nine))
}

// umaMaxLen is the maximum accepted length of a Migri customer number.
const umaMaxLen = 32

// NormalizeUMA normalises a Migri (Finnish Immigration Service) customer
// number, which is treated as an opaque identifier: surrounding whitespace
// is trimmed and ASCII letters are upper-cased. It returns ErrUMAFormat if
// the result is empty, longer than 32 characters, or contains anything
// other than A–Z, 0–9 and "-".
func NormalizeUMA(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) == 0 || len(s) > umaMaxLen {
		return "", ErrUMAFormat
	}
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c >= 'A' && c <= 'Z', isASCIIDigit(c), c == '-':
		default:
			return "", ErrUMAFormat
		}
		b[i] = c
	}
	return string(b), nil
}
