package chart

import (
	"html/template"
	"math"

	"github.com/kotodigi/kotodigi/internal/statfile"
)

// BarChart compares one figure across areas or categories with horizontal
// bars (long names read well and the chart stays narrow on a phone).
type BarChart struct {
	ID      string // unique on the page: the prefix of the chart's element ids
	Title   string // the chart's <title>
	Summary string // the chart's <desc>: usually Sentence(chart.Facts(), ...)
	Lang    string
	Unit    statfile.Unit
	Bars    []Bar // in the order to draw, top first
	Labels  Labels
	Width   int // of the viewBox; 0 means 480
}

// Bar is one area or category. Highlight marks the one the page is about
// (its bar is coloured and its label bold).
type Bar struct {
	Label     string
	Value     Value
	Highlight bool
}

const (
	barRowH = 26.0
	barH    = 17.0
)

// SVG draws the chart.
func (c *BarChart) SVG() (template.HTML, error) {
	if len(c.Bars) == 0 {
		return "", invalid("a bar chart without bars")
	}
	nf := NewNumbers(c.Lang)
	w := float64(c.Width)
	if w <= 0 {
		w = 480
	}
	lo, hi, published, ownOnly := 0.0, 0.0, false, false
	labelW, valueW := 0.0, textWidth(SuppressedSymbol)
	values := make([]string, len(c.Bars))
	for i, b := range c.Bars {
		x, ok := b.Value.published()
		if ok {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return "", invalid("bar %q is not a number", b.Label)
			}
			lo, hi, published = math.Min(lo, x), math.Max(hi, x), true
			values[i] = nf.Value(c.Unit, x)
			if b.Value.OwnOnly {
				values[i] += " " + OwnOnlySymbol
				ownOnly = true
			}
		} else if b.Value.Suppressed {
			values[i] = SuppressedSymbol
		}
		labelW = math.Max(labelW, textWidth(b.Label)*boldFactor(b.Highlight))
		valueW = math.Max(valueW, textWidth(values[i])*boldFactor(b.Highlight))
	}
	labelW = math.Min(labelW, w*0.38)
	ticks := niceTicks(lo, hi, 4, c.Unit == statfile.Count)
	step := 1.0
	if len(ticks) > 1 {
		step = ticks[1] - ticks[0]
	}
	x0 := pad + labelW + 10
	x1 := w - pad - valueW - 10
	// Room for the first and last tick label.
	x0 = math.Max(x0, pad+textWidth(nf.tick(c.Unit, ticks[0], step))/2)
	x1 = math.Min(x1, w-pad-textWidth(nf.tick(c.Unit, ticks[len(ticks)-1], step))/2)
	sc := scale{ticks[0], ticks[len(ticks)-1], x0, x1}
	if !published {
		ticks = nil // an axis without a value would only suggest one
	}
	top := pad
	bottom := top + float64(len(c.Bars))*barRowH
	h := bottom + fontSize + 16
	if ownOnly {
		h += legendRowH
	}
	id := elementID(c.ID)

	var s svg
	s.header(id, "chart-bars", c.Title, c.Summary, w, h)
	s.raw(`<defs><pattern id="`, id, `-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="`, hatchColour, `" stroke-width="1.5"/></pattern>`)
	if ownOnly {
		// Stripes across the bar: the value is drawn, marked as not published.
		for _, colour := range []string{barColour, highlight} {
			s.raw(`<pattern id="`, id, `-own-`, colour[1:], `" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="6" height="6" fill="#ffffff"/><rect width="3.5" height="6" fill="`, colour, `"/></pattern>`)
		}
	}
	s.raw(`</defs>`)
	for _, t := range ticks {
		x := sc.at(t)
		if t != 0 {
			s.line(x, top, x, bottom, "chart-grid", gridColour)
		}
		s.label(x, bottom+fontSize+4, "middle", "chart-tick chart-tick-x", mutedColour, nf.tick(c.Unit, t, step))
	}
	s.line(x0, bottom, x1, bottom, "chart-axis", axisColour)
	zero := sc.at(0)
	for i, b := range c.Bars {
		y := top + float64(i)*barRowH + (barRowH-barH)/2
		mid := y + barH/2 + fontSize*0.35
		weight := ""
		if b.Highlight {
			weight = ` font-weight="bold"`
		}
		s.label(x0-10, mid, "end", "chart-label", textColour, fit(b.Label, labelW), weight)
		x, ok := b.Value.published()
		switch {
		case ok:
			class, colour := "chart-bar", barColour
			if b.Highlight {
				class, colour = "chart-bar chart-bar-highlight", highlight
			}
			tip := b.Label + ": " + values[i]
			if b.Value.OwnOnly {
				class += " chart-own-only"
				tip += " (" + c.Labels.OwnOnly + ")"
			}
			left, right := math.Min(zero, sc.at(x)), math.Max(zero, sc.at(x))
			s.raw(`<rect class="`, class, `"`)
			s.coords("x y width height", left, y, math.Max(right-left, 1.5), barH)
			if b.Value.OwnOnly {
				s.raw(` fill="url(#`, id, `-own-`, colour[1:], `)" stroke="`, colour, `"><title>`)
			} else {
				s.raw(` fill="`, colour, `"><title>`)
			}
			s.text(tip)
			s.raw("</title></rect>")
			s.label(w-pad, mid, "end", "chart-value", textColour, values[i], weight)
		case b.Value.Suppressed:
			// Across the whole plot: the value could be anywhere.
			s.raw(`<rect class="chart-suppressed"`)
			s.coords("x y width height", x0, y, x1-x0, barH)
			s.raw(` fill="url(#`, id, `-hatch)" stroke="`, hatchColour, `" stroke-dasharray="4 3"><title>`)
			s.text(b.Label + ": " + c.Labels.Suppressed + " (" + SuppressedSymbol + ")")
			s.raw("</title></rect>")
			tw := textWidth(c.Labels.Suppressed)
			s.raw(`<rect`)
			s.coords("x y width height", x0+4, y+2, tw+8, barH-4)
			s.raw(` fill="#ffffff"/>`)
			s.label(x0+8, mid-1, "", "chart-suppressed-text", textColour, c.Labels.Suppressed, ` font-size="13"`)
			s.label(w-pad, mid, "end", "chart-value", textColour, SuppressedSymbol, weight)
		default:
			s.label(x0+4, mid, "", "chart-missing", mutedColour, c.Labels.Missing, ` font-style="italic"`)
		}
	}
	if lo < 0 {
		s.line(zero, top, zero, bottom, "chart-axis", axisColour)
	}
	if ownOnly {
		y := bottom + fontSize + 16 + (legendRowH-barH)/2
		s.raw(`<g class="chart-legend"><rect class="chart-own-only"`)
		s.coords("x y width height", pad, y, legendSample, barH)
		s.raw(` fill="url(#`, id, `-own-`, barColour[1:], `)" stroke="`, barColour, `"/>`)
		s.label(pad+legendSample+6, y+barH/2+fontSize*0.35, "", "chart-legend-text", textColour, fit(c.Labels.OwnOnly+" ("+OwnOnlySymbol+")", w-2*pad-legendSample-6))
		s.raw("</g>")
	}
	s.raw("</svg>")
	return template.HTML(s.b.String()), nil
}

// boldFactor widens the estimate of bold text.
func boldFactor(bold bool) float64 {
	if bold {
		return 1.08
	}
	return 1
}

// Facts are the figures of the chart's summary: the highest and lowest
// published bar (the first one on a tie) and the counts.
func (c *BarChart) Facts() Facts {
	f := Facts{kind: kindBars, unit: c.Unit, nf: NewNumbers(c.Lang)}
	for _, b := range c.Bars {
		f.count(b.Value)
		x, ok := b.Value.published()
		if !ok {
			continue
		}
		if !f.Highest.OK || x > f.Highest.Value {
			f.Highest = f.point(b.Label, "", x)
		}
		if !f.Lowest.OK || x < f.Lowest.Value {
			f.Lowest = f.point(b.Label, "", x)
		}
	}
	return f
}

// Table is the chart's figures as a table: a row per bar, one value column.
func (c *BarChart) Table() Table {
	nf := NewNumbers(c.Lang)
	t := Table{Caption: c.Title, Columns: []string{c.Labels.Value}}
	for _, b := range c.Bars {
		t.Rows = append(t.Rows, TableRow{Header: b.Label, Highlight: b.Highlight, Cells: []TableCell{tableCell(nf, c.Unit, b.Value)}})
	}
	return t
}
