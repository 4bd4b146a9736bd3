package web

import (
	"net/http"

	"github.com/kotodigi/kotodigi/internal/indicators"
	"github.com/kotodigi/kotodigi/internal/locale"
)

// indicatorsPage is the indicator catalogue: every indicator whose data
// exists, with its definition and unit, each linking to its own page.
type indicatorsPage struct {
	kmPage
	Items []indicatorItem
}

// indicatorItem is one indicator in the page's language.
type indicatorItem struct {
	ID, Name, Definition, Unit, PeriodType, Numerator, Denominator string
	Breakdowns                                                     []breakdownItem
	Sources                                                        []sourceItem
	// Other are the name and definition in the other two languages.
	Other []otherLanguage
}

type breakdownItem struct {
	Name, Definition string
	Categories       []string
}

type sourceItem struct{ Table, Name string }

type otherLanguage struct {
	Lang, LangName, Name, Definition string
}

func (h *handler) indicatorCatalogue(w http.ResponseWriter, r *http.Request) {
	page := indicatorsPage{kmPage: h.newKMPage(r, "title.km.indicators", "indicators")}
	list, err := h.srv.Store().Indicators(r.Context(), actorOf(r))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	for i := range list {
		page.Items = append(page.Items, h.indicatorItem(page.Page, &list[i]))
	}
	h.render(w, r, http.StatusOK, "km_indicators", page)
}

// indicatorPage is one indicator's definition.
type indicatorPage struct {
	kmPage
	indicatorItem
	TableHref string
}

func (h *handler) indicator(w http.ResponseWriter, r *http.Request) {
	page := indicatorPage{kmPage: h.newKMPage(r, "title.km.indicators", "indicators")}
	// The catalogue call checks that the caller may read indicators at all.
	if _, err := h.srv.Store().Indicators(r.Context(), actorOf(r)); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	ind, err := h.srv.Store().IndicatorByID(r.Context(), r.PathValue("id"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page.indicatorItem = h.indicatorItem(page.Page, ind)
	page.Title = page.Name
	page.TableHref = "/statistics/table?indicator=" + ind.ID
	h.render(w, r, http.StatusOK, "km_indicator", page)
}

// indicatorItem describes ind in the page's language.
func (h *handler) indicatorItem(p Page, ind *indicators.Indicator) indicatorItem {
	km := h.srv.Store().IndicatorCatalogue()
	it := indicatorItem{ID: ind.ID, Name: ind.Name.In(p.Lang), Definition: ind.Definition.In(p.Lang),
		Unit: p.T("indicators.unit." + ind.Unit), PeriodType: p.T("km.period_type." + ind.PeriodType), Numerator: ind.Numerator.In(p.Lang)}
	if ind.Denominator != nil {
		it.Denominator = ind.Denominator.In(p.Lang)
	}
	for _, b := range ind.Breakdowns {
		d := km.Dimension(b)
		bi := breakdownItem{Name: d.Name.In(p.Lang), Definition: d.Source.In(p.Lang)}
		for _, c := range d.Categories {
			bi.Categories = append(bi.Categories, c.Label.In(p.Lang))
		}
		it.Breakdowns = append(it.Breakdowns, bi)
	}
	for _, s := range ind.Sources {
		it.Sources = append(it.Sources, sourceItem{Table: s, Name: p.T("km.source." + s)})
	}
	for _, l := range locale.Languages {
		if l != p.Lang {
			it.Other = append(it.Other, otherLanguage{Lang: l, LangName: p.T("km.lang." + l), Name: ind.Name.In(l), Definition: ind.Definition.In(l)})
		}
	}
	return it
}
