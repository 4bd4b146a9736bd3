package web

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/kotodigi/kotodigi/internal/chart"
	"github.com/kotodigi/kotodigi/internal/indicators"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// keyIndicators are the dashboards' indicators, in order (those whose data
// does not exist yet are left out).
var keyIndicators = []string{"clients_registered", "assessments_completed", "plans_started", "services_started",
	"days_permit_to_assessment", "plans_reviewed_on_time", "jobseeker_share"}

// dashboardYears is how many years back the dashboards reach.
const dashboardYears = 3

// dashboardPage is a municipality's dashboard (its indicators over time next
// to its region and the country) or the national and regional dashboard
// (areas compared in bars).
type dashboardPage struct {
	kmPage
	// Municipal: the municipality's dashboard (else the areas' one).
	Municipal bool
	AreaName  string
	Levels    []option
	Years     []option
	Blocks    []chartBlock
}

// dashboardChart is one chart of a dashboard: an indicator and the queries
// its table is made of.
type dashboardChart struct {
	ind     *indicators.Indicator
	queries []indicators.Query
}

func (h *handler) dashboard(w http.ResponseWriter, r *http.Request) {
	p := server.From(r).Actor.Principal
	page := dashboardPage{kmPage: h.newKMPage(r, "title.km.dashboard", "dashboard")}
	st := h.srv.Store()
	dataDate := st.Today()
	if sn, err := st.PublishedSnapshot(r.Context()); err == nil {
		dataDate = sn.DataDate
	}
	geo := st.IndicatorGeography()
	v := geo.ViewerFor(p.OrgKind, p.OrgCode)
	var charts []dashboardChart
	var own indicators.Area
	if p.OrgKind == indicators.AreaMunicipality {
		page.Municipal = true
		charts, own = h.municipalCharts(r, geo, p.OrgCode, dataDate)
	} else {
		charts, own = h.areaCharts(r, &page, geo, v, p.OrgKind, p.OrgCode, dataDate)
	}
	page.AreaName = own.Name.In(page.Lang)
	if id := r.URL.Query().Get("chart"); id != "" {
		h.dashboardFile(w, r, charts, id)
		return
	}
	var qs []indicators.Query
	for _, c := range charts {
		qs = append(qs, c.queries...)
	}
	tables, err := st.IndicatorTables(r.Context(), actorOf(r), qs)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if len(tables) > 0 {
		page.setSnapshot(tables[0].Snapshot)
	}
	for _, c := range charts {
		ts := tables[:len(c.queries)]
		tables = tables[len(c.queries):]
		var b chartBlock
		if page.Municipal {
			b, err = h.municipalBlock(page.Page, c, ts)
		} else {
			b, err = h.areaBlock(page.Page, c, ts, own)
		}
		if err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		q := r.URL.Query()
		q.Del("format")
		q.Set("chart", b.ID)
		b.Downloads = downloads("/statistics", q)
		page.Blocks = append(page.Blocks, b)
	}
	h.render(w, r, http.StatusOK, "km_dashboard", page)
}

// dashboardFile answers with one chart's table as a file (format in the query).
func (h *handler) dashboardFile(w http.ResponseWriter, r *http.Request, charts []dashboardChart, id string) {
	format := r.URL.Query().Get("format")
	i := slices.IndexFunc(charts, func(c dashboardChart) bool { return chartID(c) == id })
	if i < 0 || !isFileFormat(format) {
		h.srv.Fail(w, r, model.ErrNotFound)
		return
	}
	qs := slices.Clone(charts[i].queries)
	for k := range qs {
		qs[k].Format = format
	}
	tables, err := h.srv.Store().IndicatorTables(r.Context(), actorOf(r), qs)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.writeMergedFile(w, r, tables)
}

// chartID is a dashboard chart's id on the page and in its download links.
func chartID(c dashboardChart) string {
	if len(c.queries) > 0 && c.queries[0].PeriodLevel == indicators.PeriodQuarter && len(c.queries) == 1 && c.queries[0].AreaLevel != indicators.AreaMunicipality {
		return "trend-" + c.ind.ID
	}
	return c.ind.ID
}

// available returns the key indicators whose data exists.
func (h *handler) available(r *http.Request) []*indicators.Indicator {
	var out []*indicators.Indicator
	for _, id := range keyIndicators {
		if ind, err := h.srv.Store().IndicatorByID(r.Context(), id); err == nil {
			out = append(out, ind)
		}
	}
	return out
}

// dashboardSpan is the quarters the dashboards' time series cover: from the
// start of the year dashboardYears-1 years before the data date's to it.
func dashboardSpan(dataDate model.Date) (model.Date, model.Date) {
	return model.Date{Year: dataDate.Year - dashboardYears + 1, Month: time.January, Day: 1}, dataDate
}

// municipalCharts are a municipality's charts: each key indicator by
// quarter for the municipality, its region and the country.
func (h *handler) municipalCharts(r *http.Request, geo *indicators.Geography, code string, dataDate model.Date) ([]dashboardChart, indicators.Area) {
	own, _ := geo.Area(indicators.AreaMunicipality, code)
	region := ""
	for _, a := range geo.Areas(indicators.AreaRegion) {
		if slices.Contains(a.Municipalities, code) {
			region = a.Code
		}
	}
	from, to := dashboardSpan(dataDate)
	levels := []string{indicators.AreaMunicipality}
	if region != "" {
		levels = append(levels, indicators.AreaRegion)
	}
	levels = append(levels, indicators.AreaCountry)
	var out []dashboardChart
	for _, ind := range h.available(r) {
		c := dashboardChart{ind: ind}
		for _, l := range levels {
			c.queries = append(c.queries, indicators.Query{Indicator: ind.ID, AreaLevel: l, PeriodLevel: indicators.PeriodQuarter, From: from, To: to, Format: "page"})
		}
		out = append(out, c)
	}
	return out, own
}

// municipalBlock draws one indicator of a municipality's dashboard. Counts
// of the municipality, its region and the country differ by orders of
// magnitude: their chart shows the municipality and the table all three;
// medians and shares are drawn together.
func (h *handler) municipalBlock(p Page, c dashboardChart, ts []store.IndicatorTable) (chartBlock, error) {
	var series []chart.Series
	for _, t := range ts {
		for _, a := range t.Areas {
			series = append(series, areaSeries(t, a, p.Lang))
		}
	}
	if len(series) == 0 {
		return chartBlock{}, model.ErrNotFound
	}
	var tableOnly []chart.Series
	note := ""
	if c.ind.Unit == indicators.UnitCount && len(series) > 1 {
		series, tableOnly = series[:1], series[1:]
		note = p.T("km.note.counts_comparison", series[0].Label)
	}
	b, err := h.lineBlock(p, chartID(c), c.ind.Name.In(p.Lang), c.ind.Unit, h.namePeriods(p.Lang, ts[0]), series, tableOnly)
	b.Note = note
	return b, err
}

// areaCharts are the national and regional dashboard's charts: the
// viewer's own area's registrations by quarter, then each key indicator in
// the chosen year for every area of the chosen level, as bars. It fills the
// page's choices of level and year.
func (h *handler) areaCharts(r *http.Request, page *dashboardPage, geo *indicators.Geography, v indicators.Viewer, kind, code string, dataDate model.Date) ([]dashboardChart, indicators.Area) {
	own, ok := geo.Area(kind, code)
	switch kind {
	case "tem", "keha":
		own, ok = geo.Area(indicators.AreaCountry, indicators.CountryCode)
	}
	q := r.URL.Query()
	var levels []string
	for _, l := range []string{indicators.AreaMunicipality, indicators.AreaWellbeingCounty, indicators.AreaRegion, indicators.AreaRegionalCentre} {
		n := 0
		for _, a := range geo.Areas(l) {
			if geo.Visible(v, a) && len(a.Municipalities) > 0 {
				n++
			}
		}
		if n >= 2 && n <= 40 {
			levels = append(levels, l)
		}
	}
	level := q.Get("level")
	if !slices.Contains(levels, level) && len(levels) > 0 {
		level = levels[0]
		if slices.Contains(levels, indicators.AreaRegion) && own.Level == indicators.AreaCountry {
			level = indicators.AreaRegion
		}
	}
	for _, l := range levels {
		page.Levels = append(page.Levels, option{Value: l, Label: page.T("indicators.area." + l), Selected: l == level})
	}
	year, err := strconv.Atoi(q.Get("year"))
	if err != nil || year > dataDate.Year || year <= dataDate.Year-dashboardYears {
		year = dataDate.Year
	}
	for y := dataDate.Year; y > dataDate.Year-dashboardYears; y-- {
		page.Years = append(page.Years, option{Value: strconv.Itoa(y), Label: strconv.Itoa(y), Selected: y == year})
	}
	var out []dashboardChart
	inds := h.available(r)
	if ok && len(inds) > 0 {
		from, to := dashboardSpan(dataDate)
		out = append(out, dashboardChart{ind: inds[0], queries: []indicators.Query{{Indicator: inds[0].ID, AreaLevel: own.Level,
			PeriodLevel: indicators.PeriodQuarter, From: from, To: to, Format: "page"}}})
	}
	if level == "" {
		return out, own
	}
	from, to := model.Date{Year: year, Month: time.January, Day: 1}, model.Date{Year: year, Month: time.December, Day: 31}
	for _, ind := range inds {
		out = append(out, dashboardChart{ind: ind, queries: []indicators.Query{{Indicator: ind.ID, AreaLevel: level,
			PeriodLevel: indicators.PeriodYear, From: from, To: to, Format: "page"}}})
	}
	return out, own
}

// areaBlock draws one chart of the national and regional dashboard: the own
// area's trend as a line, a comparison of areas as bars (largest first,
// suppressed ones last).
func (h *handler) areaBlock(p Page, c dashboardChart, ts []store.IndicatorTable, own indicators.Area) (chartBlock, error) {
	t := ts[0]
	title := c.ind.Name.In(p.Lang)
	if chartID(c) != c.ind.ID {
		return h.lineBlock(p, chartID(c), title+" – "+own.Name.In(p.Lang), c.ind.Unit, h.namePeriods(p.Lang, t), []chart.Series{areaSeries(t, own, p.Lang)}, nil)
	}
	var bars []chart.Bar
	for _, a := range t.Areas {
		if len(a.Municipalities) == 0 {
			continue
		}
		s := areaSeries(t, a, p.Lang)
		bars = append(bars, chart.Bar{Label: s.Label, Value: s.Values[0], Highlight: a.Code == own.Code && a.Level == own.Level})
	}
	slices.SortStableFunc(bars, func(a, b chart.Bar) int {
		av, bv := a.Value.Value, b.Value.Value
		switch {
		case a.Value.Suppressed || av == nil:
			if b.Value.Suppressed || bv == nil {
				return 0
			}
			return 1
		case b.Value.Suppressed || bv == nil:
			return -1
		}
		return cmp.Compare(*bv, *av)
	})
	if len(bars) == 0 {
		bars = append(bars, chart.Bar{Label: own.Name.In(p.Lang)})
	}
	title += ", " + p.T("indicators.area."+t.Query.AreaLevel) + " " + h.srv.PeriodName(p.Lang, t.Periods[0], false)
	return h.barBlock(p, chartID(c), title, c.ind.Unit, bars)
}
