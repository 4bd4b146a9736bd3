package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/kotodigi/kotodigi/internal/chart"
	"github.com/kotodigi/kotodigi/internal/indicators"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/statfile"
	"github.com/kotodigi/kotodigi/internal/store"
)

// maxBars is the most bars the table builder draws (one period).
const maxBars = 40

// maxPageCells is the most figures the table builder's page shows.
const maxPageCells = 4000

// tableBuilderPage is the table builder: a GET form (indicator, area level,
// period level with from and to, one breakdown) and, once asked, the table,
// its chart when it fits one, and its downloads. The figures come from the
// same store call as the API's (store.IndicatorData), and the downloads
// from the same file code (server.WriteAnnotatedIndicatorFile).
type tableBuilderPage struct {
	kmPage
	Fields  []builderField
	Errors  map[string]string
	Summary *errorSummary
	// Asked: the form was sent and the table is shown.
	Asked bool
	Block chartBlock
	// NoChart says why the table has no chart ("" when it has one).
	NoChart string
	Unit    string
}

func (h *handler) tableBuilder(w http.ResponseWriter, r *http.Request) {
	st := h.srv.Store()
	page := tableBuilderPage{kmPage: h.newKMPage(r, "title.km.table", "table"), Errors: map[string]string{}}
	list, err := st.Indicators(r.Context(), actorOf(r))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	in := r.URL.Query()
	dataDate := st.Today()
	if sn, err := st.PublishedSnapshot(r.Context()); err == nil {
		dataDate = sn.DataDate
	}
	defaults := map[string]string{"area": indicators.AreaRegion, "period": indicators.PeriodYear,
		"from": model.Date{Year: dataDate.Year - dashboardYears + 1, Month: time.January, Day: 1}.String(), "to": dataDate.String()}
	if p := actorOf(r).Principal; p.OrgKind == indicators.AreaMunicipality {
		defaults["area"] = indicators.AreaMunicipality
	}
	_, page.Asked = in["area"]
	get := func(k string) string {
		if page.Asked {
			return in.Get(k)
		}
		return defaults[k]
	}
	chosen := in.Get("indicator")
	if chosen == "" && len(list) > 0 {
		chosen = list[0].ID
	}
	var inds, areas, periods, bys []option
	for _, ind := range list {
		inds = append(inds, option{Value: ind.ID, Label: ind.Name.In(page.Lang), Selected: ind.ID == chosen})
	}
	for _, l := range indicators.AreaLevels {
		areas = append(areas, option{Value: l, Label: page.T("indicators.area." + l), Selected: l == get("area")})
	}
	for _, l := range indicators.PeriodLevels {
		periods = append(periods, option{Value: l, Label: page.T("indicators.period." + l), Selected: l == get("period")})
	}
	bys = append(bys, option{Value: "", Label: page.T("km.by_none"), Selected: get("by") == ""})
	for _, d := range st.IndicatorCatalogue().Dimensions {
		bys = append(bys, option{Value: d.ID, Label: d.Name.In(page.Lang), Selected: d.ID == get("by")})
	}
	page.Fields = []builderField{
		{Name: "indicator", Options: inds}, {Name: "area", Options: areas}, {Name: "period", Options: periods},
		{Name: "from", Value: get("from")}, {Name: "to", Value: get("to")}, {Name: "by", Options: bys},
	}
	for i := range page.Fields {
		f := &page.Fields[i]
		f.ID, f.Label = builderFieldID(f.Name), page.T("km.field."+f.Name)
	}
	if !page.Asked {
		h.render(w, r, http.StatusOK, "km_table", page)
		return
	}
	t, err := h.builderTable(r, in, chosen)
	if err != nil {
		e, ok := err.(*model.Error)
		if !ok || len(e.Fields) == 0 {
			h.srv.Fail(w, r, err)
			return
		}
		var items []summaryItem
		for _, f := range e.Fields {
			msg := h.srv.FieldMessage(page.Lang, f)
			if _, dup := page.Errors[f.Field]; !dup {
				page.Errors[f.Field] = msg
				items = append(items, summaryItem{Href: "#" + builderFieldID(f.Field), Text: msg})
			}
		}
		for i := range page.Fields {
			page.Fields[i].Error = page.Errors[page.Fields[i].Name]
		}
		page.Asked, page.HasErrors, page.Summary = false, true, page.Summarize(items)
		h.render(w, r, http.StatusUnprocessableEntity, "km_table", page)
		return
	}
	if isFileFormat(t.Query.Format) {
		h.srv.WriteAnnotatedIndicatorFile(w, r, t, "no-store")
		return
	}
	page.setSnapshot(t.Snapshot)
	page.Title += ": " + t.Indicator.Name.In(page.Lang)
	page.Unit = page.T("indicators.unit." + t.Indicator.Unit)
	page.Block, page.NoChart, err = h.builderBlock(page.Page, t)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	q := url.Values{}
	for _, k := range []string{"indicator", "area", "period", "from", "to", "by"} {
		q.Set(k, in.Get(k))
	}
	page.Block.Downloads = downloads("/statistics/table", q)
	h.render(w, r, http.StatusOK, "km_table", page)
}

// builderField is one field of the table builder's form: a select (with
// Options) or a date.
type builderField struct {
	ID, Name, Label, Value, Error string
	Options                       []option
}

// fieldID is the id of the table builder's form field for a query parameter.
func builderFieldID(param string) string {
	switch param {
	case "area", "period", "from", "to", "by", "indicator":
		return "tb-" + param
	}
	return "tb-indicator"
}

// builderTable parses the form as the API parses its query and reads the
// table with the API's store call (audited as indicator.read).
func (h *handler) builderTable(r *http.Request, in url.Values, id string) (store.IndicatorTable, error) {
	st := h.srv.Store()
	ind, err := st.IndicatorByID(r.Context(), id)
	if err != nil {
		return store.IndicatorTable{}, &model.Error{Code: model.CodeValidationFailed, Fields: []model.FieldError{{Field: "indicator", Code: model.FieldInvalidChoice}}}
	}
	v := url.Values{}
	for k, vs := range in {
		if k != "indicator" && !(k == "by" && len(vs) == 1 && vs[0] == "") {
			v[k] = vs
		}
	}
	q, err := indicators.ParseQuery(ind, v)
	if err != nil {
		return store.IndicatorTable{}, err
	}
	if !isFileFormat(q.Format) {
		q.Format = "page"
	}
	return st.IndicatorData(r.Context(), actorOf(r), q)
}

// builderBlock draws the table, and its chart when one fits: bars for one
// period, lines for at most chart.MaxSeries rows over several periods.
func (h *handler) builderBlock(p Page, t store.IndicatorTable) (chartBlock, string, error) {
	km := h.srv.Store().IndicatorCatalogue()
	names := h.namePeriods(p.Lang, t)
	periods := names.short
	labels := map[string]string{}
	if t.Query.By != "" {
		for _, k := range km.Dimension(t.Query.By).Categories {
			labels[k.ID] = " – " + k.Label.In(p.Lang)
		}
	}
	// Assemble orders the cells by area, period and category.
	np, nc := len(t.Periods), len(t.Categories)
	rows := make([]chart.Series, 0, len(t.Areas)*nc)
	if len(t.Cells) == len(t.Areas)*np*nc {
		for ai, a := range t.Areas {
			for ci, cat := range t.Categories {
				s := chart.Series{Label: a.Name.In(p.Lang) + labels[cat], Values: make([]chart.Value, np)}
				for pi := range np {
					s.Values[pi] = cellValue(t.Cells[(ai*np+pi)*nc+ci])
				}
				rows = append(rows, s)
			}
		}
	}
	// A page shows at most maxPageCells figures: beyond that a table is
	// read from its download, not from a page.
	shown := ""
	if np > 0 && len(rows)*np > maxPageCells {
		keep := max(1, maxPageCells/np)
		shown = p.T("km.table.partial", keep, len(rows))
		rows = rows[:keep]
	}
	title := t.Indicator.Name.In(p.Lang) + ", " + p.T("indicators.area."+t.Query.AreaLevel)
	if t.Query.By != "" {
		title += ", " + km.Dimension(t.Query.By).Name.In(p.Lang)
	}
	unit := t.Indicator.Unit
	switch {
	case len(rows) == 0:
		return newBlock(p, "table", title, kmTable{Caption: title}), p.T("km.no_chart.empty"), nil
	case len(periods) == 1 && len(rows) <= maxBars:
		var bars []chart.Bar
		for _, s := range rows {
			bars = append(bars, chart.Bar{Label: s.Label, Value: s.Values[0]})
		}
		b, err := h.barBlock(p, "table", title+" "+names.long[0], unit, bars)
		// A table of one period reads better with the period as its column.
		b.Table.Columns = names.long
		return b, "", err
	case len(periods) > 1 && len(rows) <= chart.MaxSeries:
		b, err := h.lineBlock(p, "table", title, unit, names, rows, nil)
		return b, "", err
	}
	lc := &chart.LineChart{Title: title, Lang: p.Lang, Periods: periods, Series: rows, Unit: statfile.Unit(unit)}
	b := newBlock(p, "table", title, newKMTable(p, lc.Table(), true, names.long))
	b.Note = shown
	return b, p.T("km.no_chart.too_many", chart.MaxSeries, maxBars), nil
}
