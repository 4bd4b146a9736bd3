package model

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
)

// ClosureReasons are why a client relationship is closed.
var ClosureReasons = []string{"integration_period_ended", "moved_abroad", "moved_to_unknown", "deceased", "other"}

// Closure is how a client relationship was closed: the reason and the date.
type Closure struct {
	Reason string `json:"reason"`
	Date   Date   `json:"date"`
}

// CloseInput is the body of POST /clients/{id}/close.
type CloseInput struct {
	Reason string  `json:"reason"`
	Date   *string `json:"date"`
}

// Normalize validates a closing: a known reason, and a date that is neither
// in the future (today in Finland) nor before the client's registration.
func (in CloseInput) Normalize(today, registered Date) (Closure, error) {
	var v Validation
	out := Closure{Reason: strings.TrimSpace(in.Reason), Date: requiredDate(&v, "date", in.Date)}
	switch {
	case out.Reason == "":
		v.Add("reason", FieldRequired)
	case !slices.Contains(ClosureReasons, out.Reason):
		v.Add("reason", FieldInvalidChoice)
	}
	if !v.Has("date") {
		switch {
		case out.Date.After(today):
			v.Add("date", FieldDateInFuture)
		case out.Date.Before(registered):
			v.Add("date", FieldBeforeRegistration)
		}
	}
	return out, v.Err()
}

// RecordState is what every case record carries about its own life: its
// version (1 as recorded, one more for each correction), whether it has been
// marked as entered in error, when it was last corrected, and its earlier
// versions (on reads of one record; newest first).
type RecordState struct {
	Version        int             `json:"version"`
	EnteredInError bool            `json:"entered_in_error"`
	UpdatedAt      *time.Time      `json:"updated_at"`
	Versions       []RecordVersion `json:"versions"`
}

// State returns the record's state (for code common to every kind of record).
func (s *RecordState) State() *RecordState { return s }

// RecordVersion is an earlier version of a corrected record: the record as
// it was, and the correction that replaced it (who, when, why, what changed).
type RecordVersion struct {
	Version     int             `json:"version"`
	Record      json.RawMessage `json:"record"`
	Changes     []FieldChange   `json:"changes"`
	Reason      string          `json:"reason"`
	CorrectedAt time.Time       `json:"corrected_at"`
	CorrectedBy string          `json:"corrected_by,omitempty"`
}

// FieldChange is one member that a correction changed, with its JSON values
// before and after (null when absent). Field names nested members with ".".
type FieldChange struct {
	Field string          `json:"field"`
	Old   json.RawMessage `json:"old"`
	New   json.RawMessage `json:"new"`
}

// Correction is what every correction (PATCH of a case record) adds to the
// record's own members: the required reason, and optionally marking the
// record as entered in error (or taking the mark away).
type Correction struct {
	CorrectionReason *string `json:"correction_reason"`
	EnteredInError   *bool   `json:"entered_in_error"`
	// Given lists the members the body had; the others keep their values.
	// Nil: every member was given (the web forms send the whole record).
	Given map[string]bool `json:"-"`
}

// Reason validates the correction's reason: required, at most
// MaxCaseTextLength characters.
func (c Correction) Reason() (string, error) {
	var v Validation
	r := ""
	if c.CorrectionReason == nil {
		v.Add("correction_reason", FieldRequired)
	} else {
		r = caseText(&v, "correction_reason", *c.CorrectionReason, MaxCaseTextLength, true)
	}
	return r, v.Err()
}

// AssessmentCorrection is the body of PATCH /clients/{id}/assessments/{aid}.
type AssessmentCorrection struct {
	AssessmentInput
	Correction
}

// PlanCorrection is the body of PATCH /clients/{id}/plans/{pid}.
type PlanCorrection struct {
	PlanInput
	Correction
}

// ReviewCorrection is the body of PATCH /clients/{id}/plans/{pid}/reviews/{rid}.
type ReviewCorrection struct {
	ReviewInput
	Correction
}

// ServiceCorrection is the body of PATCH /clients/{id}/services/{sid}.
type ServiceCorrection struct {
	ServiceInput
	Correction
}

// Overlay copies into dst the members of src that given names (by their JSON
// names; nil: all of them). dst and src point to values of one struct type.
func Overlay(dst, src any, given map[string]bool) {
	d, s := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem()
	for i := range d.NumField() {
		name, _, _ := strings.Cut(d.Type().Field(i).Tag.Get("json"), ",")
		if given == nil || given[name] {
			d.Field(i).Set(s.Field(i))
		}
	}
}

// Changes compares two versions of a record as JSON and lists the members
// that differ, objects compared member by member (names joined with "."),
// leaving out the members in skip.
func Changes(before, after any, skip ...string) ([]FieldChange, error) {
	var a, b map[string]any
	for _, p := range []struct {
		v   any
		out *map[string]any
	}{{before, &a}, {after, &b}} {
		raw, err := json.Marshal(p.v)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(raw, p.out); err != nil {
			return nil, err
		}
	}
	var out []FieldChange
	diffMembers("", a, b, skip, &out)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out, nil
}

func diffMembers(prefix string, a, b map[string]any, skip []string, out *[]FieldChange) {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	for k := range keys {
		if prefix == "" && slices.Contains(skip, k) {
			continue
		}
		oa, aObj := a[k].(map[string]any)
		ob, bObj := b[k].(map[string]any)
		if aObj && bObj {
			diffMembers(prefix+k+".", oa, ob, skip, out)
			continue
		}
		if reflect.DeepEqual(a[k], b[k]) {
			continue
		}
		oldRaw, _ := json.Marshal(a[k])
		newRaw, _ := json.Marshal(b[k])
		*out = append(*out, FieldChange{Field: prefix + k, Old: oldRaw, New: newRaw})
	}
}

// Input returns the assessment as the input that would record it again.
func (a Assessment) Input() AssessmentInput {
	c := a.Content
	return AssessmentInput{Date: dateText(&a.Date), Content: &c, SpecifyingMeasures: a.SpecifyingMeasures,
		PlannedPlanDate: dateText(a.PlannedPlanDate), Preparers: a.Preparers, Sources: a.Sources,
		WellbeingCountyParticipated: a.WellbeingCountyParticipated, EligibilityException: a.EligibilityException}
}

// Input returns the plan as the input that would record it again.
func (p Plan) Input() PlanInput {
	return PlanInput{StartDate: dateText(&p.StartDate), EndDate: dateText(&p.EndDate), Goals: p.Goals, Measures: p.Measures,
		Preparers: p.Preparers, PlannedReviewDate: dateText(p.PlannedReviewDate), Sources: p.Sources,
		ExceedsTwoYearsReason: p.ExceedsTwoYearsReason, EligibilityException: p.EligibilityException}
}

// Input returns the review as the input that would record it again.
func (r PlanReview) Input() ReviewInput {
	return ReviewInput{Date: dateText(&r.Date), Changes: r.Changes}
}

// Input returns the service as the input that would record it again.
func (s Service) Input() ServiceInput {
	in := ServiceInput{ServiceType: s.ServiceType, Date: dateText(&s.Date), EndDate: dateText(s.EndDate), Provider: s.Provider,
		Description: s.Description, Attendance: s.Attendance, MissedWithInterpreterCosts: s.MissedWithInterpreterCosts}
	if t := s.FinalLanguageTest; t != nil {
		in.FinalLanguageTest = &LanguageTestInput{Level: t.Level, Date: dateText(t.Date)}
	}
	return in
}

func dateText(d *Date) *string {
	if d == nil {
		return nil
	}
	s := d.String()
	return &s
}
