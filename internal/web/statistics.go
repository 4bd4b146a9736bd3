package web

import (
	"net/http"
	"slices"

	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// statisticsPage shows registered clients per group in the statistician's
// area: a table with every cell (suppressed ones marked) and an accessible
// SVG bar chart of the largest visible counts. The same suppression as the
// API applies (store.ClientStatistics).
type statisticsPage struct {
	Page
	GroupBy  string
	Groups   []statGroup
	Rows     []statRow
	Bars     []statBar
	ChartH   int
	Hidden   int
	Total    int
	ChartMax int
}

type statGroup struct {
	Value, Label string
	Selected     bool
}

type statRow struct {
	Key, Name  string
	Count      int
	Suppressed bool
}

// statBar is one bar of the chart, in SVG user units.
type statBar struct {
	Name        string
	Count       int
	Y, Width    int
	LabelY      int
	ValueX      int
	Description string
}

const (
	chartBars     = 25
	chartBarH     = 22
	chartBarGap   = 6
	chartLabelW   = 220
	chartBarMaxW  = 420
	chartTopSpace = 4
)

func (h *handler) statistics(w http.ResponseWriter, r *http.Request) {
	page := statisticsPage{Page: h.newPage(r, "title.statistics", "statistics"), GroupBy: r.URL.Query().Get("group_by")}
	if !slices.Contains(store.Groupings, page.GroupBy) {
		page.GroupBy = "region"
	}
	for _, g := range store.Groupings {
		page.Groups = append(page.Groups, statGroup{Value: g, Label: page.T("statistics.group." + g), Selected: g == page.GroupBy})
	}
	page.Title += ": " + page.T("statistics.group."+page.GroupBy)
	cells, err := h.srv.Store().ClientStatistics(r.Context(), server.From(r).Actor, page.GroupBy)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	for _, c := range cells {
		row := statRow{Key: c.Key, Name: h.groupName(page.GroupBy, c.Key, page.Lang), Suppressed: c.Suppressed}
		if c.Count != nil {
			row.Count = *c.Count
			page.Total += row.Count
		} else {
			page.Hidden++
		}
		page.Rows = append(page.Rows, row)
	}
	visible := slices.Clone(page.Rows)
	visible = slices.DeleteFunc(visible, func(r statRow) bool { return r.Suppressed || r.Count == 0 })
	slices.SortStableFunc(visible, func(a, b statRow) int { return b.Count - a.Count })
	if len(visible) > chartBars {
		visible = visible[:chartBars]
	}
	if len(visible) > 0 {
		page.ChartMax = visible[0].Count
	}
	for i, v := range visible {
		y := chartTopSpace + i*(chartBarH+chartBarGap)
		width := 1
		if page.ChartMax > 0 {
			width = max(1, v.Count*chartBarMaxW/page.ChartMax)
		}
		page.Bars = append(page.Bars, statBar{Name: v.Name, Count: v.Count, Y: y, Width: width, LabelY: y + chartBarH/2 + 5,
			ValueX: chartLabelW + width + 6, Description: page.T("statistics.bar", v.Name, v.Count)})
	}
	page.ChartH = chartTopSpace*2 + len(page.Bars)*(chartBarH+chartBarGap)
	h.render(w, r, http.StatusOK, "statistics", page)
}

// groupName names a municipality, wellbeing services county or region in
// the page language (Finnish for English, which the classifications lack).
func (h *handler) groupName(groupBy, key, lang string) string {
	ref := h.srv.Store().RefData()
	pick := func(fi, sv string) string {
		if lang == "sv" && sv != "" {
			return sv
		}
		return fi
	}
	switch groupBy {
	case "municipality":
		if m, ok := ref.Municipality(key); ok {
			return pick(m.NameFi, m.NameSv)
		}
	case "wellbeing_county":
		if c, ok := ref.WellbeingCounty(key); ok {
			return pick(c.NameFi, c.NameSv)
		}
	case "region":
		if g, ok := ref.Region(key); ok {
			return pick(g.NameFi, g.NameSv)
		}
	}
	return key
}
