package chart

import (
	"encoding/xml"
	"errors"
	"html/template"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/statfile"
)

// node is an element of a parsed SVG.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []node     `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (n *node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n *node) hasClass(c string) bool {
	return slicesContains(strings.Fields(n.attr("class")), c)
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// walk calls f on n and every element below it, with the series group
// (chart-series-N) it is in, or -1.
func (n *node) walk(series int, f func(n *node, series int)) {
	for i := 0; i < MaxSeries; i++ {
		if n.hasClass("chart-series") && n.hasClass("chart-series-"+strconv.Itoa(i)) {
			series = i
		}
	}
	f(n, series)
	for i := range n.Children {
		n.Children[i].walk(series, f)
	}
}

func (n *node) all(class string) []*node {
	var out []*node
	n.walk(-1, func(m *node, _ int) {
		if m.hasClass(class) {
			out = append(out, m)
		}
	})
	return out
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("coordinate %q: %v", s, err)
	}
	return v
}

// centre is where a marker or bar is drawn.
func centre(t *testing.T, n *node) (float64, float64) {
	t.Helper()
	switch n.XMLName.Local {
	case "circle":
		return num(t, n.attr("cx")), num(t, n.attr("cy"))
	case "rect":
		return num(t, n.attr("x")) + num(t, n.attr("width"))/2, num(t, n.attr("y")) + num(t, n.attr("height"))/2
	case "polygon":
		var sx, sy float64
		pts := strings.Fields(n.attr("points"))
		for _, p := range pts {
			x, y, _ := strings.Cut(p, ",")
			sx += num(t, x)
			sy += num(t, y)
		}
		return sx / float64(len(pts)), sy / float64(len(pts))
	}
	t.Fatalf("not a marker: %s", n.XMLName.Local)
	return 0, 0
}

// parse checks that out is well-formed XML with the accessibility a screen
// reader needs and nothing the Content-Security-Policy would block.
func parse(t *testing.T, out string) *node {
	t.Helper()
	var root node
	if err := xml.Unmarshal([]byte(out), &root); err != nil {
		t.Fatalf("not XML: %v\n%s", err, out)
	}
	if root.XMLName.Local != "svg" || root.attr("role") != "img" || root.attr("width") != "100%" || !strings.HasPrefix(root.attr("viewBox"), "0 0 ") {
		t.Errorf("root %v %v", root.XMLName, root.Attrs)
	}
	ids := strings.Fields(root.attr("aria-labelledby"))
	if len(ids) != 2 || len(root.Children) < 2 || root.Children[0].XMLName.Local != "title" || root.Children[1].XMLName.Local != "desc" ||
		root.Children[0].attr("id") != ids[0] || root.Children[1].attr("id") != ids[1] || strings.TrimSpace(root.Children[0].Text) == "" {
		t.Errorf("aria-labelledby %q does not name the <title> and <desc> that come first", ids)
	}
	root.walk(-1, func(n *node, _ int) {
		if n.XMLName.Local == "style" || n.XMLName.Local == "script" || n.XMLName.Local == "foreignObject" {
			t.Errorf("a <%s> element", n.XMLName.Local)
		}
		for _, a := range n.Attrs {
			if a.Name.Local == "style" || strings.HasPrefix(a.Name.Local, "on") || strings.Contains(a.Value, "javascript:") {
				t.Errorf("<%s %s=%q>: blocked by the CSP or unsafe", n.XMLName.Local, a.Name.Local, a.Value)
			}
		}
	})
	return &root
}

func TestGalleryChartsAreAccessibleXML(t *testing.T) {
	for name, c := range galleryCharts() {
		t.Run(name, func(t *testing.T) { draw(t, c) })
	}
}

// draw renders c and parses it (see parse).
func draw(t *testing.T, c interface{ SVG() (template.HTML, error) }) *node {
	t.Helper()
	out, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	return parse(t, string(out))
}

func TestLineMarksEqualPublishedValues(t *testing.T) {
	c := galleryCharts()["line-median-sv-6"].(*LineChart)
	root := draw(t, c)
	points := map[int][]*node{}
	suppressed := map[int][]*node{}
	paths := map[int][]*node{}
	root.walk(-1, func(n *node, s int) {
		switch {
		case n.hasClass("chart-point") && s >= 0:
			points[s] = append(points[s], n)
		case n.hasClass("chart-suppressed") && s >= 0:
			suppressed[s] = append(suppressed[s], n)
		case n.hasClass("chart-path") && s >= 0:
			paths[s] = append(paths[s], n)
		}
	})
	// The zero of the y axis: where the series with a published 0 has its point.
	_, zeroY := centre(t, points[5][1])
	highest := math.Inf(1)
	for _, ps := range points {
		for _, p := range ps {
			_, y := centre(t, p)
			highest = math.Min(highest, y)
		}
	}
	for i, ser := range c.Series {
		var pub, sup int
		for _, v := range ser.Values {
			if _, ok := v.published(); ok {
				pub++
			} else if v.Suppressed {
				sup++
			}
		}
		if len(points[i]) != pub || len(suppressed[i]) != sup {
			t.Errorf("%s: %d points and %d suppressed marks for %d published and %d suppressed values", ser.Label, len(points[i]), len(suppressed[i]), pub, sup)
		}
		for _, m := range suppressed[i] {
			x, y := centre(t, m)
			if y >= highest || math.Abs(y-zeroY) < 1 {
				t.Errorf("%s: a suppressed value is drawn at y=%v, inside the plot (zero at %v)", ser.Label, y, zeroY)
			}
			for _, p := range paths[i] {
				if strings.Contains(p.attr("d"), coord(x)+",") {
					t.Errorf("%s: the line passes through the suppressed period at x=%v: %s", ser.Label, x, p.attr("d"))
				}
			}
			if !strings.Contains(m.Children[0].Text, "skyddad") {
				t.Errorf("a suppressed mark's tooltip: %q", m.Children[0].Text)
			}
		}
	}
	// Pedersöre: 40, suppressed, 35.5, 31 → one path of two points, the first value alone.
	if len(paths[0]) != 1 || strings.Count(paths[0][0].attr("d"), "L") != 1 {
		t.Errorf("Pedersöre's line: %v", paths[0])
	}
	// Nyland's missing 2025 is a gap without any mark; the zero of series 5 is a point at zero.
	x2025, _ := centre(t, points[0][1])
	for _, p := range points[4] {
		if x, _ := centre(t, p); math.Abs(x-x2025) < 0.5 {
			t.Errorf("a missing value has a marker")
		}
	}
	if _, y := centre(t, points[5][1]); y <= highest {
		t.Errorf("zero drawn at the top")
	}
	// Series are told apart by more than colour.
	for i := 1; i < len(c.Series); i++ {
		if points[i][0].XMLName.Local == points[0][0].XMLName.Local && points[i][0].attr("points") == "" && i < 6 {
			if seriesMarkers[i] == seriesMarkers[0] {
				t.Errorf("series %d has the marker of series 0", i)
			}
		}
	}
}

func TestSeriesStylesDiffer(t *testing.T) {
	seen := map[string]bool{}
	for i := range MaxSeries {
		key := seriesMarkers[i] + "|" + seriesDashes[i]
		if seen[seriesMarkers[i]] || seen[seriesDashes[i]+"dash"] {
			t.Errorf("series %d repeats a marker or a dash: %s", i, key)
		}
		seen[seriesMarkers[i]], seen[seriesDashes[i]+"dash"] = true, true
	}
	for _, c := range append(append([]string{}, seriesColours...), barColour, highlight, axisColour, hatchColour, mutedColour, textColour) {
		if r := contrast(c, "#ffffff"); r < 3 {
			t.Errorf("%s has a contrast of %.2f:1 against white, under 3:1", c, r)
		}
	}
}

// contrast is the WCAG 2.1 contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	lum := func(h string) float64 {
		var c [3]float64
		for i := range 3 {
			v, _ := strconv.ParseUint(h[1+2*i:3+2*i], 16, 8)
			s := float64(v) / 255
			if s <= 0.03928 {
				c[i] = s / 12.92
			} else {
				c[i] = math.Pow((s+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
	}
	la, lb := lum(a), lum(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func TestTextIsEscaped(t *testing.T) {
	evil := `<script>alert("x")</script> & 'Co'` + "\x00\x1b"
	line := &LineChart{ID: `c"><script>`, Title: evil, Summary: evil, Lang: "fi", Unit: statfile.Count, Periods: []string{evil, "2026"}, Labels: Labels{Suppressed: evil},
		Series: []Series{{Label: evil, Values: []Value{v(1), sup}}}}
	bars := &BarChart{ID: "b", Title: evil, Summary: evil, Lang: "fi", Unit: statfile.Count, Labels: Labels{Suppressed: evil, Missing: evil},
		Bars: []Bar{{Label: evil, Value: v(3)}, {Label: evil, Value: sup}, {Label: evil}}}
	for name, c := range map[string]interface {
		SVG() (template.HTML, error)
	}{"line": line, "bars": bars} {
		out, err := c.SVG()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), "<script") || strings.Contains(string(out), "\x00") {
			t.Errorf("%s: unescaped text in %s", name, out)
		}
		root := parse(t, string(out))
		if got := root.Children[0].Text; got != `<script>alert("x")</script> & 'Co'` {
			t.Errorf("%s: the title reads %q", name, got)
		}
		found := 0
		root.walk(-1, func(n *node, _ int) {
			if n.XMLName.Local == "text" && strings.HasPrefix(n.Text, "<script>") {
				found++
			}
		})
		if found == 0 {
			t.Errorf("%s: the label is not shown as text", name)
		}
	}
}

func TestBars(t *testing.T) {
	c := galleryCharts()["bars-count-fi"].(*BarChart)
	root := draw(t, c)
	bars, suppressed, missing := root.all("chart-bar"), root.all("chart-suppressed"), root.all("chart-missing")
	if len(bars) != 6 || len(suppressed) != 1 || len(missing) != 1 {
		t.Fatalf("%d bars, %d suppressed, %d missing; want 6, 1, 1", len(bars), len(suppressed), len(missing))
	}
	// Bars start at zero: Luoto's 0 is a hairline at the same x as the others' start.
	x0 := num(t, bars[0].attr("x"))
	widest := 0.0
	for _, b := range bars {
		if num(t, b.attr("x")) != x0 {
			t.Errorf("a bar starts at %s, not at zero (%v)", b.attr("x"), x0)
		}
		widest = math.Max(widest, num(t, b.attr("width")))
	}
	if w := num(t, bars[3].attr("width")); w > 2 || !strings.Contains(bars[3].Children[0].Text, "Luoto: 0") {
		t.Errorf("zero bar: width %v, %q", w, bars[3].Children[0].Text)
	}
	// Vaasa's 1 432 against Mustasaari's 210.
	if r := num(t, bars[0].attr("width")) / num(t, bars[1].attr("width")); math.Abs(r-1432.0/210) > 0.1 {
		t.Errorf("bar lengths in ratio %v", r)
	}
	// The suppressed band spans the whole plot, wider than any bar: it claims no value.
	if num(t, suppressed[0].attr("x")) != x0 || num(t, suppressed[0].attr("width")) <= widest || !strings.HasPrefix(suppressed[0].attr("fill"), "url(#") {
		t.Errorf("suppressed band %v", suppressed[0].Attrs)
	}
	if missing[0].Text != "ei tietoa" {
		t.Errorf("missing label %q", missing[0].Text)
	}
	values := root.all("chart-value")
	var texts []string
	for _, v := range values {
		texts = append(texts, v.Text)
	}
	if strings.Join(texts, "|") != "1\u00a0432|210|96|..|0|388|57" {
		t.Errorf("value labels %q", texts)
	}
	if !bars[2].hasClass("chart-bar-highlight") {
		t.Error("the highlighted bar is not marked")
	}
}

func TestFactsAndSentence(t *testing.T) {
	tmpl := Templates{
		Trend:      "{subject}: {first} ({first_period}) → {last} ({last_period}), muutos {change} prosenttiyksikköä; korkein {highest_value} ({highest_period}).",
		Level:      "{subject}: {last} ({last_period}).",
		Compare:    "Eniten {highest} ({highest_value}), vähiten {lowest} ({lowest_value}).",
		Single:     "Vain {highest}: {highest_value}.",
		NoData:     "Ei julkaistavia lukuja.",
		Suppressed: "Salattuja lukuja {suppressed}.",
	}
	line := galleryCharts()["line-share-fi"].(*LineChart)
	f := line.Facts()
	if f.First.Period != "1/2026" || f.Last.Text != "47,5\u00a0%" || f.Change != "+6,5" || f.Highest.Period != "10/2026" || f.Suppressed != 3 || f.Missing != 1 || f.Published != 32 {
		t.Errorf("facts %+v", f)
	}
	got, err := Sentence(f, tmpl)
	want := "Espoo: 41,0\u00a0% (1/2026) → 47,5\u00a0% (12/2026), muutos +6,5 prosenttiyksikköä; korkein 49,0\u00a0% (10/2026). Salattuja lukuja 3."
	if err != nil || got != want {
		t.Errorf("sentence %q (%v), want %q", got, err, want)
	}
	bars := galleryCharts()["bars-count-fi"].(*BarChart)
	if got, err := Sentence(bars.Facts(), tmpl); err != nil || got != "Eniten Vaasa (1\u00a0432), vähiten Luoto (0). Salattuja lukuja 1." {
		t.Errorf("bar sentence %q (%v)", got, err)
	}
	one := &LineChart{Lang: "fi", Unit: statfile.Count, Periods: []string{"2025", "2026"}, Series: []Series{{Label: "Vantaa", Values: []Value{sup, v(12)}}}}
	if got, err := Sentence(one.Facts(), tmpl); err != nil || got != "Vantaa: 12 (2026). Salattuja lukuja 1." {
		t.Errorf("level sentence %q (%v)", got, err)
	}
	none := &BarChart{Lang: "fi", Unit: statfile.Count, Bars: []Bar{{Label: "A", Value: sup}, {Label: "B"}}}
	if got, err := Sentence(none.Facts(), tmpl); err != nil || got != "Ei julkaistavia lukuja. Salattuja lukuja 1." {
		t.Errorf("no-data sentence %q (%v)", got, err)
	}
	single := &BarChart{Lang: "en", Unit: statfile.MedianDays, Bars: []Bar{{Label: "A", Value: v(12.25)}}}
	if got, err := Sentence(single.Facts(), tmpl); err != nil || got != "Vain A: 12.3." {
		t.Errorf("single sentence %q (%v)", got, err)
	}
	for _, bad := range []Templates{{Trend: "{subject} {nonsense}"}, {Trend: "{subject"}, {Level: "x"}} {
		_, err := Sentence(f, bad)
		var me *model.Error
		if !errors.As(err, &me) {
			t.Errorf("template %+v: %v, want an error", bad, err)
		}
	}
}

func TestTables(t *testing.T) {
	line := galleryCharts()["line-share-fi"].(*LineChart)
	tab := line.Table()
	if tab.Caption != line.Title || len(tab.Columns) != 12 || len(tab.Rows) != 3 || tab.Rows[1].Header != "Uusimaa" {
		t.Fatalf("table %+v", tab)
	}
	if c := tab.Rows[0].Cells[2]; c.Text != ".." || !c.Suppressed || c.Value != nil {
		t.Errorf("suppressed cell %+v", c)
	}
	if c := tab.Rows[1].Cells[4]; c.Text != "" || !c.Missing || c.Value != nil {
		t.Errorf("missing cell %+v", c)
	}
	if c := tab.Rows[0].Cells[0]; c.Text != "41,0\u00a0%" || c.Value == nil || *c.Value != 0.41 {
		t.Errorf("value cell %+v", c)
	}
	bars := galleryCharts()["bars-count-fi"].(*BarChart).Table()
	if len(bars.Columns) != 1 || bars.Columns[0] != "Asiakkaita" || len(bars.Rows) != 8 || !bars.Rows[2].Highlight || bars.Rows[4].Cells[0].Text != "0" || bars.Rows[4].Cells[0].Missing {
		t.Errorf("bar table %+v", bars)
	}
}

func TestInvalidCharts(t *testing.T) {
	var many []Series
	for range MaxSeries + 1 {
		many = append(many, Series{Label: "x", Values: []Value{v(1)}})
	}
	for name, c := range map[string]interface {
		SVG() (template.HTML, error)
	}{
		"too many series":  &LineChart{Periods: []string{"2026"}, Series: many},
		"values ≠ periods": &LineChart{Periods: []string{"2025", "2026"}, Series: []Series{{Label: "x", Values: []Value{v(1)}}}},
		"no periods":       &LineChart{Series: []Series{{Label: "x"}}},
		"not a number":     &LineChart{Periods: []string{"2026"}, Series: []Series{{Label: "x", Values: []Value{v(math.NaN())}}}},
		"no bars":          &BarChart{},
		"infinite bar":     &BarChart{Bars: []Bar{{Label: "x", Value: v(math.Inf(1))}}},
	} {
		out, err := c.SVG()
		var me *model.Error
		if !errors.As(err, &me) || out != "" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestElementIDs(t *testing.T) {
	for in, want := range map[string]string{"dash-1": "dash-1", `a"b<c`: "abc", "1x": "chart-1x", "": "chart-", "ä": "chart-"} {
		if got := elementID(in); got != want {
			t.Errorf("elementID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNothingPublishedHasNoScale(t *testing.T) {
	line := &LineChart{ID: "l", Title: "T", Lang: "fi", Unit: statfile.Count, Periods: []string{"2025", "2026"}, Labels: fiLabels,
		Series: []Series{{Label: "Kaskinen", Values: []Value{sup, miss}}}}
	bars := &BarChart{ID: "b", Title: "T", Lang: "fi", Unit: statfile.Count, Labels: fiLabels, Bars: []Bar{{Label: "Kaskinen", Value: sup}, {Label: "Laihia"}}}
	for name, c := range map[string]interface {
		SVG() (template.HTML, error)
	}{"line": line, "bars": bars} {
		root := draw(t, c)
		if n := len(root.all("chart-point")) + len(root.all("chart-bar")); n != 0 {
			t.Errorf("%s: %d marks without a published value", name, n)
		}
		marked := 0
		root.walk(-1, func(n *node, series int) {
			if n.hasClass("chart-suppressed") && (series >= 0 || name == "bars") {
				marked++
			}
		})
		if marked != 1 {
			t.Errorf("%s: the suppressed value is not marked", name)
		}
		for _, tick := range root.all("chart-tick") {
			if tick.Text != SuppressedSymbol && !strings.HasPrefix(tick.Text, "202") {
				t.Errorf("%s: a value axis (%q) without any value", name, tick.Text)
			}
		}
	}
}

func TestOwnOnlyValuesAreDrawnAndMarked(t *testing.T) {
	line := galleryCharts()["line-own-only-fi"].(*LineChart)
	root := draw(t, line)
	// Kaskinen's own 3 and 0 are drawn as points, each circled and named
	// in its tooltip; Pohjanmaa's suppressed value stays a hollow marker.
	rings := root.all("chart-own-only")
	if len(rings) != 3 { // two points and the legend's sample
		t.Fatalf("%d own-only rings, want 3", len(rings))
	}
	var tips []string
	root.walk(-1, func(n *node, s int) {
		if n.hasClass("chart-point") && s == 0 && len(n.Children) > 0 {
			tips = append(tips, n.Children[0].Text)
		}
	})
	if len(tips) != 4 || tips[1] != "Kaskinen, 2. neljännes 2026: 3 † (vain omalle kunnallesi)" || tips[0] != "Kaskinen, 1. neljännes 2026: 12" {
		t.Errorf("tooltips %q", tips)
	}
	var legend []string
	for _, n := range root.all("chart-legend-text") {
		legend = append(legend, n.Text)
	}
	if !slicesContains(legend, "vain omalle kunnallesi (†)") {
		t.Errorf("legend %q", legend)
	}
	tab := line.Table()
	if c := tab.Rows[0].Cells[1]; c.Text != "3" || !c.OwnOnly || c.Suppressed {
		t.Errorf("own-only cell %+v", c)
	}
	if c := tab.Rows[1].Cells[1]; c.OwnOnly || !c.Suppressed {
		t.Errorf("suppressed cell %+v", c)
	}
	tmpl := Templates{Trend: "{subject}: {last} ({last_period}).", Suppressed: "Salattuja {suppressed}.", OwnOnly: "Vain omalle kunnallesi {own_only}."}
	if got, err := Sentence(line.Facts(), tmpl); err != nil || got != "Kaskinen: 0 (4. neljännes 2026). Salattuja 1. Vain omalle kunnallesi 2." {
		t.Errorf("sentence %q (%v)", got, err)
	}

	bars := galleryCharts()["bars-own-only-fi"].(*BarChart)
	root = draw(t, bars)
	striped := root.all("chart-own-only")
	if len(striped) != 2 || !striped[0].hasClass("chart-bar") || !strings.HasPrefix(striped[0].attr("fill"), "url(#c8-own-") {
		t.Fatalf("own-only bar and legend sample: %+v", striped)
	}
	var values []string
	for _, n := range root.all("chart-value") {
		values = append(values, n.Text)
	}
	if strings.Join(values, "|") != "1\u00a0432|4 †|.." {
		t.Errorf("value labels %q", values)
	}
	if got, err := Sentence(bars.Facts(), Templates{Compare: "{highest} {lowest}", OwnOnly: "† {own_only}"}); err != nil || got != "Vaasa Kaskinen † 1" {
		t.Errorf("bar sentence %q (%v)", got, err)
	}
}
