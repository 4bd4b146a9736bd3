package model

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Check characters in this table were computed independently of the code
// under test (DDMMYYZZZ mod 31 into "0123456789ABCDEFHJKLMNPRSTUVWXY").
func TestParsePersonalIdentityCode(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    PersonalIdentityCode
		wantErr error
	}{
		// Valid codes, every century sign.
		{"ordinary dash", "131052-308T", PersonalIdentityCode{"131052-308T", date(1952, 10, 13), false}, nil},
		{"sign Y", "131052Y308T", PersonalIdentityCode{"131052Y308T", date(1952, 10, 13), false}, nil},
		{"sign X", "150695X1230", PersonalIdentityCode{"150695X1230", date(1995, 6, 15), false}, nil},
		{"sign W", "150695W456R", PersonalIdentityCode{"150695W456R", date(1995, 6, 15), false}, nil},
		{"sign V", "150695V789F", PersonalIdentityCode{"150695V789F", date(1995, 6, 15), false}, nil},
		{"sign U", "150695U234K", PersonalIdentityCode{"150695U234K", date(1995, 6, 15), false}, nil},
		{"sign plus", "010180+0025", PersonalIdentityCode{"010180+0025", date(1880, 1, 1), false}, nil},
		{"sign A", "010101A002S", PersonalIdentityCode{"010101A002S", date(2001, 1, 1), false}, nil},
		{"sign B", "020202B345J", PersonalIdentityCode{"020202B345J", date(2002, 2, 2), false}, nil},
		{"sign C", "030303C567D", PersonalIdentityCode{"030303C567D", date(2003, 3, 3), false}, nil},
		{"sign D", "040404D678P", PersonalIdentityCode{"040404D678P", date(2004, 4, 4), false}, nil},
		{"sign E", "050505E7890", PersonalIdentityCode{"050505E7890", date(2005, 5, 5), false}, nil},
		{"sign F", "060606F8998", PersonalIdentityCode{"060606F8998", date(2006, 6, 6), false}, nil},
		{"year 00 in 2000s", "010100A991D", PersonalIdentityCode{"010100A991D", date(2000, 1, 1), true}, nil},
		{"last day of 1999", "311299-8997", PersonalIdentityCode{"311299-8997", date(1999, 12, 31), false}, nil},

		// Individual number boundaries.
		{"individual 002", "010190-002R", PersonalIdentityCode{"010190-002R", date(1990, 1, 1), false}, nil},
		{"individual 899", "010190-899N", PersonalIdentityCode{"010190-899N", date(1990, 1, 1), false}, nil},
		{"individual 900 temporary", "010190-900P", PersonalIdentityCode{"010190-900P", date(1990, 1, 1), true}, nil},
		{"individual 999 temporary", "010190-999W", PersonalIdentityCode{"010190-999W", date(1990, 1, 1), true}, nil},
		{"individual 000", "010190-000N", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"individual 001", "010190-001P", PersonalIdentityCode{}, ErrIdentityCodeFormat},

		// Leap years.
		{"29 Feb 2000 leap", "290200A002C", PersonalIdentityCode{"290200A002C", date(2000, 2, 29), false}, nil},
		{"29 Feb 1900 not leap", "290200-002C", PersonalIdentityCode{}, ErrIdentityCodeDate},
		{"29 Feb 1800 not leap", "290200+1239", PersonalIdentityCode{}, ErrIdentityCodeDate},
		{"29 Feb 1996 leap", "290296-1232", PersonalIdentityCode{"290296-1232", date(1996, 2, 29), false}, nil},
		{"29 Feb 2001 not leap", "290201A123J", PersonalIdentityCode{}, ErrIdentityCodeDate},
		{"29 Feb 2004 leap temporary", "290204A900C", PersonalIdentityCode{"290204A900C", date(2004, 2, 29), true}, nil},
		{"29 Feb 2004 sign F", "290204F9500", PersonalIdentityCode{"290204F9500", date(2004, 2, 29), true}, nil},
		{"29 Feb 1888 leap", "290288+400X", PersonalIdentityCode{"290288+400X", date(1888, 2, 29), false}, nil},
		{"28 Feb 1900", "280200-123M", PersonalIdentityCode{"280200-123M", date(1900, 2, 28), false}, nil},

		// Other impossible dates.
		{"31 April", "310490-123D", PersonalIdentityCode{}, ErrIdentityCodeDate},
		{"day 00", "000190-1230", PersonalIdentityCode{}, ErrIdentityCodeDate},
		{"day 32", "320190-123M", PersonalIdentityCode{}, ErrIdentityCodeDate},
		{"month 00", "010090-123U", PersonalIdentityCode{}, ErrIdentityCodeDate},
		{"month 13", "011390-123A", PersonalIdentityCode{}, ErrIdentityCodeDate},

		// Check character.
		{"wrong check char", "131052-308U", PersonalIdentityCode{}, ErrIdentityCodeCheck},
		{"wrong check digit", "010180+0026", PersonalIdentityCode{}, ErrIdentityCodeCheck},
		{"check char G not in alphabet", "131052-308G", PersonalIdentityCode{}, ErrIdentityCodeCheck},
		{"transposed digits", "130152-308T", PersonalIdentityCode{}, ErrIdentityCodeCheck},
		{"century sign is not in the check; future date accepted", "131052A308T", PersonalIdentityCode{"131052A308T", date(2052, 10, 13), false}, nil},
		{"check char punctuation", "131052-308.", PersonalIdentityCode{}, ErrIdentityCodeFormat},

		// Normalisation of case and surrounding whitespace.
		{"lowercase check char", "131052-308t", PersonalIdentityCode{"131052-308T", date(1952, 10, 13), false}, nil},
		{"lowercase sign and check", "131052y308t", PersonalIdentityCode{"131052Y308T", date(1952, 10, 13), false}, nil},
		{"lowercase sign a", "010101a002s", PersonalIdentityCode{"010101A002S", date(2001, 1, 1), false}, nil},
		{"surrounding spaces", "  131052-308T  ", PersonalIdentityCode{"131052-308T", date(1952, 10, 13), false}, nil},
		{"surrounding tabs and newline", "\t131052-308T\r\n", PersonalIdentityCode{"131052-308T", date(1952, 10, 13), false}, nil},
		{"surrounding no-break space", "\u00a0131052-308T\u00a0", PersonalIdentityCode{"131052-308T", date(1952, 10, 13), false}, nil},

		// Format errors.
		{"empty", "", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"only spaces", "   ", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"length 10", "131052-308", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"length 12", "131052-308TT", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"length 12 leading zero", "0131052-308T", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"inner space", "131052 -308T", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"inner space replacing sign", "131052 308T", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"space before check", "131052-308 T", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"unknown sign G", "131052G308T", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"unknown sign slash", "131052/308T", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"unknown sign Z", "131052Z308T", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"en dash sign", "131052\u2013308T", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"letter in date", "13105O-308T", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"letter in individual", "131052-3O8T", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"fullwidth digits", "１３１０５２-３０８T", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"arabic-indic digits", "١٣١٠٥٢-٣٠٨T", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"superscript digit, 11 bytes", "1310\u00b2-308T", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"long s would upper-case to S", "010101A002\u017f", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"dotless i check", "131052-308\u0131", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"NUL inside", "131052-308\x00", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"invalid UTF-8", "131052-308\xff", PersonalIdentityCode{}, ErrIdentityCodeFormat},
		{"negative sign prefix", "-31052-308T", PersonalIdentityCode{}, ErrIdentityCodeFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePersonalIdentityCode(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ParsePersonalIdentityCode(%q) error = %v, want %v", tt.in, err, tt.wantErr)
				}
				if got != (PersonalIdentityCode{}) {
					t.Errorf("ParsePersonalIdentityCode(%q) = %+v on error, want zero value", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePersonalIdentityCode(%q) unexpected error %v", tt.in, err)
			}
			if got.Code != tt.want.Code || !got.DateOfBirth.Equal(tt.want.DateOfBirth) ||
				got.DateOfBirth.Location() != time.UTC || got.Temporary != tt.want.Temporary {
				t.Errorf("ParsePersonalIdentityCode(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

// The century sign is part of the identity: the same digits with "-" and "Y"
// are two different people and must never be normalised to each other.
func TestCenturySignIsPartOfIdentity(t *testing.T) {
	dash, err := ParsePersonalIdentityCode("131052-308T")
	if err != nil {
		t.Fatal(err)
	}
	y, err := ParsePersonalIdentityCode("131052Y308T")
	if err != nil {
		t.Fatal(err)
	}
	if dash.Code == y.Code {
		t.Fatalf("codes with different century signs compare equal: %q", dash.Code)
	}
	if dash == y {
		t.Fatal("parsed structs with different century signs compare equal")
	}
	if dash.Code[6] != '-' || y.Code[6] != 'Y' {
		t.Fatalf("century signs not preserved: %q, %q", dash.Code, y.Code)
	}
	if !dash.DateOfBirth.Equal(y.DateOfBirth) {
		t.Fatalf("dates of birth differ: %v, %v", dash.DateOfBirth, y.DateOfBirth)
	}
}

// Errors must be safe to log: they must not contain the input or any part
// of it, and must be the bare sentinels.
func TestIdentityCodeErrorsDoNotLeakInput(t *testing.T) {
	inputs := []string{
		"131052-308U", "290200-002C", "010190-000N", "131052-308", "131052G308T",
		"  131052 -308T ", "１３１０５２-３０８T", "310490-123D", "131052-308TT",
		"999999-999Y", "abcdefghijk", "",
	}
	for _, in := range inputs {
		_, err := ParsePersonalIdentityCode(in)
		if err == nil {
			t.Fatalf("ParsePersonalIdentityCode(%q) succeeded, want error", in)
		}
		msg := err.Error()
		if trimmed := strings.TrimSpace(in); trimmed != "" && strings.Contains(msg, trimmed) {
			t.Errorf("error %q contains the input %q", msg, in)
		}
		if strings.ContainsAny(msg, "0123456789") {
			t.Errorf("error %q for input %q contains digits", msg, in)
		}
		if err != ErrIdentityCodeFormat && err != ErrIdentityCodeDate && err != ErrIdentityCodeCheck {
			t.Errorf("error for %q is %T %v, want a bare sentinel", in, err, err)
		}
	}
}

func TestIdentityCodeCheckChar(t *testing.T) {
	tests := []struct {
		nine int
		want byte
	}{
		{131052308, 'T'},
		{10190999, 'W'},
		{0, '0'},
		{30, 'Y'},
		{31, '0'},
		{16, 'H'}, // G is skipped
		{999999999, "0123456789ABCDEFHJKLMNPRSTUVWXY"[999999999%31]},
	}
	for _, tt := range tests {
		if got := IdentityCodeCheckChar(tt.nine); got != tt.want {
			t.Errorf("IdentityCodeCheckChar(%d) = %q, want %q", tt.nine, got, tt.want)
		}
	}
	for _, bad := range []int{-1, 1_000_000_000} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("IdentityCodeCheckChar(%d) did not panic", bad)
				}
			}()
			IdentityCodeCheckChar(bad)
		}()
	}
}

func TestSyntheticIdentityCode(t *testing.T) {
	tests := []struct {
		dob        time.Time
		individual int
		want       string
	}{
		{date(1990, 1, 1), 999, "010190-999W"},
		{date(1990, 1, 1), 900, "010190-900P"},
		{date(2004, 2, 29), 900, "290204A900C"},
		{date(2000, 1, 1), 991, "010100A991D"},
		{date(1888, 2, 29), 950, ""}, // checked by round trip below
		{time.Date(1999, 12, 31, 23, 30, 0, 0, time.FixedZone("EET", 2*3600)), 950, ""},
	}
	for _, tt := range tests {
		got := SyntheticIdentityCode(tt.dob, tt.individual)
		if tt.want != "" && got != tt.want {
			t.Errorf("SyntheticIdentityCode(%v, %d) = %q, want %q", tt.dob, tt.individual, got, tt.want)
		}
		p, err := ParsePersonalIdentityCode(got)
		if err != nil {
			t.Fatalf("SyntheticIdentityCode(%v, %d) = %q does not parse: %v", tt.dob, tt.individual, got, err)
		}
		y, m, d := tt.dob.Date()
		if !p.DateOfBirth.Equal(date(y, m, d)) || !p.Temporary || p.Code != got {
			t.Errorf("SyntheticIdentityCode(%v, %d) = %q parses to %+v", tt.dob, tt.individual, got, p)
		}
	}

	// Century signs.
	for _, c := range []struct {
		year int
		sign byte
	}{{1800, '+'}, {1899, '+'}, {1900, '-'}, {1999, '-'}, {2000, 'A'}, {2099, 'A'}} {
		got := SyntheticIdentityCode(date(c.year, 6, 15), 950)
		if got[6] != c.sign {
			t.Errorf("SyntheticIdentityCode(%d) = %q, want century sign %q", c.year, got, c.sign)
		}
	}

	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		f()
	}
	for _, ind := range []int{-1, 0, 1, 2, 500, 899, 1000} {
		mustPanic(fmt.Sprintf("individual %d", ind), func() { SyntheticIdentityCode(date(1990, 1, 1), ind) })
	}
	mustPanic("year 1799", func() { SyntheticIdentityCode(date(1799, 12, 31), 950) })
	mustPanic("year 2100", func() { SyntheticIdentityCode(date(2100, 1, 1), 950) })
}

func TestNormalizeUMA(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"1234567", "1234567", true},
		{"  abc-123 ", "ABC-123", true},
		{"x", "X", true},
		{strings.Repeat("A", 32), strings.Repeat("A", 32), true},
		{strings.Repeat("A", 33), "", false},
		{"", "", false},
		{"   ", "", false},
		{"ABC 123", "", false},
		{"ABC_123", "", false},
		{"ABC/123", "", false},
		{"ÄBC123", "", false},
		{"\u017f123", "", false}, // long s must not become "S"
		{"\u212a123", "", false}, // Kelvin sign
		{"ABC\n123", "", false},
		{"１２３", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizeUMA(tt.in)
		if tt.ok {
			if err != nil || got != tt.want {
				t.Errorf("NormalizeUMA(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
			}
			continue
		}
		if !errors.Is(err, ErrUMAFormat) || got != "" {
			t.Errorf("NormalizeUMA(%q) = %q, %v; want \"\", ErrUMAFormat", tt.in, got, err)
		}
		if trimmed := strings.TrimSpace(tt.in); err != nil && trimmed != "" && strings.Contains(err.Error(), trimmed) {
			t.Errorf("NormalizeUMA error %q contains the input", err)
		}
	}
}
