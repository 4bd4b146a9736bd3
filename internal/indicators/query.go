package indicators

import (
	"net/url"
	"slices"
	"strconv"

	"github.com/kotodigi/kotodigi/internal/model"
)

// File formats of a table (CONTRACT.md § 3).
const (
	FormatJSON     = "json"
	FormatCSV      = "csv"
	FormatXLSX     = "xlsx"
	FormatJSONStat = "json-stat"
)

// Formats lists the formats a table can be had in.
var Formats = []string{FormatJSON, FormatCSV, FormatXLSX, FormatJSONStat}

// MaxPeriods caps the periods of one query (ten years of months).
const MaxPeriods = 120

// Query asks for one indicator's figures.
type Query struct {
	Indicator   string
	AreaLevel   string
	PeriodLevel string
	From, To    model.Date
	By          string // a dimension id, "" for no breakdown
	Format      string
}

// queryParams are the parameters ParseQuery knows.
var queryParams = []string{"area", "period", "from", "to", "by", "format"}

// ParseQuery reads the parameters of GET /api/v1/indicators/{id}/data for
// indicator ind. Missing or malformed parameters are a bad request (400), a
// well-formed but unacceptable combination a validation failure (422); both
// name the fields.
func ParseQuery(ind *Indicator, v url.Values) (Query, error) {
	q := Query{Indicator: ind.ID, AreaLevel: v.Get("area"), PeriodLevel: v.Get("period"), By: v.Get("by"), Format: v.Get("format")}
	var bad, invalid model.Validation
	for name := range v {
		if !slices.Contains(queryParams, name) {
			bad.Add(name, model.FieldUnknownField)
		} else if len(v[name]) > 1 {
			bad.Add(name, model.FieldNotAllowed)
		}
	}
	choice := func(field, value string, allowed []string, required bool) {
		switch {
		case value == "" && required:
			bad.Add(field, model.FieldRequired)
		case value != "" && !slices.Contains(allowed, value):
			bad.Add(field, model.FieldInvalidChoice)
		}
	}
	choice("area", q.AreaLevel, AreaLevels, true)
	choice("period", q.PeriodLevel, PeriodLevels, true)
	choice("by", q.By, dimensionIDs, false)
	choice("format", q.Format, Formats, false)
	if q.Format == "" {
		q.Format = FormatJSON
	}
	date := func(field string) model.Date {
		s := v.Get(field)
		if s == "" {
			bad.Add(field, model.FieldRequired)
			return model.Date{}
		}
		d, err := model.ParseDate(s)
		if err != nil {
			bad.Add(field, model.FieldInvalidDate)
		}
		return d
	}
	q.From, q.To = date("from"), date("to")
	if err := bad.Err(); err != nil {
		e := err.(*model.Error)
		e.Code = model.CodeBadRequest
		return q, e
	}
	if q.By != "" && !slices.Contains(ind.Breakdowns, q.By) {
		invalid.Add("by", model.FieldInvalidChoice)
	}
	if q.To.Before(q.From) {
		invalid.Add("to", model.FieldDateOrder)
	} else if n := len(Periods(q.PeriodLevel, MonthOf(q.From), MonthOf(q.To))); n > MaxPeriods {
		invalid.AddParam("to", model.FieldTooManyItems, strconv.Itoa(MaxPeriods))
	}
	return q, invalid.Err()
}

// Stored is a cell as the store read it from the published snapshot.
type Stored struct {
	Area, Period, Category string
	Value                  float64
	N                      int64
	Suppressed             bool
}

// TableCell is one figure as a caller sees it. Value is nil when suppressed,
// or for a median or share without cases (which is suppressed for everyone
// but the owner).
type TableCell struct {
	Area       string   `json:"area"`
	Period     string   `json:"period"`
	By         *string  `json:"by"`
	Value      *float64 `json:"value"`
	Suppressed bool     `json:"suppressed"`
	// SuppressedForOthers: the caller sees its own municipality's figure,
	// which everyone else sees suppressed.
	SuppressedForOthers bool `json:"suppressed_for_others,omitempty"`
}

// Table is one query's answer for one caller.
type Table struct {
	Indicator  Indicator
	Query      Query
	Areas      []Area
	Periods    []Period
	Categories []string // [""] without a breakdown
	Cells      []TableCell
}

// Assemble builds the caller's table: a cell for every visible area of the
// level, every period from From to To and every category, zeros included;
// suppressed values hidden unless the caller owns them.
func Assemble(cat *Catalogue, geo *Geography, ind *Indicator, q Query, v Viewer, stored []Stored) Table {
	t := Table{Indicator: *ind, Query: q, Periods: Periods(q.PeriodLevel, MonthOf(q.From), MonthOf(q.To)), Categories: []string{""}}
	if q.By != "" {
		t.Categories = cat.CategoryIDs(q.By)
	}
	for _, a := range geo.Areas(q.AreaLevel) {
		if geo.Visible(v, a) {
			t.Areas = append(t.Areas, a)
		}
	}
	type at struct{ area, period, category string }
	byKey := make(map[at]Stored, len(stored))
	for _, s := range stored {
		byKey[at{s.Area, s.Period, s.Category}] = s
	}
	t.Cells = make([]TableCell, 0, len(t.Areas)*len(t.Periods)*len(t.Categories))
	for _, a := range t.Areas {
		owns := v.Owns(a)
		for _, p := range t.Periods {
			label := p.Label()
			for _, c := range t.Categories {
				cell := TableCell{Area: a.Code, Period: label}
				if c != "" {
					cell.By = &c
				}
				s, ok := byKey[at{a.Code, label, c}]
				switch {
				case ok && s.Suppressed && !owns:
					cell.Suppressed = true
				case ok && (ind.Unit == UnitCount || s.N > 0):
					val := s.Value
					cell.Value = &val
					cell.SuppressedForOthers = s.Suppressed
				case !ok && ind.Unit == UnitCount:
					zero := 0.0
					cell.Value = &zero
				case !ok:
					// A median or share without cases: nothing to show, and
					// suppressed like any median or share over too few.
					cell.Suppressed = !owns
				}
				t.Cells = append(t.Cells, cell)
			}
		}
	}
	return t
}
