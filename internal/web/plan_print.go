package web

import "net/http"

// planPrintPage is the integration plan laid out for paper, to hand to the
// client. The plan itself is in the client's service language (Finnish or
// Swedish) whatever language the user reads the UI in; only the screen-only
// instructions around it follow the UI.
//
// The client is identified by name and date of birth. The personal identity
// code is left out on purpose: the paper is the client's own copy, which the
// client may show to course providers and others, and a name with a date of
// birth is enough to tell whose plan it is; the identity code on loose paper
// would add the risk of misuse (identity theft) and nothing the reader needs.
// The record in the system is linked to the client anyway.
type planPrintPage struct {
	Page
	// DocLang is the language of the printed plan (the client's service language).
	DocLang string
	// DocLanguage names DocLang in the UI language, for the screen-only note.
	DocLanguage string
	ClientID    string
	ClientName  string
	DateOfBirth string
	// Municipality is the municipality that drew up the plan, in DocLang.
	Municipality string
	Plan         planView
	Reviews      []reviewRow
	Printed      string
}

// D translates key into the printed plan's language.
func (p planPrintPage) D(key string, args ...any) string { return p.cat.T(p.DocLang, key, args...) }

func (h *handler) planPrint(w http.ResponseWriter, r *http.Request) {
	c, p, err := h.clientPlan(r)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	doc := c.ServiceLanguage
	if doc != "sv" {
		doc = "fi" // R4: the service language is Finnish or Swedish
	}
	page := planPrintPage{Page: h.newPage(r, "title.plan_print", ""), DocLang: doc, ClientID: c.ID,
		ClientName: c.FirstNames + " " + c.LastName, DateOfBirth: formatDate(doc, c.DateOfBirth),
		Municipality: h.srv.Store().MunicipalityName(p.Municipality, doc), Plan: h.planView(doc, p)}
	page.PrintDocument = true
	page.DocLanguage = h.serviceLanguageLabel(page.Lang, doc)
	today := h.srv.Store().Today()
	page.Printed = formatDate(doc, &today)
	for _, rv := range p.Reviews {
		page.Reviews = append(page.Reviews, reviewRow{Date: formatDate(doc, &rv.Date), Changes: rv.Changes})
	}
	if c.DateOfBirth == nil {
		page.DateOfBirth = page.D("print.not_given")
	}
	h.render(w, r, http.StatusOK, "plan_print", page)
}
