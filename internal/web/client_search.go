package web

import (
	"net/http"
	"strconv"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// searchPage is the client search form and, after a search, its results.
// The form is posted, so that an identity code never goes into a URL.
type searchPage struct {
	Page
	Query      string
	QueryError string
	Summary    []summaryItem
	Searched   bool
	Results    []clientRow
	Count      string
}

// clientRow is one search result.
type clientRow struct {
	ID, Name, DateOfBirth, Municipality, ResidenceBasis string
	// Closed: the client relationship is closed (a tag after the name).
	Closed bool
}

// searchForm shows the empty form. A query in the URL is ignored on purpose:
// names and identity codes do not belong in addresses or access logs.
func (h *handler) searchForm(w http.ResponseWriter, r *http.Request) {
	if !server.From(r).Actor.Principal.Allowed(authz.ClientSearch, "").Allowed {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	h.render(w, r, http.StatusOK, "search", searchPage{Page: h.newPage(r, "title.search", "search")})
}

// search runs the posted query and shows the results on the same page.
func (h *handler) search(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	page := searchPage{Page: h.newPage(r, "title.search", "search"), Query: r.PostFormValue("query")}
	found, err := h.srv.Store().SearchClients(r.Context(), req.Actor, page.Query)
	if err != nil {
		var ok bool
		if page.QueryError, page.Summary, ok = h.singleFieldError(page.Page, err, "query", "label.query"); !ok {
			h.srv.Fail(w, r, err)
			return
		}
		page.HasErrors = true
		h.render(w, r, http.StatusUnprocessableEntity, "search", page)
		return
	}
	page.Searched = true
	page.Title = page.T("title.search_results")
	switch len(found) {
	case 0:
		page.Count = page.T("search.none")
	case 1:
		page.Count = page.T("search.count_one")
	default:
		page.Count = page.T("search.count", strconv.Itoa(len(found)))
	}
	for _, c := range found {
		basis := ""
		if c.ResidenceBasis != nil {
			basis = h.residenceLabel(req.Lang, c.ResidenceBasis.Type)
		}
		page.Results = append(page.Results, clientRow{ID: c.ID, Name: c.LastName + ", " + c.FirstNames,
			DateOfBirth: formatDate(req.Lang, c.DateOfBirth), Municipality: h.municipalityLabel(c.Municipality, req.Lang), ResidenceBasis: basis,
			Closed: c.Closed != nil})
	}
	h.render(w, r, http.StatusOK, "search", page)
}

// singleFieldError explains the validation failure of a one-field form (a
// search, a lookup, a reason): the translated message at the input with id
// and the error summary's link to it, labelled by labelKey. ok is false for
// any other error, which the caller answers as a failure.
func (h *handler) singleFieldError(p Page, err error, id, labelKey string) (msg string, summary []summaryItem, ok bool) {
	e := server.AsDomainError(err)
	if e.Code != model.CodeValidationFailed || len(e.Fields) == 0 {
		return "", nil, false
	}
	msg = h.srv.FieldMessage(p.Lang, e.Fields[0])
	return msg, []summaryItem{{Href: "#" + id, Text: p.T(labelKey) + ": " + msg}}, true
}
