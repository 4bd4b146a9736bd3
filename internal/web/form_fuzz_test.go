package web

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/model"
)

// FuzzClientForm: whatever is typed into the client form, the form shows it
// back as typed, a date field has an error exactly when it holds no date,
// and every error the rules find is shown next to an input of the form with
// a message in Finnish, Swedish and English.
func FuzzClientForm(f *testing.F) {
	f.Add("Amina", "Yusuf", "010190-999W", "", "", "2027-06-30", "2024-01-01", "residence_permit", "fi", "a@b.fi", "+358 40 1", "x")
	f.Add("\u00a0\u00a0", "\u3164", "", "AB-1", "1990-01-01", "9999-12-31", "0001-01-01", "citizenship", "sv", "", "", "")
	f.Add("\u0301", "A\u200bB", "", "", "31.12.1990", "2027-02-30", "1985-01-01", "", "en", "not an address", "abc", "\x00")
	cat := locale.MustLoad()
	today := model.Date{Year: 2026, Month: 11, Day: 25}
	f.Fuzz(func(t *testing.T, first, last, pic, uma, dob, validUntil, firstPermit, rbType, lang, email, phone, rtw string) {
		typed := url.Values{
			fMunicipality: {"091"}, fFirstNames: {first}, fLastName: {last}, fIdentityCode: {pic}, fUMANumber: {uma},
			fDateOfBirth: {dob}, fValidUntil: {validUntil}, fFirstPermitDate: {firstPermit}, fResidenceType: {rbType},
			fServiceLanguage: {lang}, fEmail: {email}, fPhone: {phone}, fRightToWork: {rtw},
		}
		r := httptest.NewRequest(http.MethodPost, "/clients/new", strings.NewReader(typed.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		s := readClientForm(r)
		for name, v := range typed {
			if got := s.Value(name); got != v[0] {
				t.Fatalf("%s typed %q is shown back as %q", name, v[0], got)
			}
		}
		fields, dateErrs := s.clientFields()
		for _, name := range []string{fDateOfBirth, fValidUntil, fFirstPermitDate} {
			v := strings.TrimSpace(typed.Get(name))
			_, perr := model.ParseDate(v)
			flagged := slices.ContainsFunc(dateErrs, func(fe model.FieldError) bool { return fe.Field == name })
			if flagged != (v != "" && perr != nil) {
				t.Fatalf("%s %q: error %v, parses: %v", name, v, flagged, perr == nil)
			}
		}
		errs := dateErrs
		if _, err := fields.Normalize(today); err != nil {
			var e *model.Error
			if !errors.As(err, &e) || e.Code != model.CodeValidationFailed {
				t.Fatalf("Normalize: %T %v", err, err)
			}
			errs = append(errs, e.Fields...)
		}
		for _, fe := range errs {
			if name := s.formFieldOf(fe); !slices.Contains(clientFieldOrder, name) {
				t.Fatalf("error %s/%s is about %q, which the form does not have", fe.Field, fe.Code, name)
			}
			for _, l := range locale.Languages {
				var args []any
				if fe.Param != "" {
					args = append(args, fe.Param)
				}
				if msg := cat.T(l, "field."+fe.Code, args...); msg == "field."+fe.Code || strings.Contains(msg, "%!") {
					t.Fatalf("error %s/%s has no %s message: %q", fe.Field, fe.Code, l, msg)
				}
			}
		}
	})
}
