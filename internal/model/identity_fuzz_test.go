package model

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParsePersonalIdentityCode(f *testing.F) {
	seeds := []string{
		"131052-308T", "131052Y308T", "010190-999W", "010180+0025", "290200A002C",
		"290200-002C", "290204A900C", "010101a002s", "  131052-308T ", "131052-308U",
		"010190-000N", "010190-001P", "310490-123D", "131052-308", "131052-308TT",
		"１３１０５２-３０８T", "1310\u00b2-308T", "010101A002\u017f", "", "\x00\xff",
		"000000-0000", "999999F999Y",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		p, err := ParsePersonalIdentityCode(in)
		if err != nil {
			if !errors.Is(err, ErrIdentityCodeFormat) && !errors.Is(err, ErrIdentityCodeDate) && !errors.Is(err, ErrIdentityCodeCheck) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			if p != (PersonalIdentityCode{}) {
				t.Fatalf("non-zero result %+v with error %v", p, err)
			}
			if trimmed := strings.TrimSpace(in); len(trimmed) >= 4 && strings.Contains(err.Error(), trimmed) {
				t.Fatalf("error %q contains the input", err)
			}
			return
		}

		code := p.Code
		if len(code) != 11 || utf8.RuneCountInString(code) != 11 {
			t.Fatalf("code %q is not 11 characters", code)
		}
		if code != strings.ToUpper(strings.TrimSpace(in)) {
			t.Fatalf("code %q is not the trimmed, upper-cased input %q", code, in)
		}

		again, err := ParsePersonalIdentityCode(code)
		if err != nil {
			t.Fatalf("re-parsing %q failed: %v", code, err)
		}
		if again.Code != p.Code || !again.DateOfBirth.Equal(p.DateOfBirth) || again.Temporary != p.Temporary {
			t.Fatalf("re-parse of %q = %+v, first parse %+v", code, again, p)
		}

		nine := 0
		for _, c := range code[0:6] + code[7:10] {
			if c < '0' || c > '9' {
				t.Fatalf("code %q has a non-digit %q in a digit position", code, c)
			}
			nine = nine*10 + int(c-'0')
		}
		if got := IdentityCodeCheckChar(nine); got != code[10] {
			t.Fatalf("code %q: check char %q, want %q", code, code[10], got)
		}
		if got := p.DateOfBirth.Format("020106"); got != code[0:6] {
			t.Fatalf("code %q: date of birth %v formats as %q", code, p.DateOfBirth, got)
		}
		if base, ok := centuryBase(code[6]); !ok || p.DateOfBirth.Year()/100*100 != base {
			t.Fatalf("code %q: year %d does not match century sign", code, p.DateOfBirth.Year())
		}
		if individual := nine % 1000; individual < 2 || p.Temporary != (individual >= 900) {
			t.Fatalf("code %q: individual %d, temporary %v", code, individual, p.Temporary)
		}
	})
}
