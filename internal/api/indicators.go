package api

import (
	"net/http"

	"github.com/kotodigi/kotodigi/internal/indicators"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// indicatorItem is an indicator as GET /api/v1/indicators lists it.
type indicatorItem struct {
	ID          string           `json:"id"`
	Name        indicators.Text  `json:"name"`
	Definition  indicators.Text  `json:"definition"`
	Unit        string           `json:"unit"`
	PeriodType  string           `json:"period_type"`
	Numerator   indicators.Text  `json:"numerator"`
	Denominator *indicators.Text `json:"denominator"`
	Breakdowns  []string         `json:"breakdowns"`
	Sources     []string         `json:"sources"`
}

// dimensionItem is a breakdown with its categories.
type dimensionItem struct {
	ID         string                `json:"id"`
	Name       indicators.Text       `json:"name"`
	Definition indicators.Text       `json:"definition"`
	Categories []indicators.Category `json:"categories"`
}

func (a *API) listIndicators(w http.ResponseWriter, r *http.Request) {
	st := a.srv.Store()
	list, err := st.Indicators(r.Context(), server.From(r).Actor)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	items := make([]indicatorItem, 0, len(list))
	for _, ind := range list {
		items = append(items, indicatorItem{ID: ind.ID, Name: ind.Name, Definition: ind.Definition, Unit: ind.Unit, PeriodType: ind.PeriodType,
			Numerator: ind.Numerator, Denominator: ind.Denominator, Breakdowns: ind.Breakdowns, Sources: ind.Sources})
	}
	dims := []dimensionItem{}
	for _, d := range st.IndicatorCatalogue().Dimensions {
		dims = append(dims, dimensionItem{ID: d.ID, Name: d.Name, Definition: d.Source, Categories: d.Categories})
	}
	server.JSON(w, http.StatusOK, map[string]any{"items": items, "dimensions": dims})
}

// indicatorData is the answer of GET /api/v1/indicators/{id}/data (JSON).
type indicatorData struct {
	Indicator string                 `json:"indicator"`
	Unit      string                 `json:"unit"`
	Snapshot  store.Snapshot         `json:"snapshot"`
	Cells     []indicators.TableCell `json:"cells"`
}

func (a *API) getIndicatorData(w http.ResponseWriter, r *http.Request) {
	st := a.srv.Store()
	ind, q, ok := a.indicatorQuery(w, r)
	if !ok {
		return
	}
	handled, snapshot := a.cachedIndicatorData(w, r, ind, q)
	if handled {
		return
	}
	t, err := st.IndicatorData(r.Context(), server.From(r).Actor, q)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	ans, err := a.openAnswer(r, t)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	if t.Snapshot.ID == snapshot {
		a.answers.put(snapshot, answerKey(r, ind, q), cachedAnswer{openAnswer: ans, figures: len(t.Cells)})
	}
	writeAnswer(w, ans, "no-store")
}

// indicatorQuery reads the indicator named in the path and the query of
// its data; on failure it has answered with the problem.
func (a *API) indicatorQuery(w http.ResponseWriter, r *http.Request) (*indicators.Indicator, indicators.Query, bool) {
	ind, err := a.srv.Store().IndicatorByID(r.Context(), r.PathValue("id"))
	if err != nil {
		a.srv.Problem(w, r, err)
		return nil, indicators.Query{}, false
	}
	q, err := indicators.ParseQuery(ind, r.URL.Query())
	if err != nil {
		a.srv.Problem(w, r, err)
		return nil, indicators.Query{}, false
	}
	return ind, q, true
}
