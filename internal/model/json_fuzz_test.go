package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// keyCounts counts the member names written in data and those left after Go
// decodes it into generic values (where a repeated name counts once): they
// differ exactly when some object names a member twice. An oracle
// independent of duplicateMember.
func keyCounts(data []byte) (written, decoded int, ok bool) {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return 0, 0, false
	}
	var count func(any) int
	count = func(v any) int {
		n := 0
		switch x := v.(type) {
		case map[string]any:
			for _, e := range x {
				n += 1 + count(e)
			}
		case []any:
			for _, e := range x {
				n += count(e)
			}
		}
		return n
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	// In a valid document, a string token directly after '{' or after a
	// complete member is a name; count names by re-encoding each object.
	var walk func() int
	walk = func() int {
		tok, err := dec.Token()
		if err != nil {
			return 0
		}
		n := 0
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				if _, err := dec.Token(); err != nil { // the name
					return n
				}
				n += 1 + walk()
			}
			_, _ = dec.Token()
		case json.Delim('['):
			for dec.More() {
				n += walk()
			}
			_, _ = dec.Token()
		}
		return n
	}
	return walk(), count(v), true
}

// checkNormalized asserts what every stored client satisfies.
func checkNormalized(t *testing.T, n ClientFields, today Date) {
	t.Helper()
	for field, name := range map[string]string{"first_names": n.FirstNames, "last_name": n.LastName} {
		if !HasLetter(name) || HasControlChars(name) || utf8.RuneCountInString(name) > MaxNameLength || strings.TrimSpace(name) != name {
			t.Fatalf("%s %q accepted", field, name)
		}
		if FoldForSearch(name) == "" {
			t.Fatalf("%s %q can never be found", field, name)
		}
	}
	for field, d := range map[string]*Date{"date_of_birth": n.DateOfBirth, "valid_until": n.ResidenceBasis.ValidUntil, "first_permit_date": n.ResidenceBasis.FirstPermitDate} {
		if d != nil && (d.Year < 1880 || d.After(LatestDate)) {
			t.Fatalf("%s %s accepted", field, d)
		}
	}
	if fp := n.ResidenceBasis.FirstPermitDate; fp != nil && (fp.Before(*n.DateOfBirth) || fp.After(today)) {
		t.Fatalf("first permit %s with birth %s accepted", fp, n.DateOfBirth)
	}
	if n.ServiceLanguage != "fi" && n.ServiceLanguage != "sv" {
		t.Fatalf("service language %q accepted", n.ServiceLanguage)
	}
	if n.Email != nil && !ValidEmail(*n.Email) {
		t.Fatalf("e-mail %q accepted", *n.Email)
	}
}

// FuzzDecodeStrict: the API's one JSON decoder refuses every document that
// names a member twice and accepts none that Go would read differently from
// another parser; its errors are always domain errors (never a 500); and a
// client it decodes that passes validation is one the registry can hold.
func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{
		`{"municipality":"091","personal_identity_code":"010190-999W","first_names":"Amina","last_name":"Yusuf","residence_basis":{"type":"residence_permit","valid_until":"2027-06-30","first_permit_date":"2024-01-01"},"service_language":"fi","right_to_work":"x"}`,
		`{"municipality":"091","uma_number":"AB-1","first_names":"\u3164","last_name":"Y","date_of_birth":"1990-01-01","residence_basis":{"type":"citizenship"},"service_language":"sv"}`,
		`{"first_names":"A","first_names":"B"}`,
		`{"residence_basis":{"type":"citizenship","type":"residence_permit"}}`,
		`{"a":{"b":1},"a":2}`,
		`{"first_names":"type","residence_basis":{"type":"citizenship"}}`,
		`{"residence_basis":{"first_permit_date":"0001-01-01"}}`,
		`[1,2]`, `null`, `{"x":`, `{} {}`, `{"first_names":"\u00a0"}`,
	} {
		f.Add([]byte(s))
	}
	today := Date{2026, 11, 25}
	f.Fuzz(func(t *testing.T, data []byte) {
		var c ClientFields
		err := DecodeStrict(data, &c)
		written, decoded, valid := keyCounts(data)
		var e *Error
		if err != nil && (!errors.As(err, &e) || (e.Code != CodeBadRequest && e.Code != CodeValidationFailed)) {
			t.Fatalf("DecodeStrict(%q): %T %v, want a bad_request or validation_failed domain error", data, err, err)
		}
		if valid && written != decoded && err == nil {
			t.Fatalf("DecodeStrict(%q) accepted a repeated member (%d names written, %d distinct)", data, written, decoded)
		}
		if valid && written != decoded && (e.Code != CodeBadRequest || !strings.Contains(e.Detail, "twice")) {
			t.Fatalf("DecodeStrict(%q): %v, want bad_request naming the repeated member", data, err)
		}
		if members, err := DecodeMembers(data); err == nil && valid && written != decoded {
			t.Fatalf("DecodeMembers(%q) accepted a repeated member: %v", data, members)
		}
		if err != nil {
			return
		}
		n, err := c.Normalize(today)
		if err != nil {
			if !errors.As(err, &e) || e.Code != CodeValidationFailed || len(e.Fields) == 0 {
				t.Fatalf("Normalize: %T %v, want field errors", err, err)
			}
			return
		}
		checkNormalized(t, n, today)
	})
}
