package web

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/kotodigi/kotodigi/internal/chart"
	"github.com/kotodigi/kotodigi/internal/indicators"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/statfile"
	"github.com/kotodigi/kotodigi/internal/store"
)

// Knowledge management's pages (issue 11): the dashboards, the table
// builder and the indicator catalogue share the section's navigation, the
// chart blocks (chart, one-sentence summary, table, downloads) and the file
// downloads, which go through the API's code path with the periods named
// and the viewer's own unpublished figures marked
// (server.WriteAnnotatedIndicatorFile).

// kmPage is the part of every knowledge-management page: the section's own
// navigation and the snapshot the figures come from.
type kmPage struct {
	Page
	// Sub is the current page of the section: "dashboard", "table", "indicators".
	Sub string
	// Updated says when the figures were refreshed and which day's data they hold.
	Updated string
}

func (h *handler) newKMPage(r *http.Request, titleKey, sub string) kmPage {
	return kmPage{Page: h.newPage(r, titleKey, "statistics"), Sub: sub}
}

// setSnapshot names the snapshot the page's figures come from.
func (p *kmPage) setSnapshot(sn store.Snapshot) {
	if sn.ID == 0 {
		return
	}
	d := sn.DataDate
	p.Updated = p.T("km.updated", formatDate(p.Lang, &d), formatTime(p.Lang, sn.RefreshedAt))
}

// chartBlock is one chart with its summary sentence, its table and its
// downloads.
type chartBlock struct {
	ID       string
	Title    string
	Sentence string
	SVG      template.HTML
	Table    kmTable
	// Note says what the table holds beyond the chart (e.g. comparison rows).
	Note      string
	Downloads []download
	// Suppressed and Download are the block's words in the page's language.
	Suppressed, Download string
	// OwnOnly is the legend of the mark (†) of a figure shown to the
	// viewer's own municipality only, "" when the table has none; OwnOnlyCell
	// is the mark's words for a screen reader.
	OwnOnly, OwnOnlyCell string
}

// kmTable is a chart's table as the page shows it: a corner heading, the
// column headings and a row per series or period, oriented so that the
// smaller of the two runs across (a table fits a phone's width as long as
// it can).
type kmTable struct {
	Caption string
	Corner  string
	Columns []string
	Rows    []chart.TableRow
}

// newKMTable orients a chart's table: a line chart's table (series as rows,
// periods as columns, in short forms) is turned when it has fewer series
// than periods, and its rows then carry the periods' full names.
func newKMTable(p Page, t chart.Table, line bool, names []string) kmTable {
	out := kmTable{Caption: t.Caption, Corner: p.T("km.col_area"), Columns: t.Columns, Rows: t.Rows}
	if !line || len(t.Rows) >= len(t.Columns) {
		return out
	}
	out.Corner, out.Columns, out.Rows = p.T("km.col_period"), nil, make([]chart.TableRow, len(t.Columns))
	for i, c := range t.Columns {
		out.Rows[i].Header = c
		if len(names) == len(t.Columns) {
			out.Rows[i].Header = names[i]
		}
	}
	for _, r := range t.Rows {
		out.Columns = append(out.Columns, r.Header)
		for i, c := range r.Cells {
			out.Rows[i].Cells = append(out.Rows[i].Cells, c)
		}
	}
	return out
}

// newBlock is a block without chart: a table with the page's words.
func newBlock(p Page, id, title string, t kmTable) chartBlock {
	b := chartBlock{ID: id, Title: title, Table: t, Suppressed: p.T("km.suppressed"), Download: p.T("km.download")}
	for _, r := range t.Rows {
		for _, c := range r.Cells {
			if c.OwnOnly {
				b.OwnOnly, b.OwnOnlyCell = p.T("km.own_only"), p.T("indicators.file.suppressed_for_others")
			}
		}
	}
	return b
}

// download is a link to the block's table as a file.
type download struct {
	Label, Href string
	Format      string
}

// downloads are the CSV, XLSX and JSON-stat links of a page address with
// query v (format added).
func downloads(path string, v url.Values) []download {
	var out []download
	for _, f := range []struct{ format, label string }{{indicators.FormatCSV, "CSV"}, {indicators.FormatXLSX, "XLSX"}, {indicators.FormatJSONStat, "JSON-stat"}} {
		w := url.Values{}
		for k, vs := range v {
			w[k] = vs
		}
		w.Set("format", f.format)
		out = append(out, download{Label: f.label, Href: path + "?" + w.Encode(), Format: f.format})
	}
	return out
}

// isFileFormat reports whether format asks for a file download.
func isFileFormat(format string) bool {
	return format == indicators.FormatCSV || format == indicators.FormatXLSX || format == indicators.FormatJSONStat
}

// chartLabels are the chart's words in the page's language.
func (p Page) chartLabels(valueKey string) chart.Labels {
	return chart.Labels{Suppressed: p.T("km.suppressed"), Missing: p.T("km.missing"), Value: p.T(valueKey), OwnOnly: p.T("km.own_only_short")}
}

// sentenceTemplates are the summary sentences of a chart of unit.
func (p Page) sentenceTemplates(unit string) chart.Templates {
	suffix := ""
	if unit == indicators.UnitShare {
		suffix = "_share"
	}
	return chart.Templates{
		Trend: p.T("km.sentence.trend" + suffix), Level: p.T("km.sentence.level"),
		Compare: p.T("km.sentence.compare"), Single: p.T("km.sentence.single"),
		NoData: p.T("km.sentence.no_data"), Suppressed: p.T("km.sentence.suppressed"),
		OwnOnly: p.T("km.sentence.own_only"),
	}
}

// lineBlock draws a line chart (the first series is its subject) with its
// summary and table; extra rows go only into the table.
func (h *handler) lineBlock(p Page, id, title, unit string, periods periodNames, series, tableOnly []chart.Series) (chartBlock, error) {
	c := &chart.LineChart{ID: id, Title: title, Lang: p.Lang, Unit: statfile.Unit(unit), Periods: periods.short, PeriodNames: periods.long,
		Series: series, Labels: p.chartLabels("km.value")}
	s, err := chart.Sentence(c.Facts(), p.sentenceTemplates(unit))
	if err != nil {
		return chartBlock{}, err
	}
	c.Summary = s
	svg, err := c.SVG()
	if err != nil {
		return chartBlock{}, err
	}
	all := &chart.LineChart{Title: title, Lang: p.Lang, Unit: statfile.Unit(unit), Periods: periods.short, Series: append(append([]chart.Series(nil), series...), tableOnly...)}
	b := newBlock(p, id, title, newKMTable(p, all.Table(), true, periods.long))
	b.Sentence, b.SVG = s, svg
	return b, nil
}

// barBlock draws a bar chart with its summary and table.
func (h *handler) barBlock(p Page, id, title, unit string, bars []chart.Bar) (chartBlock, error) {
	c := &chart.BarChart{ID: id, Title: title, Lang: p.Lang, Unit: statfile.Unit(unit), Bars: bars, Labels: p.chartLabels("indicators.unit." + unit)}
	s, err := chart.Sentence(c.Facts(), p.sentenceTemplates(unit))
	if err != nil {
		return chartBlock{}, err
	}
	c.Summary = s
	svg, err := c.SVG()
	if err != nil {
		return chartBlock{}, err
	}
	b := newBlock(p, id, title, newKMTable(p, c.Table(), false, nil))
	b.Sentence, b.SVG = s, svg
	return b, nil
}

// cellValue is a table cell as a chart value: the viewer's own figure that
// everyone else sees suppressed is shown, marked.
func cellValue(c indicators.TableCell) chart.Value {
	return chart.Value{Value: c.Value, Suppressed: c.Suppressed, OwnOnly: c.SuppressedForOthers}
}

// periodNames are a table's periods in the page's language: short forms
// for chart axes and table columns, full names for row headings, titles
// and summaries. The codes (2026-07, 2026-Q3) stay in addresses and files.
type periodNames struct {
	short, long []string
}

// namePeriods names the periods of a table in lang.
func (h *handler) namePeriods(lang string, t store.IndicatorTable) periodNames {
	var out periodNames
	for _, p := range t.Periods {
		out.short = append(out.short, h.srv.PeriodName(lang, p, true))
		out.long = append(out.long, h.srv.PeriodName(lang, p, false))
	}
	return out
}

// areaSeries is one area's row of a table without breakdown, as a series.
func areaSeries(t store.IndicatorTable, area indicators.Area, lang string) chart.Series {
	s := chart.Series{Label: area.Name.In(lang)}
	for _, c := range t.Cells {
		if c.Area == area.Code {
			s.Values = append(s.Values, cellValue(c))
		}
	}
	return s
}

// writeMergedFile answers with the tables (one indicator, one period level,
// no breakdown, different areas) as one file: a dashboard chart's table.
func (h *handler) writeMergedFile(w http.ResponseWriter, r *http.Request, ts []store.IndicatorTable) {
	if len(ts) == 0 {
		h.srv.Fail(w, r, model.ErrNotFound)
		return
	}
	merged := ts[0]
	merged.Query.AreaLevel = "comparison"
	for _, t := range ts[1:] {
		merged.Areas = append(merged.Areas, t.Areas...)
		merged.Cells = append(merged.Cells, t.Cells...)
	}
	h.srv.WriteAnnotatedIndicatorFile(w, r, merged, "no-store")
}

// actorOf is the request's actor.
func actorOf(r *http.Request) store.Actor { return server.From(r).Actor }
