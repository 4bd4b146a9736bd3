package casepolicy

import (
	"slices"
	"testing"

	"github.com/kotodigi/kotodigi/internal/model"
)

func d(s string) model.Date {
	v, err := model.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func dp(s string) *model.Date { v := d(s); return &v }

func codes(v *model.Validation) []string {
	var out []string
	for _, f := range v.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	slices.Sort(out)
	return out
}

func TestWithDefaults(t *testing.T) {
	if got := (Policy{}).WithDefaults(); got != Default {
		t.Errorf("zero policy: %+v", got)
	}
	if got := (Policy{FirstPlanMaxMonths: 6, ReviewWarnDays: -1}).WithDefaults(); got.FirstPlanMaxMonths != 6 || got.ReviewWarnDays != 30 {
		t.Errorf("partial policy: %+v", got)
	}
}

func TestCheckPlan(t *testing.T) {
	pol := Default
	for name, tc := range map[string]struct {
		plan    NewPlan
		want    []string
		checked bool
	}{
		"first plan of a year":           {NewPlan{Span: Span{d("2026-01-01"), d("2026-12-31")}, FirstPermit: dp("2025-01-01")}, nil, true},
		"first plan too long":            {NewPlan{Span: Span{d("2026-01-01"), d("2027-01-02")}, FirstPermit: dp("2025-01-01")}, []string{"end_date:plan_too_long"}, true},
		"permit date unknown":            {NewPlan{Span: Span{d("2026-01-01"), d("2026-06-30")}}, nil, false},
		"outside the eligibility window": {NewPlan{Span: Span{d("2026-01-05"), d("2026-06-30")}, FirstPermit: dp("2023-01-02")}, []string{"start_date:outside_eligibility_period"}, true},
		// 2026-01-06 + 3 years is a Saturday: the window lasts to Monday.
		"window end moved off a weekend": {NewPlan{Span: Span{d("2029-01-08"), d("2029-06-30")}, FirstPermit: dp("2026-01-06")}, nil, true},
		"the day after the moved end":    {NewPlan{Span: Span{d("2029-01-09"), d("2029-06-30")}, FirstPermit: dp("2026-01-06")}, []string{"start_date:outside_eligibility_period"}, true},
		"trafficking victim":             {NewPlan{Span: Span{d("2026-01-05"), d("2026-06-30")}, FirstPermit: dp("2020-01-01"), EligibilityException: true}, nil, true},
		"overlap":                        {NewPlan{Span: Span{d("2026-06-01"), d("2026-12-31")}, Earlier: []Span{{d("2026-01-01"), d("2026-06-30")}}}, []string{"start_date:overlapping_plan"}, false},
		"starts when the previous ends":  {NewPlan{Span: Span{d("2026-06-30"), d("2026-12-31")}, Earlier: []Span{{d("2026-01-01"), d("2026-06-30")}}}, nil, false},
		"same start":                     {NewPlan{Span: Span{d("2026-01-01"), d("2026-01-01")}, Earlier: []Span{{d("2026-01-01"), d("2026-01-01")}}}, []string{"start_date:overlapping_plan"}, false},
		"second plan may be long":        {NewPlan{Span: Span{d("2026-12-31"), d("2027-12-30")}, Earlier: []Span{{d("2026-01-01"), d("2026-12-31")}}}, nil, false},
		"over two years in total":        {NewPlan{Span: Span{d("2027-01-01"), d("2028-06-30")}, Earlier: []Span{{d("2026-01-01"), d("2026-12-31")}}}, []string{"end_date:plans_exceed_two_years"}, false},
		"over two years with a reason":   {NewPlan{Span: Span{d("2027-01-01"), d("2028-06-30")}, Earlier: []Span{{d("2026-01-01"), d("2026-12-31")}}, ExceedsTwoYearsReason: true}, nil, false},
	} {
		var v model.Validation
		checked := pol.CheckPlan(&v, tc.plan)
		if got := codes(&v); !slices.Equal(got, tc.want) || checked != tc.checked {
			t.Errorf("%s: %v checked=%v, want %v checked=%v", name, got, checked, tc.want, tc.checked)
		}
	}
}

func TestDeadlines(t *testing.T) {
	pol := Default
	no := false
	for name, tc := range map[string]struct {
		c     Case
		today string
		want  []string // kind@due(!overdue)
	}{
		"nothing recorded, window far off": {Case{ClientID: "c", FirstPermit: dp("2025-01-01")}, "2026-01-01", nil},
		"eligibility window closing":       {Case{ClientID: "c", FirstPermit: dp("2023-11-30"), RegisteredBy: 7}, "2026-11-25", []string{"eligibility_window_closing@2026-11-30"}},
		"plan preparation after the assessment": {Case{ClientID: "c", LatestAssessment: &Assessment{ID: "a", Date: d("2026-09-01")}},
			"2026-11-25", []string{"plan_preparation@2026-11-02!"}},
		"planned plan date": {Case{ClientID: "c", LatestAssessment: &Assessment{ID: "a", Date: d("2026-09-01"), PlannedPlanDate: dp("2026-12-01")}},
			"2026-11-25", []string{"plan_preparation@2026-12-01"}},
		"no plan needed": {Case{ClientID: "c", LatestAssessment: &Assessment{ID: "a", Date: d("2026-09-01"), PlanNeeded: &no}}, "2026-11-25", nil},
		"guidance to a service, review and end": {Case{ClientID: "c", Plans: []Plan{{ID: "p", Start: d("2026-01-01"), End: d("2026-12-20"), PlannedReviewDate: dp("2026-12-10")}}},
			"2026-11-25", []string{"plan_ending@2026-12-21", "review_due@2026-12-10", "service_guidance@2026-07-01!"}},
		"service given, plan reviewed": {Case{ClientID: "c", LastService: dp("2026-02-01"),
			Plans: []Plan{{ID: "p", Start: d("2026-01-01"), End: d("2027-06-30"), PlannedReviewDate: dp("2026-06-01"), Reviewed: true}}}, "2026-11-25", nil},
		"residence basis expired": {Case{ClientID: "c", ResidenceValidUntil: dp("2026-10-30"), Plans: []Plan{{ID: "p", Start: d("2026-01-01"), End: d("2027-06-30")}}, LastService: dp("2026-02-01")},
			"2026-11-25", []string{"residence_basis_update@2026-11-02!"}},
		"residence basis valid today": {Case{ClientID: "c", ResidenceValidUntil: dp("2026-11-25"), FirstPermit: dp("2025-01-01")}, "2026-11-25", nil},
		"a plan since the assessment": {Case{ClientID: "c", LastService: dp("2026-10-01"), LatestAssessment: &Assessment{ID: "a", Date: d("2026-09-01")},
			Plans: []Plan{{ID: "p", Start: d("2026-09-15"), End: d("2027-06-30")}}}, "2026-11-25", nil},
	} {
		var got []string
		for _, dl := range pol.Deadlines(tc.c, d(tc.today)) {
			s := dl.Kind + "@" + dl.Due.String()
			if dl.Overdue {
				s += "!"
			}
			got = append(got, s)
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}
