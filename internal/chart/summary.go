package chart

import (
	"strings"

	"github.com/kotodigi/kotodigi/internal/statfile"
)

type chartKind int

const (
	kindLine chartKind = iota
	kindBars
)

// Point is one published figure named in a summary.
type Point struct {
	OK     bool    // the point exists
	Label  string  // the series or the bar
	Period string  // line charts: the period
	Value  float64 // the figure
	Text   string  // the figure formatted for the chart's language and unit
}

// Facts are what a chart's one-sentence summary can say. For a line chart:
// the subject (first series) at its First and Last published period, the
// Change between them, its Highest and Lowest published value. For a bar
// chart: the Highest and Lowest bar. Published, Suppressed and Missing count
// the values of the whole chart.
type Facts struct {
	Subject                      string
	First, Last, Highest, Lowest Point
	// Change is Last − First with its sign; for a share in percentage points.
	Change                         string
	Published, Suppressed, Missing int
	// OwnOnly counts the published values shown only to the own municipality.
	OwnOnly int

	kind chartKind
	unit statfile.Unit
	nf   Numbers
}

func (f *Facts) count(v Value) {
	switch _, ok := v.published(); {
	case ok:
		f.Published++
		if v.OwnOnly {
			f.OwnOnly++
		}
	case v.Suppressed:
		f.Suppressed++
	default:
		f.Missing++
	}
}

func (f *Facts) point(label, period string, v float64) Point {
	return Point{OK: true, Label: label, Period: period, Value: v, Text: f.nf.Value(f.unit, v)}
}

// Templates are the caller's sentence patterns, from its catalog, with
// placeholders in braces:
//
//	{subject}                                  the first series (line charts)
//	{first} {first_period} {last} {last_period} the subject's first and last published value and period
//	{change}                                   last − first, signed; percentage points for a share
//	{highest} {highest_value} {highest_period} the highest bar, or the subject's highest value and its period
//	{lowest} {lowest_value} {lowest_period}    likewise the lowest
//	{published} {suppressed} {missing}         counts of values
//	{own_only}                                 count of values shown to the own municipality only
//
// Sentence picks Trend (a line chart whose subject has two published
// periods), Level (one), Compare (a bar chart with two different published
// bars), Single (one), or NoData (nothing published), and appends
// Suppressed when any value is suppressed and OwnOnly when any value is
// shown to the own municipality only.
type Templates struct {
	Trend, Level, Compare, Single, NoData string
	Suppressed, OwnOnly                   string
}

// Sentence fills the template that fits the facts. An unknown placeholder
// or a missing template is an error (a catalog mistake a test should catch).
func Sentence(f Facts, t Templates) (string, error) {
	var main string
	switch {
	case f.kind == kindLine && f.First.OK && f.Last.OK && f.First.Period != f.Last.Period:
		main = t.Trend
	case f.kind == kindLine && f.Last.OK:
		main = t.Level
	case f.kind == kindBars && f.Highest.OK && f.Lowest.OK && f.Highest.Label != f.Lowest.Label:
		main = t.Compare
	case f.kind == kindBars && f.Highest.OK:
		main = t.Single
	default:
		main = t.NoData
	}
	if main == "" {
		return "", invalid("no sentence template for these facts")
	}
	out, err := f.fill(main)
	if err != nil {
		return "", err
	}
	if f.Suppressed > 0 && t.Suppressed != "" {
		tail, err := f.fill(t.Suppressed)
		if err != nil {
			return "", err
		}
		out += " " + tail
	}
	if f.OwnOnly > 0 && t.OwnOnly != "" {
		tail, err := f.fill(t.OwnOnly)
		if err != nil {
			return "", err
		}
		out += " " + tail
	}
	return out, nil
}

// fill replaces the placeholders of tmpl.
func (f Facts) fill(tmpl string) (string, error) {
	count := func(n int) string { return f.nf.Value(statfile.Count, float64(n)) }
	values := map[string]string{
		"subject": f.Subject, "change": f.Change,
		"first": f.First.Text, "first_period": f.First.Period,
		"last": f.Last.Text, "last_period": f.Last.Period,
		"highest": f.Highest.Label, "highest_value": f.Highest.Text, "highest_period": f.Highest.Period,
		"lowest": f.Lowest.Label, "lowest_value": f.Lowest.Text, "lowest_period": f.Lowest.Period,
		"published": count(f.Published), "suppressed": count(f.Suppressed), "missing": count(f.Missing),
		"own_only": count(f.OwnOnly),
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String(), nil
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			return "", invalid("unclosed placeholder in %q", tmpl)
		}
		name := tmpl[i+1 : i+j]
		v, ok := values[name]
		if !ok {
			return "", invalid("unknown placeholder {%s}", name)
		}
		b.WriteString(tmpl[:i])
		b.WriteString(v)
		tmpl = tmpl[i+j+1:]
	}
}

// Table is a chart's figures for the page to render as an HTML table next
// to the chart (with <th scope> headers and the caption).
type Table struct {
	Caption string
	Columns []string // column headings: the periods, or the value heading
	Rows    []TableRow
}

// TableRow is one series or bar.
type TableRow struct {
	Header    string
	Highlight bool
	Cells     []TableCell
}

// TableCell is one figure: Text is the formatted value, ".." when
// suppressed, empty when missing. OwnOnly marks a value shown only to the
// own municipality (Text is the value without its mark).
type TableCell struct {
	Text       string
	Value      *float64 // nil when suppressed or missing
	Suppressed bool
	Missing    bool
	OwnOnly    bool
}

func tableCell(nf Numbers, unit statfile.Unit, v Value) TableCell {
	if x, ok := v.published(); ok {
		return TableCell{Text: nf.Value(unit, x), Value: &x, OwnOnly: v.OwnOnly}
	}
	if v.Suppressed {
		return TableCell{Text: SuppressedSymbol, Suppressed: true}
	}
	return TableCell{Missing: true}
}
