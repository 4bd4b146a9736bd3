package web

import (
	"net/http"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// closePage closes a client relationship with a reason and a date. A
// closed client takes no new case records and leaves the worklists; it can
// be reopened from the client's page.
type closePage struct{ caseFormPage }

var closeInputs = []inputSpec{
	{Name: "reason", Kind: "radio", Key: "close.reason", Required: true},
	{Name: "date", Kind: "date", Key: "close.date", Required: true},
}

func (h *handler) newCloseForm(r *http.Request, c model.Client) closePage {
	page := closePage{h.newCaseFormPage(r, "title.close", c)}
	page.specs = closeInputs
	var reasons []option
	for _, reason := range model.ClosureReasons {
		reasons = append(reasons, option{Value: reason, Label: page.T("closure_reason." + reason)})
	}
	page.options["reason"] = reasons
	return page
}

func (h *handler) closeForm(w http.ResponseWriter, r *http.Request) {
	c, ok := h.writableClient(w, r, authz.ClientClose)
	if !ok {
		return
	}
	page := h.newCloseForm(r, c)
	page.values["date"] = h.srv.Store().Today().String()
	page.finish()
	h.render(w, r, http.StatusOK, "close", page)
}

// closeClient closes the relationship and goes back to the client; errors
// come back at their fields.
func (h *handler) closeClient(w http.ResponseWriter, r *http.Request) {
	page := h.newCloseForm(r, model.Client{})
	page.read(r)
	in := model.CloseInput{Reason: page.values["reason"], Date: orNil(page.values["date"])}
	c, err := h.srv.Store().CloseClient(r.Context(), server.From(r).Actor, r.PathValue("id"), in)
	if err == nil {
		redirect(w, r, "/clients/"+c.ID+"?done=closed")
		return
	}
	if !h.formError(r, &page.formState, page.specs, err, page.refusal(h)) {
		h.srv.Fail(w, r, err)
		return
	}
	if _, err := h.showClient(r, &page.caseFormPage); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page.finish()
	h.render(w, r, server.Status(server.AsDomainError(err).Code), "close", page)
}

// reopenClient reopens a closed relationship (a button on the client page).
func (h *handler) reopenClient(w http.ResponseWriter, r *http.Request) {
	c, err := h.srv.Store().ReopenClient(r.Context(), server.From(r).Actor, r.PathValue("id"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	redirect(w, r, "/clients/"+c.ID+"?done=reopened")
}
