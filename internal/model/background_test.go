package model

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var bgToday = Date{2026, time.November, 20}

func bgClient() ClientFields {
	pic := "010190-999W" // individual number 999: odd, a man
	return ClientFields{Municipality: "091", PersonalIdentityCode: &pic, FirstNames: "Amina", LastName: "Yusuf",
		ResidenceBasis: &ResidenceBasis{Type: "citizenship"}, ServiceLanguage: "fi"}
}

func str(s string) *string { return &s }

func fieldCodes(err error) string {
	if err == nil {
		return ""
	}
	var out []string
	for _, f := range err.(*Error).Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return strings.Join(out, " ")
}

func TestSexFromIdentityCode(t *testing.T) {
	for code, want := range map[string]string{"010190-999W": SexMale, "020295-998L": SexFemale, "131052-308T": SexFemale, "010594Y9032": SexMale} {
		pic, err := ParsePersonalIdentityCode(code)
		if err != nil {
			t.Fatal(code, err)
		}
		if got := SexFromIdentityCode(pic); got != want {
			t.Errorf("%s: %s, want %s", code, got, want)
		}
	}
}

func TestBackgroundNormalize(t *testing.T) {
	d := func(s string) *Date { x, _ := ParseDate(s); return &x }
	tests := []struct {
		name  string
		edit  func(*ClientFields)
		want  string // field errors, or "" for none
		check func(ClientFields) bool
	}{
		{"nothing told: all unknown but the sex from the code", func(*ClientFields) {}, "", func(n ClientFields) bool {
			return *n.Sex == SexMale && n.Citizenships == nil && n.MotherTongue == nil && n.ArrivalDate == nil && n.ClientGroup == nil
		}},
		{"sex as the code says", func(f *ClientFields) { f.Sex = str("male") }, "", nil},
		{"sex against the code", func(f *ClientFields) { f.Sex = str("female") }, "sex:sex_mismatch", nil},
		{"sex entered without a code", func(f *ClientFields) {
			f.PersonalIdentityCode, f.UMANumber, f.DateOfBirth, f.Sex = nil, str("123-456-789"), d("1990-01-01"), str("female")
		}, "", func(n ClientFields) bool { return *n.Sex == SexFemale }},
		{"sex not told without a code", func(f *ClientFields) {
			f.PersonalIdentityCode, f.UMANumber, f.DateOfBirth = nil, str("123-456-789"), d("1990-01-01")
		}, "", func(n ClientFields) bool { return n.Sex == nil }},
		{"sex of another kind", func(f *ClientFields) { f.Sex = str("other") }, "sex:invalid_choice", nil},
		{"citizenships normalised", func(f *ClientFields) { f.Citizenships = []string{" sy", "TR", "sy", ""} }, "",
			func(n ClientFields) bool { return slices.Equal(n.Citizenships, []string{"SY", "TR"}) }},
		{"no citizenships is not told", func(f *ClientFields) { f.Citizenships = []string{} }, "",
			func(n ClientFields) bool { return n.Citizenships == nil }},
		{"stateless", func(f *ClientFields) { f.Citizenships = []string{"xx"} }, "",
			func(n ClientFields) bool { return slices.Equal(n.Citizenships, []string{"XX"}) }},
		{"stateless and a country", func(f *ClientFields) { f.Citizenships = []string{"XX", "SY"} }, "citizenships:stateless_with_citizenship", nil},
		{"unknown country", func(f *ClientFields) { f.Citizenships = []string{"SY", "QQ"} }, "citizenships:unknown_country", nil},
		{"three-letter country", func(f *ClientFields) { f.Citizenships = []string{"SYR"} }, "citizenships:unknown_country", nil},
		{"four citizenships", func(f *ClientFields) { f.Citizenships = []string{"SE", "NO", "DK", "IS"} }, "citizenships:too_many_items", nil},
		{"mother tongue", func(f *ClientFields) { f.MotherTongue = str(" AR ") }, "", func(n ClientFields) bool { return *n.MotherTongue == "ar" }},
		{"mother tongue by 639-3 code", func(f *ClientFields) { f.MotherTongue = str("som") }, "", func(n ClientFields) bool { return *n.MotherTongue == "so" }},
		{"mother tongue without 639-1 code", func(f *ClientFields) { f.MotherTongue = str("prs") }, "", func(n ClientFields) bool { return *n.MotherTongue == "prs" }},
		{"mother tongue by name", func(f *ClientFields) { f.MotherTongue = str("Arabic") }, "mother_tongue:unknown_language", nil},
		{"blank mother tongue", func(f *ClientFields) { f.MotherTongue = str("  ") }, "", func(n ClientFields) bool { return n.MotherTongue == nil }},
		{"arrival", func(f *ClientFields) { f.ArrivalDate = d("2024-05-02") }, "", nil},
		{"arrival tomorrow", func(f *ClientFields) { f.ArrivalDate = d("2026-11-21") }, "arrival_date:date_in_future", nil},
		{"arrival before birth", func(f *ClientFields) { f.ArrivalDate = d("1989-12-31") }, "arrival_date:before_date_of_birth", nil},
		{"arrival on the day of birth", func(f *ClientFields) { f.ArrivalDate = d("1990-01-01") }, "", nil},
		{"client group", func(f *ClientFields) { f.ClientGroup = str("quota_refugee") }, "", nil},
		{"unknown client group", func(f *ClientFields) { f.ClientGroup = str("tourist") }, "client_group:invalid_choice", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := bgClient()
			tt.edit(&f)
			n, err := f.Normalize(bgToday)
			if got := fieldCodes(err); got != tt.want {
				t.Fatalf("errors %q, want %q", got, tt.want)
			}
			if tt.check != nil && !tt.check(n) {
				t.Errorf("normalised %+v", n)
			}
		})
	}
}

// A new identity code brings its own sex and date of birth; a patch that
// does not change the code keeps what was entered.
func TestPatchKeepsSexInStepWithCode(t *testing.T) {
	cur, err := bgClient().Normalize(bgToday)
	if err != nil || *cur.Sex != SexMale {
		t.Fatal(err, cur.Sex)
	}
	woman := "020295-998L"
	n, err := ClientPatch{PersonalIdentityCode: Set(&woman)}.Apply(cur).Normalize(bgToday)
	if err != nil || *n.Sex != SexFemale || n.DateOfBirth.String() != "1995-02-02" {
		t.Fatalf("after a new code: %v %v %v", err, n.Sex, n.DateOfBirth)
	}
	_, err = ClientPatch{PersonalIdentityCode: Set(&woman), Sex: Set(str("male"))}.Apply(cur).Normalize(bgToday)
	if fieldCodes(err) != "sex:sex_mismatch" {
		t.Errorf("new code with a contradicting sex: %v", err)
	}
	_, err = ClientPatch{Sex: Set(str("female"))}.Apply(cur).Normalize(bgToday)
	if fieldCodes(err) != "sex:sex_mismatch" {
		t.Errorf("sex against the kept code: %v", err)
	}
	// Without the code, the sex stays as it was, and can be changed.
	uma := "123-456-789"
	n, err = ClientPatch{PersonalIdentityCode: Set[*string](nil), UMANumber: Set(&uma)}.Apply(cur).Normalize(bgToday)
	if err != nil || *n.Sex != SexMale {
		t.Fatalf("code removed: %v %v", err, n.Sex)
	}
	n, err = ClientPatch{Sex: Set[*string](nil)}.Apply(n).Normalize(bgToday)
	if err != nil || n.Sex != nil {
		t.Fatalf("sex cleared: %v %v", err, n.Sex)
	}
}

func TestParseCitizenships(t *testing.T) {
	for in, want := range map[string][]string{"SY TR": {"SY", "TR"}, "sy,tr": {"sy", "tr"}, " SY , TR ": {"SY", "TR"}, "": nil} {
		if got := ParseCitizenships(in); !slices.Equal(got, want) {
			t.Errorf("%q: %q", in, got)
		}
	}
}
