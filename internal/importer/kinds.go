package importer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/xuri/excelize/v2"
)

// Kind is the columns of one kind of import file.
type Kind struct {
	Name string
	// Required columns; AnyOf: at least one of these (clients: an identity).
	Required []string
	AnyOf    []string
	Optional []string
	// Dates and Bools are the columns read as dates (YYYY-MM-DD or D.M.YYYY)
	// and as true/false.
	Dates []string
	Bools []string
}

// Kinds are the import kinds and their columns (CONTRACT.md § 2 and § 3;
// columns beyond those are this project's extensions, see the README).
var Kinds = map[string]Kind{
	store.KindClients: {Name: store.KindClients,
		Required: []string{"source_id", "first_names", "last_name", "residence_basis_type", "service_language"},
		AnyOf:    []string{"personal_identity_code", "uma_number"},
		Optional: []string{"date_of_birth", "residence_valid_until", "email", "phone", "right_to_work", "first_permit_date", "jobseeker",
			"residence_permanent", "registration_date", "sex", "citizenships", "mother_tongue", "arrival_date", "client_group"},
		Dates: []string{"date_of_birth", "residence_valid_until", "first_permit_date", "registration_date", "arrival_date"},
		Bools: []string{"jobseeker", "residence_permanent"}},
	store.KindAssessments: {Name: store.KindAssessments,
		Required: []string{"source_id", "client_source_id", "date"},
		Optional: []string{"service_needs", "specifying_measures", "planned_plan_date", "integration_plan_needed", "eligibility_exception"},
		Dates:    []string{"date", "planned_plan_date"},
		Bools:    []string{"integration_plan_needed"}},
	store.KindPlans: {Name: store.KindPlans,
		Required: []string{"source_id", "client_source_id", "start_date", "end_date"},
		Optional: []string{"goals", "planned_review_date", "exceeds_two_years_reason", "eligibility_exception"},
		Dates:    []string{"start_date", "end_date", "planned_review_date"}},
	store.KindReviews: {Name: store.KindReviews,
		Required: []string{"source_id", "plan_source_id", "date"},
		Optional: []string{"changes"},
		Dates:    []string{"date"}},
	store.KindServices: {Name: store.KindServices,
		Required: []string{"source_id", "client_source_id", "service_type", "date"},
		Optional: []string{"provider", "description", "end_date", "attendance"},
		Dates:    []string{"date", "end_date"}},
}

// Reserved columns of a reject file: read back, they are ignored, so a fixed
// reject file imports as it is.
const (
	ColumnLine    = "import_line"
	ColumnReasons = "import_reasons"
)

// Columns is a file's header resolved for a kind: where each kotodigi
// column is, and its value rules.
type Columns struct {
	kind   Kind
	index  map[string]int
	values map[string]map[string]string
	// xlsx: dates may be spreadsheet serial numbers.
	xlsx bool
}

func (k Kind) known(col string) bool {
	return slices.Contains(k.Required, col) || slices.Contains(k.AnyOf, col) || slices.Contains(k.Optional, col)
}

// ResolveHeader maps a file's header row to the kind's columns through the
// mapping (nil: names as they are). An unknown, repeated or missing column
// is a FileError naming it (column names are not personal data).
func ResolveHeader(kindName string, header []string, m *Mapping, f Format) (*Columns, error) {
	k, ok := Kinds[kindName]
	if !ok {
		return nil, fmt.Errorf("unknown kind %q (one of: %s)", kindName, strings.Join(store.ImportKinds, ", "))
	}
	c := &Columns{kind: k, index: map[string]int{}, values: map[string]map[string]string{}, xlsx: f.Kind == "xlsx"}
	for i, h := range header {
		if fold(h) == "" {
			continue
		}
		col := m.column(h)
		switch {
		case col == Ignore || col == ColumnLine || col == ColumnReasons:
			continue
		case !k.known(col):
			return nil, fileErr(FileUnknownColumn, "unknown column %q in the header", strings.TrimSpace(h))
		}
		if _, dup := c.index[col]; dup {
			return nil, fileErr(FileRepeatedColumn, "column %q appears twice in the header", col)
		}
		c.index[col] = i
		if rules := m.valueRules(h, col); rules != nil {
			c.values[col] = rules
		}
	}
	for _, need := range k.Required {
		if _, ok := c.index[need]; !ok {
			return nil, fileErr(FileMissingColumn, "the header lacks the column %q", need)
		}
	}
	if len(k.AnyOf) > 0 && !slices.ContainsFunc(k.AnyOf, func(col string) bool { _, ok := c.index[col]; return ok }) {
		return nil, fileErr(FileMissingColumn, "the header needs one of the columns %s", strings.Join(k.AnyOf, " or "))
	}
	return c, nil
}

// rowReader reads the cells of one record for a kind.
type rowReader struct {
	c   *Columns
	rec Record
	v   model.Validation
}

// get is a column's value, trimmed and mapped.
func (r *rowReader) get(col string) string {
	i, ok := r.c.index[col]
	if !ok || i >= len(r.rec.Cells) {
		return ""
	}
	v := strings.TrimSpace(r.rec.Cells[i])
	if rules, ok := r.c.values[col]; ok {
		if to, ok := rules[fold(v)]; ok {
			return to
		}
	}
	return v
}

func (r *rowReader) opt(col string) *string {
	if v := r.get(col); v != "" {
		return &v
	}
	return nil
}

// date reads a date column as YYYY-MM-DD (nil when empty).
func (r *rowReader) date(col string) *string {
	v := r.get(col)
	if v == "" {
		return nil
	}
	d, err := ParseDate(v, r.c.xlsx)
	if err != nil {
		r.v.Add(col, model.FieldInvalidDate)
		return nil
	}
	s := d.String()
	return &s
}

func (r *rowReader) dateValue(col string) *model.Date {
	s := r.date(col)
	if s == nil {
		return nil
	}
	d, _ := model.ParseDate(*s)
	return &d
}

func (r *rowReader) boolean(col string) *bool {
	switch strings.ToLower(r.get(col)) {
	case "":
		return nil
	case "true", "yes", "1":
		t := true
		return &t
	case "false", "no", "0":
		f := false
		return &f
	}
	r.v.Add(col, model.FieldInvalidChoice)
	return nil
}

// ParseDate reads a date written YYYY-MM-DD or D.M.YYYY (also DD.MM.YYYY);
// with serial, also a spreadsheet's date serial number (XLSX).
func ParseDate(s string, serial bool) (model.Date, error) {
	if d, err := model.ParseDate(s); err == nil {
		return d, nil
	}
	if parts := strings.Split(s, "."); len(parts) == 3 && len(parts[2]) == 4 && len(parts[0]) <= 2 && len(parts[1]) <= 2 {
		day, err1 := strconv.Atoi(parts[0])
		month, err2 := strconv.Atoi(parts[1])
		year, err3 := strconv.Atoi(parts[2])
		if err1 == nil && err2 == nil && err3 == nil && day > 0 && month > 0 && parts[0][0] != '+' && parts[1][0] != '+' {
			t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
			if t.Day() == day && int(t.Month()) == month && t.Year() == year {
				return model.DateOf(t), nil
			}
		}
	}
	if serial {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 1 && f < 2958466 && f == float64(int64(f)) {
			if t, err := excelize.ExcelDateToTime(f, false); err == nil {
				return model.DateOf(t), nil
			}
		}
	}
	return model.Date{}, model.ErrDateFormat
}

// modelField is the file column of a field named by the model's rules.
func modelField(f string) string {
	return strings.TrimPrefix(strings.TrimPrefix(f, "content."), "residence_basis.")
}

// Convert turns a record into the store's typed row for the kind, or the
// domain error that rejects it (field errors name file columns). warnings
// are kept with the row (a formula cell's cached value used as text; a
// historic record without a text that today's rules require).
func (c *Columns) Convert(rec Record) (row store.ImportRow, warnings []string, err error) {
	r := &rowReader{c: c, rec: rec}
	for _, i := range rec.Formulas {
		for col, j := range c.index {
			if i == j {
				warnings = append(warnings, col+":formula_value")
			}
		}
	}
	row = store.ImportRow{Line: rec.Line, SourceID: r.get("source_id")}
	switch {
	case row.SourceID == "":
		r.v.Add("source_id", model.FieldRequired)
	case len(row.SourceID) > 200:
		r.v.AddParam("source_id", model.FieldTooLong, "200")
	case model.HasControlChars(row.SourceID):
		r.v.Add("source_id", model.FieldInvalidCharacters)
	}
	switch c.kind.Name {
	case store.KindClients:
		c.client(r, &row)
	case store.KindAssessments:
		warnings = append(warnings, c.assessment(r, &row)...)
	case store.KindPlans:
		warnings = append(warnings, c.plan(r, &row)...)
	case store.KindReviews:
		warnings = append(warnings, c.review(r, &row)...)
	case store.KindServices:
		c.service(r, &row)
	}
	slices.Sort(warnings)
	return row, slices.Compact(warnings), r.v.Err()
}

func (c *Columns) client(r *rowReader, row *store.ImportRow) {
	f := model.ClientFields{PersonalIdentityCode: r.opt("personal_identity_code"), UMANumber: r.opt("uma_number"),
		FirstNames: r.get("first_names"), LastName: r.get("last_name"), DateOfBirth: r.dateValue("date_of_birth"),
		ServiceLanguage: r.get("service_language"), Email: r.opt("email"), Phone: r.opt("phone"), RightToWork: r.get("right_to_work"),
		Sex: r.opt("sex"), Citizenships: model.ParseCitizenships(r.get("citizenships")), MotherTongue: r.opt("mother_tongue"),
		ArrivalDate: r.dateValue("arrival_date"), ClientGroup: r.opt("client_group")}
	if t := r.get("residence_basis_type"); t != "" {
		rb := &model.ResidenceBasis{Type: t, ValidUntil: r.dateValue("residence_valid_until"), FirstPermitDate: r.dateValue("first_permit_date")}
		if p := r.boolean("residence_permanent"); p != nil {
			rb.Permanent = *p
		}
		f.ResidenceBasis = rb
	}
	if j := r.boolean("jobseeker"); j != nil {
		f.Jobseeker = *j
	}
	row.RegisteredOn = r.dateValue("registration_date")
	row.Client = &f
}

// linked reads the link column and adds the model's field errors of a case
// record; the errors in soft (lists and texts the file cannot carry, or a
// historic record left empty) become warnings, and are left out when the
// file has no such column.
func (c *Columns) linked(r *rowReader, row *store.ImportRow, link string, err error, soft map[string]bool) (warnings []string) {
	row.Link = r.get(link)
	if row.Link == "" {
		r.v.Add(link, model.FieldRequired)
	}
	e, ok := err.(*model.Error)
	if !ok {
		return nil
	}
	for _, f := range e.Fields {
		field := modelField(f.Field)
		switch _, inFile := c.index[field]; {
		case !soft[field]:
			if !r.v.Has(field) {
				r.v.Fields = append(r.v.Fields, model.FieldError{Field: field, Code: f.Code, Param: f.Param})
			}
		case inFile || f.Code != model.FieldRequired:
			warnings = append(warnings, field+":"+f.Code)
		}
	}
	return warnings
}

var softCaseFields = map[string]bool{"preparers": true, "sources": true, "measures": true, "goals": true, "changes": true}

func (c *Columns) assessment(r *rowReader, row *store.ImportRow) []string {
	content := model.AssessmentContent{ServiceNeeds: r.get("service_needs"), IntegrationPlanNeeded: r.boolean("integration_plan_needed")}
	in := model.AssessmentInput{Date: r.date("date"), Content: &content, SpecifyingMeasures: r.get("specifying_measures"),
		PlannedPlanDate: r.date("planned_plan_date"), EligibilityException: r.opt("eligibility_exception")}
	a, err := in.Normalize()
	row.Assessment = &a
	return c.linked(r, row, "client_source_id", err, softCaseFields)
}

func (c *Columns) plan(r *rowReader, row *store.ImportRow) []string {
	in := model.PlanInput{StartDate: r.date("start_date"), EndDate: r.date("end_date"), Goals: r.get("goals"),
		PlannedReviewDate: r.date("planned_review_date"), ExceedsTwoYearsReason: r.opt("exceeds_two_years_reason"),
		EligibilityException: r.opt("eligibility_exception")}
	p, err := in.Normalize()
	row.Plan = &p
	return c.linked(r, row, "client_source_id", err, softCaseFields)
}

func (c *Columns) review(r *rowReader, row *store.ImportRow) []string {
	in := model.ReviewInput{Date: r.date("date"), Changes: r.get("changes")}
	v, err := in.Normalize()
	row.Review = &v
	return c.linked(r, row, "plan_source_id", err, softCaseFields)
}

func (c *Columns) service(r *rowReader, row *store.ImportRow) {
	in := model.ServiceInput{ServiceType: r.get("service_type"), Date: r.date("date"), EndDate: r.date("end_date"),
		Provider: r.get("provider"), Description: r.get("description"), Attendance: r.opt("attendance")}
	sv, err := in.Normalize()
	row.Service = &sv
	c.linked(r, row, "client_source_id", err, nil)
}
