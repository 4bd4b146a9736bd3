package chart

import (
	"html/template"
	"math"
	"strconv"

	"github.com/kotodigi/kotodigi/internal/statfile"
)

// LineChart is one or more time series over the same periods, e.g. a
// municipality next to its region and the country.
type LineChart struct {
	ID      string        // unique on the page: the prefix of the chart's element ids
	Title   string        // the chart's <title>
	Summary string        // the chart's <desc>: usually Sentence(chart.Facts(), ...)
	Lang    string        // "fi", "sv" or "en": number formats
	Unit    statfile.Unit // formats and axis
	Periods []string      // the labels along the x axis, oldest first
	// PeriodNames are the periods' full names for the summary and the
	// points' tooltips when Periods are short forms; nil means Periods.
	PeriodNames []string
	Series      []Series // at most MaxSeries; the first is the chart's subject
	Labels      Labels
	Width       int // of the viewBox; 0 means 480, which reads well from 360 to 720 pixels
}

// Series is one line: its label and one value per period.
type Series struct {
	Label  string
	Values []Value // as many as the chart's periods
}

func (c *LineChart) validate() error {
	if len(c.Periods) == 0 || len(c.Series) == 0 {
		return invalid("a line chart without periods or series")
	}
	if c.PeriodNames != nil && len(c.PeriodNames) != len(c.Periods) {
		return invalid("%d period names for %d periods", len(c.PeriodNames), len(c.Periods))
	}
	if len(c.Series) > MaxSeries {
		return invalid("%d series, at most %d can be told apart", len(c.Series), MaxSeries)
	}
	for _, s := range c.Series {
		if len(s.Values) != len(c.Periods) {
			return invalid("series %q has %d values for %d periods", s.Label, len(s.Values), len(c.Periods))
		}
		for _, v := range s.Values {
			if x, ok := v.published(); ok && (math.IsNaN(x) || math.IsInf(x, 0)) {
				return invalid("series %q has a value that is not a number", s.Label)
			}
		}
	}
	return nil
}

// lineLayout is where the parts of a line chart go, in viewBox units.
type lineLayout struct {
	w, h             float64
	legendRows       [][]legendItem
	lanes            []int // the series with suppressed values, one lane each
	laneTop          float64
	plotTop, plotBot float64
	xl, xr           float64
	y                scale
	ticks            []float64
	tickStep         float64
	labelEvery       int
	marker           float64
}

// legendItem is one entry of the legend: a series (index ≥ 0), the
// hollow marker of suppressed values (legendSuppressed) or the ring of
// values shown to the own municipality only (legendOwnOnly).
type legendItem struct {
	series int
	text   string
	x, w   float64
}

const (
	legendSuppressed = -1
	legendOwnOnly    = -2
)

const (
	pad          = 8.0
	legendRowH   = 22.0
	legendSample = 30.0
	laneH        = 16.0
	plotH        = 200.0
)

func (c *LineChart) layout(nf Numbers) lineLayout {
	l := lineLayout{w: float64(c.Width)}
	if l.w <= 0 {
		l.w = 480
	}
	// Legend: entries in rows that fit the width.
	var items []legendItem
	for i, s := range c.Series {
		items = append(items, legendItem{series: i, text: s.Label})
	}
	for i, s := range c.Series {
		for _, v := range s.Values {
			if v.Suppressed {
				l.lanes = append(l.lanes, i)
				break
			}
		}
	}
	if len(l.lanes) > 0 {
		items = append(items, legendItem{series: legendSuppressed, text: c.Labels.Suppressed + " (" + SuppressedSymbol + ")"})
	}
	if c.hasOwnOnly() {
		items = append(items, legendItem{series: legendOwnOnly, text: c.Labels.OwnOnly + " (" + OwnOnlySymbol + ")"})
	}
	x, row := pad, []legendItem(nil)
	for _, it := range items {
		it.text = fit(it.text, l.w-2*pad-legendSample-6)
		it.w = legendSample + 6 + textWidth(it.text)
		if x+it.w > l.w-pad && len(row) > 0 {
			l.legendRows = append(l.legendRows, row)
			x, row = pad, nil
		}
		it.x = x
		row = append(row, it)
		x += it.w + 18
	}
	l.legendRows = append(l.legendRows, row)
	l.laneTop = pad + float64(len(l.legendRows))*legendRowH + 4
	l.plotTop = l.laneTop + float64(len(l.lanes))*laneH + fontSize
	if len(l.lanes) > 0 {
		l.plotTop += 6
	}
	l.plotBot = l.plotTop + plotH

	// Y axis: nice ticks over the published values and zero.
	lo, hi, published := 0.0, 0.0, false
	for _, s := range c.Series {
		for _, v := range s.Values {
			if x, ok := v.published(); ok {
				lo, hi, published = math.Min(lo, x), math.Max(hi, x), true
			}
		}
	}
	l.ticks = niceTicks(lo, hi, 5, c.Unit == statfile.Count)
	l.tickStep = 1
	if len(l.ticks) > 1 {
		l.tickStep = l.ticks[1] - l.ticks[0]
	}
	l.y = scale{l.ticks[0], l.ticks[len(l.ticks)-1], l.plotBot, l.plotTop}
	if !published {
		l.ticks = nil // an axis without a value would only suggest one
	}
	left := textWidth(SuppressedSymbol)
	for _, t := range l.ticks {
		left = math.Max(left, textWidth(nf.tick(c.Unit, t, l.tickStep)))
	}
	left += pad + 8

	// X axis: periods evenly spaced; every labelEvery-th labelled, the last always.
	n := len(c.Periods)
	widest := 0.0
	for _, p := range c.Periods {
		widest = math.Max(widest, textWidth(p))
	}
	l.xl = math.Max(left+10, widest/2+pad)
	l.xr = l.w - math.Max(16, textWidth(c.Periods[n-1])/2+pad)
	l.labelEvery = 1
	spacing := l.xr - l.xl
	if n > 1 {
		spacing /= float64(n - 1)
		l.labelEvery = int(math.Ceil((widest + 16) / spacing))
	}
	l.marker = math.Max(2.5, math.Min(4.5, spacing/3))
	l.h = l.plotBot + fontSize + 16
	return l
}

// hasOwnOnly reports whether a value is shown to the own municipality only.
func (c *LineChart) hasOwnOnly() bool {
	for _, s := range c.Series {
		for _, v := range s.Values {
			if v.ownOnly() {
				return true
			}
		}
	}
	return false
}

// periodName is period k's full name.
func (c *LineChart) periodName(k int) string {
	if c.PeriodNames != nil {
		return c.PeriodNames[k]
	}
	return c.Periods[k]
}

// ownOnlyRing circles a point shown to the own municipality only.
func (s *svg) ownOnlyRing(x, y, r float64, colour string) {
	s.raw(`<circle class="chart-own-only"`)
	s.coords("cx cy r", x, y, r)
	s.raw(` fill="none" stroke="`, colour, `" stroke-width="1.5" stroke-dasharray="2 2"/>`)
}

func (l *lineLayout) x(i, n int) float64 {
	if n == 1 {
		return (l.xl + l.xr) / 2
	}
	return l.xl + float64(i)*(l.xr-l.xl)/float64(n-1)
}

// SVG draws the chart.
func (c *LineChart) SVG() (template.HTML, error) {
	if err := c.validate(); err != nil {
		return "", err
	}
	nf := NewNumbers(c.Lang)
	l := c.layout(nf)
	id := elementID(c.ID)
	n := len(c.Periods)
	var s svg
	s.header(id, "chart-line", c.Title, c.Summary, l.w, l.h)

	// Grid and y ticks.
	for _, t := range l.ticks {
		y := l.y.at(t)
		if t != 0 {
			s.line(l.xl-6, y, l.xr+6, y, "chart-grid", gridColour)
		}
		s.label(l.xl-12, y+fontSize*0.35, "end", "chart-tick chart-tick-y", mutedColour, nf.tick(c.Unit, t, l.tickStep))
	}
	zero := l.y.at(0)
	s.line(l.xl-6, zero, l.xr+6, zero, "chart-axis", axisColour, ` stroke-width="1.5"`)
	// X ticks and labels.
	for i, p := range c.Periods {
		x := l.x(i, n)
		s.line(x, l.plotBot, x, l.plotBot+4, "chart-axis", axisColour)
		if (n-1-i)%l.labelEvery == 0 {
			s.label(x, l.plotBot+fontSize+4, "middle", "chart-tick chart-tick-x", mutedColour, p)
		}
	}
	if zero != l.plotBot {
		s.line(l.xl-6, l.plotBot, l.xr+6, l.plotBot, "chart-axis", axisColour)
	}
	// Lanes of suppressed values, marked ".." at the axis.
	if len(l.lanes) > 0 {
		mid := l.laneTop + float64(len(l.lanes))*laneH/2
		s.label(l.xl-12, mid+fontSize*0.35, "end", "chart-tick chart-tick-y", mutedColour, SuppressedSymbol)
		s.line(l.xl-6, l.laneTop+float64(len(l.lanes))*laneH+3, l.xr+6, l.laneTop+float64(len(l.lanes))*laneH+3, "chart-grid", gridColour, ` stroke-dasharray="2 3"`)
	}
	for i, ser := range c.Series {
		colour, dash, shape := seriesColours[i], seriesDashes[i], seriesMarkers[i]
		s.raw(`<g class="chart-series chart-series-`, strconv.Itoa(i), `">`)
		// One path per run of published values: a gap where a value is suppressed or missing.
		var run [][2]float64
		flush := func() {
			if len(run) > 1 {
				s.raw(`<path class="chart-path" d="`)
				for k, p := range run {
					if k == 0 {
						s.raw("M")
					} else {
						s.raw(" L")
					}
					s.num(p[0])
					s.raw(",")
					s.num(p[1])
				}
				s.raw(`" fill="none" stroke="`, colour, `" stroke-width="2.5" stroke-linejoin="round"`)
				if dash != "" {
					s.raw(` stroke-dasharray="`, dash, `"`)
				}
				s.raw("/>")
			}
			run = run[:0]
		}
		for k, v := range ser.Values {
			if x, ok := v.published(); ok {
				run = append(run, [2]float64{l.x(k, n), l.y.at(x)})
			} else {
				flush()
			}
		}
		flush()
		for k, v := range ser.Values {
			if x, ok := v.published(); ok {
				tip := ser.Label + ", " + c.periodName(k) + ": " + nf.Value(c.Unit, x)
				if v.OwnOnly {
					tip += " " + OwnOnlySymbol + " (" + c.Labels.OwnOnly + ")"
					s.ownOnlyRing(l.x(k, n), l.y.at(x), l.marker*2+2, colour)
				}
				s.marker(shape, l.x(k, n), l.y.at(x), l.marker, colour, "chart-point", false, tip)
			}
		}
		for lane, si := range l.lanes {
			if si != i {
				continue
			}
			y := l.laneTop + (float64(lane)+0.5)*laneH
			for k, v := range ser.Values {
				if v.Suppressed {
					s.marker(shape, l.x(k, n), y, l.marker, colour, "chart-suppressed", true, ser.Label+", "+c.periodName(k)+": "+c.Labels.Suppressed+" ("+SuppressedSymbol+")")
				}
			}
		}
		s.raw("</g>")
	}
	// Legend.
	s.raw(`<g class="chart-legend">`)
	for r, row := range l.legendRows {
		y := pad + float64(r)*legendRowH + legendRowH/2
		for _, it := range row {
			if it.series >= 0 {
				colour := seriesColours[it.series]
				extra := []string{` stroke-width="2.5"`}
				if d := seriesDashes[it.series]; d != "" {
					extra = append(extra, ` stroke-dasharray="`, d, `"`)
				}
				s.line(it.x, y, it.x+legendSample, y, "chart-path chart-series-"+strconv.Itoa(it.series), colour, extra...)
				s.marker(seriesMarkers[it.series], it.x+legendSample/2, y, 4, colour, "chart-series-"+strconv.Itoa(it.series), false, "")
			} else if it.series == legendSuppressed {
				s.marker("circle", it.x+legendSample/2, y, 4, axisColour, "chart-suppressed", true, "")
			} else {
				s.ownOnlyRing(it.x+legendSample/2, y, 8, textColour)
				s.marker("circle", it.x+legendSample/2, y, 3.5, textColour, "chart-point", false, "")
			}
			s.label(it.x+legendSample+6, y+fontSize*0.35, "", "chart-legend-text", textColour, it.text)
		}
	}
	s.raw("</g></svg>")
	return template.HTML(s.b.String()), nil
}

// Facts are the figures of the chart's summary: the subject (the first
// series) at its first and last published period, the change between them,
// its highest and lowest published value, and the counts over all series.
func (c *LineChart) Facts() Facts {
	f := Facts{kind: kindLine, unit: c.Unit, nf: NewNumbers(c.Lang)}
	for si, ser := range c.Series {
		for k, v := range ser.Values {
			f.count(v)
			x, ok := v.published()
			if si != 0 || !ok || k >= len(c.Periods) {
				continue
			}
			p := f.point(ser.Label, c.periodName(k), x)
			if !f.First.OK {
				f.First = p
			}
			f.Last = p
			if !f.Highest.OK || x > f.Highest.Value {
				f.Highest = p
			}
			if !f.Lowest.OK || x < f.Lowest.Value {
				f.Lowest = p
			}
		}
	}
	if len(c.Series) > 0 {
		f.Subject = c.Series[0].Label
	}
	if f.First.OK && f.Last.OK {
		f.Change = f.nf.Change(c.Unit, f.Last.Value-f.First.Value)
	}
	return f
}

// Table is the chart's figures as a table: a row per series, a column per period.
func (c *LineChart) Table() Table {
	nf := NewNumbers(c.Lang)
	t := Table{Caption: c.Title, Columns: c.Periods}
	for _, ser := range c.Series {
		row := TableRow{Header: ser.Label}
		for _, v := range ser.Values {
			row.Cells = append(row.Cells, tableCell(nf, c.Unit, v))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}
