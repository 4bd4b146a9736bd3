package web

import (
	"net/http"
	"slices"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// dataQualityPage is a municipality's data quality for its main users: how
// many of its own records keep its figures incomplete, each count linking to
// the records concerned.
type dataQualityPage struct {
	Page
	Municipality string
	Checks       []qualityCheck
}

type qualityCheck struct {
	ID, Name, Hint string
	Count          int
	Href           string
}

func (h *handler) dataQuality(w http.ResponseWriter, r *http.Request) {
	page := dataQualityPage{Page: h.newPage(r, "title.data_quality", "data_quality")}
	muni, ok := ownMunicipality(server.From(r).Actor.Principal, authz.DataQualityRead)
	if !ok {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	counts, err := h.srv.Store().DataQuality(r.Context(), actorOf(r), muni)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page.Municipality = h.municipalityLabel(muni, page.Lang)
	for _, c := range counts {
		page.Checks = append(page.Checks, qualityCheck{ID: c.Check, Name: page.T("quality." + c.Check), Hint: page.T("quality." + c.Check + ".hint"),
			Count: c.Count, Href: "/data-quality/" + c.Check})
	}
	h.render(w, r, http.StatusOK, "data_quality", page)
}

// dataQualityListPage lists the own records one check finds.
type dataQualityListPage struct {
	Page
	Hint string
	// DateHeading heads the date column ("" for checks of clients).
	DateHeading string
	KindHeading string
	Items       []qualityRow
}

type qualityRow struct {
	Name, Href, Date, Kind string
}

func (h *handler) dataQualityList(w http.ResponseWriter, r *http.Request) {
	check := r.PathValue("check")
	if !slices.Contains(store.QualityChecks, check) {
		h.srv.Fail(w, r, model.ErrNotFound)
		return
	}
	page := dataQualityListPage{Page: h.newPage(r, "quality."+check, "data_quality"), Hint: h.cat.T(server.From(r).Lang, "quality."+check+".hint")}
	p := server.From(r).Actor.Principal
	muni, ok := ownMunicipality(p, authz.DataQualityClients)
	if !ok {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	items, err := h.srv.Store().DataQualityItems(r.Context(), actorOf(r), muni, check)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	switch check {
	case store.QualityPlanOverdue:
		page.DateHeading = page.T("quality.col_due")
	case store.QualityServiceOpen:
		page.DateHeading, page.KindHeading = page.T("quality.col_started"), page.T("quality.col_service_type")
	}
	// The client's page opens only with a grant from the municipality.
	canRead := p.Allowed(authz.ClientRead, muni).Allowed
	for _, it := range items {
		row := qualityRow{Name: it.ClientName, Date: formatDate(page.Lang, it.Date)}
		if canRead {
			row.Href = "/clients/" + it.ClientID
		}
		if page.KindHeading != "" {
			row.Kind = page.T("service_type." + it.Kind)
		}
		page.Items = append(page.Items, row)
	}
	h.render(w, r, http.StatusOK, "data_quality_list", page)
}
