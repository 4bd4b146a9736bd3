package web

import (
	"net/http"
	"strings"

	"github.com/kotodigi/kotodigi/internal/server"
)

// legalHoldPage sets or clears a client's legal hold (it stops retention
// from removing the client), for the responsible municipality's main user
// or KEHA-keskus' admin. Reached from the data-request lookup's result; it
// shows the hold, never the client's data.
type legalHoldPage struct {
	Page
	ClientID             string
	Held                 bool
	Reason, SetAt, SetBy string
	Input, InputError    string
	Summary              []summaryItem
	Done                 string
}

func (h *handler) legalHoldPage(w http.ResponseWriter, r *http.Request, status int, page legalHoldPage) {
	req := server.From(r)
	hold, err := h.srv.Store().LegalHoldOf(r.Context(), req.Actor, r.PathValue("id"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page.ClientID = r.PathValue("id")
	if hold != nil {
		page.Held, page.Reason, page.SetAt = true, hold.Reason, formatTime(req.Lang, hold.SetAt)
		page.SetBy = h.organisationNames(r)(hold.Organisation)
	}
	switch r.URL.Query().Get("done") {
	case "set":
		page.Done = page.T("hold.done_set")
	case "cleared":
		page.Done = page.T("hold.done_cleared")
	}
	h.render(w, r, status, "legal_hold", page)
}

func (h *handler) legalHold(w http.ResponseWriter, r *http.Request) {
	h.legalHoldPage(w, r, http.StatusOK, legalHoldPage{Page: h.newPage(r, "title.legal_hold", "lookup")})
}

func (h *handler) setLegalHold(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	id := r.PathValue("id")
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	_, err := h.srv.Store().SetLegalHold(r.Context(), req.Actor, id, reason)
	if err == nil {
		redirect(w, r, "/clients/"+id+"/legal-hold?done=set")
		return
	}
	page := legalHoldPage{Page: h.newPage(r, "title.legal_hold", "lookup"), Input: reason}
	var ok bool
	if page.InputError, page.Summary, ok = h.singleFieldError(page.Page, err, "reason", "label.hold_reason"); !ok {
		h.srv.Fail(w, r, err)
		return
	}
	page.HasErrors = true
	h.legalHoldPage(w, r, http.StatusUnprocessableEntity, page)
}

func (h *handler) clearLegalHold(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := h.srv.Store().ClearLegalHold(r.Context(), server.From(r).Actor, id); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	redirect(w, r, "/clients/"+id+"/legal-hold?done=cleared")
}
