package model

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Service types (CONTRACT.md, case records).
const (
	ServiceCivicOrientation    = "civic_orientation"
	ServiceIntegrationTraining = "integration_training"
	ServiceLanguageCourse      = "language_course"
	ServiceGuidance            = "guidance_and_counselling"
	ServiceOther               = "other"
)

// ServiceTypes are the services recorded here. For a jobseeker only guidance
// and counselling is; the rest belong to the employment authority (R6).
var ServiceTypes = []string{ServiceCivicOrientation, ServiceIntegrationTraining, ServiceLanguageCourse, ServiceGuidance, ServiceOther}

// ServiceTypesFor are the service types that may be recorded for a client
// who is, or is not, a jobseeker (R6).
func ServiceTypesFor(jobseeker bool) []string {
	if jobseeker {
		return []string{ServiceGuidance}
	}
	return ServiceTypes
}

// ServiceAllowed reports whether a service of type typ may be recorded for
// a client who is, or is not, a jobseeker (R6).
func ServiceAllowed(jobseeker bool, typ string) bool {
	return slices.Contains(ServiceTypesFor(jobseeker), typ)
}

// DataSources say where the data of an assessment or plan came from (Decree 874/2024 §§ 1–2).
var DataSources = []string{"client", "population_register", "migri", "employment_authority", "wellbeing_county", "other"}

// CEFRLevels are the levels of the Common European Framework of Reference for Languages.
var CEFRLevels = []string{"A1", "A2", "B1", "B2", "C1", "C2"}

// LiteracyLevels describe a client's literacy in an assessment: literate in
// the Latin alphabet, literate only in another script, limited literacy, or
// not literate.
var LiteracyLevels = []string{"literate", "literate_other_script", "limited", "not_literate"}

// Attendances of a service.
var Attendances = []string{"attended", "missed", "cancelled"}

// EligibilityTraffickingVictim is the exception to the 3-year eligibility
// window (victims of human trafficking, R12).
const EligibilityTraffickingVictim = "trafficking_victim"

// Field error codes of case records.
const (
	FieldOutsideEligibility  = "outside_eligibility_period"
	FieldPlanTooLong         = "plan_too_long"
	FieldPlansExceedTwoYears = "plans_exceed_two_years"
	FieldOverlappingPlan     = "overlapping_plan"
	FieldDateOrder           = "date_order"
	FieldSameMunicipality    = "same_municipality"
	FieldTooManyItems        = "too_many_items"
)

// Limits of case record texts (in characters).
const (
	MaxCaseTextLength  = 10000
	MaxCaseShortLength = 200
	MaxCaseListLength  = 50
)

// Preparer is a person who prepared an assessment or plan, with contact details.
type Preparer struct {
	Name    string `json:"name"`
	Contact string `json:"contact"`
}

// AssessmentContent is the structured content of a competence and integration
// service-needs assessment (§ 14). Levels and choices may be null when they
// were not assessed; the texts are free.
type AssessmentContent struct {
	// Literacy is one of LiteracyLevels.
	Literacy      *string `json:"literacy"`
	LiteracyNotes string  `json:"literacy_notes"`
	// FinnishLevel and SwedishLevel are CEFR levels (A1–C2).
	FinnishLevel   *string `json:"finnish_level"`
	SwedishLevel   *string `json:"swedish_level"`
	LanguageNotes  string  `json:"language_notes"`
	OtherLanguages string  `json:"other_languages"`
	Education      string  `json:"education"`
	WorkHistory    string  `json:"work_history"`
	SpecialSkills  string  `json:"special_skills"`
	LifeSituation  string  `json:"life_situation"`
	ServiceNeeds   string  `json:"service_needs"`
	// IntegrationPlanNeeded: whether the assessment found that the client
	// needs an integration plan (null: not decided; treated as needed).
	IntegrationPlanNeeded *bool `json:"integration_plan_needed"`
}

// AssessmentInput is the body of POST /clients/{id}/assessments.
type AssessmentInput struct {
	Date                        *string            `json:"date"`
	Content                     *AssessmentContent `json:"content"`
	SpecifyingMeasures          string             `json:"specifying_measures"`
	PlannedPlanDate             *string            `json:"planned_plan_date"`
	Preparers                   []Preparer         `json:"preparers"`
	Sources                     []string           `json:"sources"`
	WellbeingCountyParticipated bool               `json:"wellbeing_county_participated"`
	EligibilityException        *string            `json:"eligibility_exception"`
}

// Assessment is a recorded assessment.
type Assessment struct {
	ID                          string            `json:"id"`
	ClientID                    string            `json:"client_id"`
	Date                        Date              `json:"date"`
	Content                     AssessmentContent `json:"content"`
	SpecifyingMeasures          string            `json:"specifying_measures"`
	PlannedPlanDate             *Date             `json:"planned_plan_date"`
	Preparers                   []Preparer        `json:"preparers"`
	Sources                     []string          `json:"sources"`
	WellbeingCountyParticipated bool              `json:"wellbeing_county_participated"`
	EligibilityException        *string           `json:"eligibility_exception"`
	// EligibilityChecked is false when the client's first permit date was
	// unknown, so the 3-year window could not be checked.
	EligibilityChecked bool      `json:"eligibility_checked"`
	CreatedAt          time.Time `json:"created_at"`
	RecordState
}

// Normalize validates the input (everything that does not depend on stored
// data) and returns the assessment without ids.
func (in AssessmentInput) Normalize() (Assessment, error) {
	var v Validation
	out := Assessment{
		Date:                        requiredDate(&v, "date", in.Date),
		PlannedPlanDate:             optionalDate(&v, "planned_plan_date", in.PlannedPlanDate),
		SpecifyingMeasures:          caseText(&v, "specifying_measures", in.SpecifyingMeasures, MaxCaseTextLength, false),
		Preparers:                   preparers(&v, in.Preparers),
		Sources:                     sources(&v, in.Sources),
		WellbeingCountyParticipated: in.WellbeingCountyParticipated,
		EligibilityException:        eligibilityException(&v, in.EligibilityException),
	}
	if out.PlannedPlanDate != nil && !v.Has("date") && out.PlannedPlanDate.Before(out.Date) {
		v.Add("planned_plan_date", FieldDateOrder)
	}
	if in.Content == nil {
		v.Add("content", FieldRequired)
	} else {
		c := *in.Content
		c.Literacy = choice(&v, "content.literacy", c.Literacy, LiteracyLevels)
		c.FinnishLevel = choice(&v, "content.finnish_level", c.FinnishLevel, CEFRLevels)
		c.SwedishLevel = choice(&v, "content.swedish_level", c.SwedishLevel, CEFRLevels)
		for _, t := range []struct {
			field string
			s     *string
		}{{"literacy_notes", &c.LiteracyNotes}, {"language_notes", &c.LanguageNotes}, {"other_languages", &c.OtherLanguages},
			{"education", &c.Education}, {"work_history", &c.WorkHistory}, {"special_skills", &c.SpecialSkills},
			{"life_situation", &c.LifeSituation}, {"service_needs", &c.ServiceNeeds}} {
			*t.s = caseText(&v, "content."+t.field, *t.s, MaxCaseTextLength, false)
		}
		out.Content = c
	}
	return out, v.Err()
}

// PlanMeasure is an agreed measure or service of a plan.
type PlanMeasure struct {
	ServiceType string `json:"service_type"`
	Description string `json:"description"`
}

// PlanInput is the body of POST /clients/{id}/plans.
type PlanInput struct {
	StartDate         *string       `json:"start_date"`
	EndDate           *string       `json:"end_date"`
	Goals             string        `json:"goals"`
	Measures          []PlanMeasure `json:"measures"`
	Preparers         []Preparer    `json:"preparers"`
	PlannedReviewDate *string       `json:"planned_review_date"`
	Sources           []string      `json:"sources"`
	// ExceedsTwoYearsReason justifies plans longer than two years in total.
	ExceedsTwoYearsReason *string `json:"exceeds_two_years_reason"`
	// EligibilityException: as on an assessment (R12 applies to plans too).
	EligibilityException *string `json:"eligibility_exception"`
}

// Plan is a recorded integration plan (§ 16) with its reviews.
type Plan struct {
	ID                    string        `json:"id"`
	ClientID              string        `json:"client_id"`
	Municipality          string        `json:"municipality"`
	StartDate             Date          `json:"start_date"`
	EndDate               Date          `json:"end_date"`
	Goals                 string        `json:"goals"`
	Measures              []PlanMeasure `json:"measures"`
	Preparers             []Preparer    `json:"preparers"`
	PlannedReviewDate     *Date         `json:"planned_review_date"`
	Sources               []string      `json:"sources"`
	ExceedsTwoYearsReason *string       `json:"exceeds_two_years_reason"`
	EligibilityException  *string       `json:"eligibility_exception"`
	EligibilityChecked    bool          `json:"eligibility_checked"`
	Reviews               []PlanReview  `json:"reviews"`
	CreatedAt             time.Time     `json:"created_at"`
	RecordState
}

// Normalize validates the input and returns the plan without ids.
func (in PlanInput) Normalize() (Plan, error) {
	var v Validation
	out := Plan{
		StartDate:            requiredDate(&v, "start_date", in.StartDate),
		EndDate:              requiredDate(&v, "end_date", in.EndDate),
		PlannedReviewDate:    optionalDate(&v, "planned_review_date", in.PlannedReviewDate),
		Goals:                caseText(&v, "goals", in.Goals, MaxCaseTextLength, true),
		Preparers:            preparers(&v, in.Preparers),
		Sources:              sources(&v, in.Sources),
		EligibilityException: eligibilityException(&v, in.EligibilityException),
		Reviews:              []PlanReview{},
	}
	if !v.Has("start_date") && !v.Has("end_date") && out.EndDate.Before(out.StartDate) {
		v.Add("end_date", FieldDateOrder)
	}
	if out.PlannedReviewDate != nil && !v.Has("start_date") && out.PlannedReviewDate.Before(out.StartDate) {
		v.Add("planned_review_date", FieldDateOrder)
	}
	if in.ExceedsTwoYearsReason != nil {
		r := caseText(&v, "exceeds_two_years_reason", *in.ExceedsTwoYearsReason, MaxCaseTextLength, false)
		if r != "" {
			out.ExceedsTwoYearsReason = &r
		}
	}
	switch {
	case len(in.Measures) == 0:
		v.Add("measures", FieldRequired)
	case len(in.Measures) > MaxCaseListLength:
		v.AddParam("measures", FieldTooManyItems, strconv.Itoa(MaxCaseListLength))
	}
	for i, m := range in.Measures {
		f := "measures[" + strconv.Itoa(i) + "]."
		m.ServiceType = strings.TrimSpace(m.ServiceType)
		if m.ServiceType == "" {
			v.Add(f+"service_type", FieldRequired)
		} else if !slices.Contains(ServiceTypes, m.ServiceType) {
			v.Add(f+"service_type", FieldInvalidChoice)
		}
		m.Description = caseText(&v, f+"description", m.Description, MaxCaseTextLength, false)
		out.Measures = append(out.Measures, m)
	}
	return out, v.Err()
}

// ReviewInput is the body of POST /clients/{id}/plans/{plan_id}/reviews.
type ReviewInput struct {
	Date    *string `json:"date"`
	Changes string  `json:"changes"`
}

// PlanReview is a recorded review of a plan: its date and what changed (Decree 874/2024 § 3).
type PlanReview struct {
	ID        string    `json:"id"`
	PlanID    string    `json:"plan_id"`
	ClientID  string    `json:"client_id"`
	Date      Date      `json:"date"`
	Changes   string    `json:"changes"`
	CreatedAt time.Time `json:"created_at"`
	RecordState
}

// Normalize validates the input and returns the review without ids.
func (in ReviewInput) Normalize() (PlanReview, error) {
	var v Validation
	out := PlanReview{
		Date:    requiredDate(&v, "date", in.Date),
		Changes: caseText(&v, "changes", in.Changes, MaxCaseTextLength, true),
	}
	return out, v.Err()
}

// LanguageTestInput is the final language test of integration training as given.
type LanguageTestInput struct {
	Level string  `json:"level"`
	Date  *string `json:"date"`
}

// LanguageTest is the final language test of integration training: the CEFR
// level reached and when.
type LanguageTest struct {
	Level string `json:"level"`
	Date  *Date  `json:"date"`
}

// ServiceInput is the body of POST /clients/{id}/services.
type ServiceInput struct {
	ServiceType                string             `json:"service_type"`
	Date                       *string            `json:"date"`
	EndDate                    *string            `json:"end_date"`
	Provider                   string             `json:"provider"`
	Description                string             `json:"description"`
	Attendance                 *string            `json:"attendance"`
	FinalLanguageTest          *LanguageTestInput `json:"final_language_test"`
	MissedWithInterpreterCosts bool               `json:"missed_with_interpreter_costs"`
}

// Service is a recorded service.
type Service struct {
	ID                         string        `json:"id"`
	ClientID                   string        `json:"client_id"`
	ServiceType                string        `json:"service_type"`
	Date                       Date          `json:"date"`
	EndDate                    *Date         `json:"end_date"`
	Provider                   string        `json:"provider"`
	Description                string        `json:"description"`
	Attendance                 *string       `json:"attendance"`
	FinalLanguageTest          *LanguageTest `json:"final_language_test"`
	MissedWithInterpreterCosts bool          `json:"missed_with_interpreter_costs"`
	CreatedAt                  time.Time     `json:"created_at"`
	RecordState
}

// Normalize validates the input and returns the service without ids.
func (in ServiceInput) Normalize() (Service, error) {
	var v Validation
	out := Service{
		ServiceType:                strings.TrimSpace(in.ServiceType),
		Date:                       requiredDate(&v, "date", in.Date),
		EndDate:                    optionalDate(&v, "end_date", in.EndDate),
		Provider:                   caseText(&v, "provider", in.Provider, MaxCaseShortLength, false),
		Description:                caseText(&v, "description", in.Description, MaxCaseTextLength, false),
		Attendance:                 choice(&v, "attendance", in.Attendance, Attendances),
		MissedWithInterpreterCosts: in.MissedWithInterpreterCosts,
	}
	if out.ServiceType == "" {
		v.Add("service_type", FieldRequired)
	} else if !slices.Contains(ServiceTypes, out.ServiceType) {
		v.Add("service_type", FieldInvalidChoice)
	}
	if out.EndDate != nil && !v.Has("date") && out.EndDate.Before(out.Date) {
		v.Add("end_date", FieldDateOrder)
	}
	if t := in.FinalLanguageTest; t != nil {
		if out.ServiceType != ServiceIntegrationTraining {
			v.Add("final_language_test", FieldNotAllowed)
		} else {
			lt := LanguageTest{Level: strings.TrimSpace(t.Level), Date: optionalDate(&v, "final_language_test.date", t.Date)}
			if lt.Level == "" {
				v.Add("final_language_test.level", FieldRequired)
			} else if !slices.Contains(CEFRLevels, lt.Level) {
				v.Add("final_language_test.level", FieldInvalidChoice)
			}
			if lt.Date != nil && !v.Has("date") && lt.Date.Before(out.Date) {
				v.Add("final_language_test.date", FieldDateOrder)
			}
			out.FinalLanguageTest = &lt
		}
	}
	if out.MissedWithInterpreterCosts && (out.Attendance == nil || *out.Attendance != "missed") {
		v.Add("missed_with_interpreter_costs", FieldNotAllowed)
	}
	return out, v.Err()
}

// TransferInput is the body of POST /clients/{id}/transfer.
type TransferInput struct {
	Municipality string `json:"municipality"`
	Reason       string `json:"reason"`
}

// Transfer is the hand-over of a client to another responsible municipality.
type Transfer struct {
	ID               string    `json:"id"`
	ClientID         string    `json:"client_id"`
	FromMunicipality string    `json:"from_municipality"`
	ToMunicipality   string    `json:"to_municipality"`
	Reason           string    `json:"reason"`
	TransferredAt    time.Time `json:"transferred_at"`
	// ReadUntil is the last day on which the previous municipality may still read the client.
	ReadUntil Date `json:"read_until"`
}

// Normalize validates the input (the municipality's existence is checked by the store).
func (in TransferInput) Normalize() (TransferInput, error) {
	var v Validation
	out := TransferInput{Municipality: strings.TrimSpace(in.Municipality),
		Reason: caseText(&v, "reason", in.Reason, MaxCaseTextLength, true)}
	if out.Municipality == "" {
		v.Add("municipality", FieldRequired)
	} else if len(out.Municipality) != 3 || strings.Trim(out.Municipality, "0123456789") != "" {
		v.Add("municipality", FieldUnknownMunicipality)
	}
	return out, v.Err()
}

func requiredDate(v *Validation, field string, s *string) Date {
	d := optionalDate(v, field, s)
	if d == nil {
		if !v.Has(field) {
			v.Add(field, FieldRequired)
		}
		return Date{}
	}
	return *d
}

func optionalDate(v *Validation, field string, s *string) *Date {
	if s == nil {
		return nil
	}
	d, err := ParseDate(strings.TrimSpace(*s))
	if err != nil {
		v.Add(field, FieldInvalidDate)
		return nil
	}
	return &d
}

// lineBreaks removes the line breaks and tabs a free text may have.
var lineBreaks = strings.NewReplacer("\n", "", "\r", "", "\t", "")

// caseText trims a free text and checks its length and characters (line
// breaks and tabs are allowed).
func caseText(v *Validation, field, s string, max int, required bool) string {
	s = strings.TrimSpace(s)
	switch {
	case required && Invisible(s):
		v.Add(field, FieldRequired)
	case utf8.RuneCountInString(s) > max:
		v.AddParam(field, FieldTooLong, strconv.Itoa(max))
	case !utf8.ValidString(s) || HasControlChars(lineBreaks.Replace(s)):
		v.Add(field, FieldInvalidCharacters)
	}
	return s
}

func choice(v *Validation, field string, s *string, allowed []string) *string {
	if s == nil {
		return nil
	}
	t := strings.TrimSpace(*s)
	if !slices.Contains(allowed, t) {
		v.Add(field, FieldInvalidChoice)
		return nil
	}
	return &t
}

func eligibilityException(v *Validation, s *string) *string {
	return choice(v, "eligibility_exception", s, []string{EligibilityTraffickingVictim})
}

func preparers(v *Validation, in []Preparer) []Preparer {
	switch {
	case len(in) == 0:
		v.Add("preparers", FieldRequired)
	case len(in) > MaxCaseListLength:
		v.AddParam("preparers", FieldTooManyItems, strconv.Itoa(MaxCaseListLength))
	}
	out := make([]Preparer, 0, len(in))
	for i, p := range in {
		f := "preparers[" + strconv.Itoa(i) + "]."
		out = append(out, Preparer{
			Name:    caseText(v, f+"name", collapseSpaces(p.Name), MaxCaseShortLength, true),
			Contact: caseText(v, f+"contact", p.Contact, MaxCaseShortLength, true),
		})
	}
	return out
}

func sources(v *Validation, in []string) []string {
	if len(in) == 0 {
		v.Add("sources", FieldRequired)
		return []string{}
	}
	var out []string
	for _, s := range in {
		s = strings.TrimSpace(s)
		if !slices.Contains(DataSources, s) {
			v.Add("sources", FieldInvalidChoice)
			return []string{}
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
