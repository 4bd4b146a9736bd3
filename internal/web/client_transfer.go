package web

import (
	"net/http"
	"net/url"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// transferPage confirms handing a client over to another responsible
// municipality, with the reason. Afterwards the new municipality is
// responsible; the previous one may still read the client for a while
// (casepolicy.Policy.ReadAfterTransferDays) but record nothing.
type transferPage struct {
	caseFormPage
	// Municipality is the current responsible municipality.
	Municipality string
}

var transferInputs = []inputSpec{
	{Name: "municipality", Kind: "select", Key: "transfer.municipality", Required: true},
	{Name: "reason", Kind: "textarea", Key: "transfer.reason", Required: true},
}

func (h *handler) newTransferForm(r *http.Request) transferPage {
	page := transferPage{caseFormPage: h.newCaseFormPage(r, "title.transfer", model.Client{})}
	page.specs = transferInputs
	return page
}

// setTransferClient names the client and its municipality; every
// municipality but the client's own can be chosen.
func (h *handler) setTransferClient(page *transferPage, c model.Client) {
	page.ClientID, page.ClientName = c.ID, c.FirstNames+" "+c.LastName
	page.Municipality = h.municipalityLabel(c.Municipality, page.Lang)
	var others []option
	for _, o := range h.municipalityOptions(page.Lang) {
		if o.Value != c.Municipality {
			others = append(others, o)
		}
	}
	page.options["municipality"] = others
}

func (h *handler) transferForm(w http.ResponseWriter, r *http.Request) {
	c, ok := h.writableClient(w, r, authz.ClientTransfer)
	if !ok {
		return
	}
	page := h.newTransferForm(r)
	h.setTransferClient(&page, c)
	h.renderTransfer(w, r, http.StatusOK, page)
}

// transfer hands the client over and goes back to the client's page, which
// the previous municipality may still read.
func (h *handler) transfer(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	page := h.newTransferForm(r)
	page.read(r)
	in := model.TransferInput{Municipality: page.values["municipality"], Reason: page.values["reason"]}
	t, err := h.srv.Store().TransferClient(r.Context(), req.Actor, r.PathValue("id"), in)
	if err == nil {
		redirect(w, r, "/clients/"+t.ClientID+"?"+url.Values{"done": {"transferred"}, "read_until": {t.ReadUntil.String()}}.Encode())
		return
	}
	if !h.formError(r, &page.formState, page.specs, err, page.refusal(h)) {
		h.srv.Fail(w, r, err)
		return
	}
	c, cerr := h.srv.Store().ClientByID(r.Context(), req.Actor, r.PathValue("id"))
	if cerr != nil {
		h.srv.Fail(w, r, cerr)
		return
	}
	h.setTransferClient(&page, c)
	h.renderTransfer(w, r, server.Status(server.AsDomainError(err).Code), page)
}

func (h *handler) renderTransfer(w http.ResponseWriter, r *http.Request, status int, page transferPage) {
	page.finish()
	h.render(w, r, status, "transfer", page)
}
