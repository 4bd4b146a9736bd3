// Package chart draws the statistics charts of the dashboards as accessible
// SVG on the server: line charts of time series and bar charts comparing
// areas or categories. It is pure: it takes figures whose disclosure control
// has been applied and texts already in the page's language.
//
// Every chart is an <svg role="img"> labelled by its <title> and <desc>
// (aria-labelledby), scales to its container (viewBox, width 100%), and has
// a one-sentence summary (Facts, Sentence) and the same figures as a table
// (Table) for the page to show beside it. A suppressed value is never drawn
// as a value: a line has a gap there and a hollow marker in a lane above the
// plot, marked ".." at the axis; a bar is a hatched band across the whole
// plot labelled as suppressed. A missing value (no figure at all) is a gap
// without a marker, and a missing bar is labelled as missing; a zero is drawn
// as a zero. A value shown only to the viewer's own municipality (everyone
// else sees it suppressed) is drawn as a value and marked: a dashed ring
// around its point, or a striped bar, with "†" and a legend entry.
//
// Series differ by colour, marker shape and dash pattern; every colour has a
// contrast of at least 3:1 against white (WCAG 2.1 non-text contrast).
//
// The SVG has no style attribute and no <style> element (the site's
// Content-Security-Policy forbids inline styles): colours, strokes and font
// sizes are presentation attributes, which any rule of the site's CSS
// overrides. Classes, for app.css:
//
//	chart, chart-line, chart-bars   the <svg>
//	chart-grid                      grid lines
//	chart-axis                      axis lines
//	chart-tick                      tick labels (also chart-tick-x, chart-tick-y)
//	chart-legend                    the legend's group; chart-legend-text its texts
//	chart-series chart-series-N     a series' group (N from 0)
//	chart-path                      a series' line (one per unbroken run of values)
//	chart-point                     a marker of a published value
//	chart-suppressed                a marker (line) or band (bar) of a suppressed value
//	chart-own-only                  the ring (line) or bar of a value shown to the own municipality only
//	chart-bar, chart-bar-highlight  a bar of a published value, the highlighted one
//	chart-label, chart-value        a bar's label and its value
//	chart-missing                   the text of a bar without a figure
//
// The text inherits the page's font; sizes are in the SVG's own units and
// scale with the chart. The default viewBox width (480) keeps the text
// between 11 and 20 pixels in containers from 360 to 640 pixels wide: on a
// phone the chart takes the full width; on a desktop app.css should cap it
// (e.g. .chart { max-width: 40rem }). Set the gallery directory in
// KOTODIGI_CHART_GALLERY and run `go test -run Gallery ./internal/chart` to
// get every kind of chart as SVG files and an HTML page to look at.
package chart

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kotodigi/kotodigi/internal/model"
)

// Value is one figure: a published value, a suppressed one (Value ignored)
// or a missing one (neither). OwnOnly marks a value the viewer sees because
// it is its own municipality's, which everyone else sees suppressed.
type Value struct {
	Value      *float64
	Suppressed bool
	OwnOnly    bool
}

// published returns the value that may be shown.
func (v Value) published() (float64, bool) {
	if v.Suppressed || v.Value == nil {
		return 0, false
	}
	return *v.Value, true
}

// Labels are the chart's words in the page's language.
type Labels struct {
	Suppressed string // what a suppressed value is called ("salattu", "skyddad", "suppressed")
	Missing    string // what a missing value is called ("ei tietoa", "uppgift saknas", "no data")
	Value      string // the value column's heading in a bar chart's table ("Asiakkaita")
	// OwnOnly is what a value shown only to the own municipality is called
	// in the legend ("vain omalle kunnallesi").
	OwnOnly string
}

// SuppressedSymbol marks a suppressed value in tables and on the chart's axis.
const SuppressedSymbol = ".."

// OwnOnlySymbol marks a value shown only to the viewer's own municipality.
const OwnOnlySymbol = "†"

// ownOnly reports whether v is a value shown only to the own municipality.
func (v Value) ownOnly() bool {
	_, ok := v.published()
	return ok && v.OwnOnly
}

// fontSize is the size of every text of a chart, in SVG units.
const fontSize = 15

// Colours of the series: Okabe–Ito's colour-blind-safe palette, darkened
// where needed for 3:1 against white. Each has its own marker and dash.
var (
	seriesColours = []string{"#0072B2", "#D55E00", "#007A5A", "#A8447E", "#8A5A00", "#5C5C5C"}
	seriesDashes  = []string{"", "7 4", "2 3", "9 3 2 3", "12 4", "4 2"}
	seriesMarkers = []string{"circle", "square", "triangle", "diamond", "triangle-down", "cross"}
)

// MaxSeries is the most series a line chart tells apart.
const MaxSeries = 6

const (
	textColour  = "#0b0c0c" // the site's --text
	mutedColour = "#484949" // the site's --muted (9:1)
	axisColour  = "#6f777b" // the site's --border (4.6:1)
	gridColour  = "#d8d8d8" // decoration only
	barColour   = "#1f4e79" // 8.7:1
	highlight   = "#D55E00" // 3.9:1
	hatchColour = "#6f777b"
)

// svg builds the markup. Every text and attribute value written through it
// is escaped.
type svg struct {
	b strings.Builder
}

// raw writes trusted markup (tags and attribute names of this package).
func (s *svg) raw(parts ...string) {
	for _, p := range parts {
		s.b.WriteString(p)
	}
}

// text writes t escaped as character data or an attribute value.
func (s *svg) text(t string) {
	s.b.WriteString(escape(t))
}

// coords writes the attributes named in names (separated by spaces) with
// the coordinates values.
func (s *svg) coords(names string, values ...float64) {
	for i, n := range strings.Fields(names) {
		s.raw(" ", n, `="`)
		s.num(values[i])
		s.raw(`"`)
	}
}

// num writes a coordinate with at most one decimal.
func (s *svg) num(v float64) {
	s.b.WriteString(coord(v))
}

func coord(v float64) string {
	v = math.Round(v*10) / 10
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// escape makes t safe as XML character data and as a quoted attribute value,
// dropping characters XML cannot hold.
func escape(t string) string {
	var b strings.Builder
	for _, r := range t {
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '"':
			b.WriteString("&#34;")
		case r == '\'':
			b.WriteString("&#39;")
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF || r == utf8.RuneError || (r >= 0xD800 && r <= 0xDFFF):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// elementID makes id usable as the prefix of element ids: ASCII letters,
// digits, - and _, starting with a letter.
func elementID(id string) string {
	var b strings.Builder
	for _, r := range id {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_') {
			b.WriteRune(r)
		}
	}
	s := b.String()
	if s == "" || !unicode.IsLetter(rune(s[0])) {
		s = "chart-" + s
	}
	return s
}

// textWidth estimates the width of t at fontSize, on the generous side of
// common sans-serif fonts (DejaVu Sans, the widest of them, included).
func textWidth(t string) float64 {
	w := 0.0
	for _, r := range t {
		switch {
		case r == ' ' || r == '\u00a0' || r == '.' || r == ',' || r == ':' || r == 'i' || r == 'l' || r == 'j' || r == '\'':
			w += 0.32
		case r == 'm' || r == 'w' || r == 'M' || r == 'W' || r == '%' || r == '−':
			w += 0.9
		case unicode.IsUpper(r):
			w += 0.72
		case unicode.IsDigit(r):
			w += 0.64
		default:
			w += 0.58
		}
	}
	return w * fontSize
}

// fit shortens t with an ellipsis to at most width.
func fit(t string, width float64) string {
	if textWidth(t) <= width {
		return t
	}
	r := []rune(t)
	for len(r) > 1 && textWidth(string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	return strings.TrimSpace(string(r)) + "…"
}

// header writes the opening <svg> with its title and description.
func (s *svg) header(id, class, title, desc string, w, h float64) {
	s.raw(`<svg xmlns="http://www.w3.org/2000/svg" class="chart `, class, `" role="img" aria-labelledby="`, id, `-title `, id, `-desc" viewBox="0 0 `, coord(w), " ", coord(h), `" width="100%" preserveAspectRatio="xMidYMid meet" font-size="`, strconv.Itoa(fontSize), `"><title id="`, id, `-title">`)
	s.text(title)
	s.raw(`</title><desc id="`, id, `-desc">`)
	s.text(desc)
	s.raw(`</desc>`)
}

// marker writes a marker of shape centred at x, y with radius r: filled
// for a published value, hollow (white inside) for a suppressed one.
func (s *svg) marker(shape string, x, y, r float64, colour, class string, hollow bool, tooltip string) {
	fill := colour
	if hollow {
		fill = "#ffffff"
	}
	common := func() {
		s.raw(` class="`, class, `" fill="`, fill, `" stroke="`, colour, `" stroke-width="2"`)
	}
	pts := func(p ...float64) {
		s.raw(`<polygon points="`)
		for i := 0; i < len(p); i += 2 {
			if i > 0 {
				s.raw(" ")
			}
			s.num(x + p[i]*r)
			s.raw(",")
			s.num(y + p[i+1]*r)
		}
		s.raw(`"`)
		common()
	}
	switch shape {
	case "square":
		s.raw(`<rect`)
		s.coords("x y width height", x-r*0.85, y-r*0.85, r*1.7, r*1.7)
		common()
	case "triangle":
		pts(0, -1.15, 1.05, 0.75, -1.05, 0.75)
	case "triangle-down":
		pts(0, 1.15, 1.05, -0.75, -1.05, -0.75)
	case "diamond":
		pts(0, -1.2, 1.2, 0, 0, 1.2, -1.2, 0)
	case "cross":
		pts(-1, -0.35, -0.35, -0.35, -0.35, -1, 0.35, -1, 0.35, -0.35, 1, -0.35, 1, 0.35, 0.35, 0.35, 0.35, 1, -0.35, 1, -0.35, 0.35, -1, 0.35)
	default:
		s.raw(`<circle`)
		s.coords("cx cy r", x, y, r)
		common()
	}
	if tooltip == "" {
		s.raw("/>")
		return
	}
	s.raw("><title>")
	s.text(tooltip)
	switch shape {
	case "square":
		s.raw("</title></rect>")
	case "circle", "":
		s.raw("</title></circle>")
	default:
		s.raw("</title></polygon>")
	}
}

// label writes a <text>.
func (s *svg) label(x, y float64, anchor, class, fill, t string, extra ...string) {
	s.raw(`<text`)
	s.coords("x y", x, y)
	s.raw(` class="`, class, `" fill="`, fill, `"`)
	if anchor != "" && anchor != "start" {
		s.raw(` text-anchor="`, anchor, `"`)
	}
	s.raw(extra...)
	s.raw(">")
	s.text(t)
	s.raw("</text>")
}

// line writes a <line>.
func (s *svg) line(x1, y1, x2, y2 float64, class, colour string, extra ...string) {
	s.raw(`<line`)
	s.coords("x1 y1 x2 y2", x1, y1, x2, y2)
	s.raw(` class="`, class, `" stroke="`, colour, `"`)
	s.raw(extra...)
	s.raw("/>")
}

// scale maps values lo..hi onto pixels a..b.
type scale struct{ lo, hi, a, b float64 }

func (sc scale) at(v float64) float64 {
	if sc.hi == sc.lo {
		return sc.a
	}
	return sc.a + (v-sc.lo)/(sc.hi-sc.lo)*(sc.b-sc.a)
}

// invalid is the error for a chart the package cannot draw faithfully.
func invalid(format string, args ...any) error {
	return model.Errorf(model.CodeInternal, "chart: "+format, args...)
}
