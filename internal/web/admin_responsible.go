package web

import (
	"net/http"
	"strconv"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// responsiblePage is a main user's list of the municipality's clients that
// need a responsible worker: none of theirs has access any more (a revoked
// grant, a disabled account), or they were transferred in.
type responsiblePage struct {
	Page
	Items []responsibleRow
	Done  string
}

type responsibleRow struct {
	Href, Name, Workers, TransferredIn string
}

// responsibleClientPage shows one client's responsible workers and the form
// to choose them among the municipality's workers.
type responsibleClientPage struct {
	Page
	ClientName, Action string
	Current            string
	Candidates         []option
	Error              string
}

func (h *handler) workersText(p Page, ws []store.ResponsibleWorker) string {
	out := ""
	for i, w := range ws {
		if i > 0 {
			out += ", "
		}
		if w.HasAccess {
			out += w.Name
		} else {
			out += p.T("client.responsible_no_access", w.Name)
		}
	}
	if out == "" {
		return p.T("responsible.none")
	}
	return out
}

func (h *handler) responsibleList(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	muni, ok := ownMunicipality(req.Actor.Principal, authz.ResponsibleRead)
	if !ok {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	items, err := h.srv.Store().ClientsNeedingResponsible(r.Context(), req.Actor, muni)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page := responsiblePage{Page: h.newPage(r, "title.responsible", "responsible")}
	if r.URL.Query().Get("done") == "assigned" {
		page.Done = page.T("responsible.done")
	}
	for _, it := range items {
		row := responsibleRow{Href: "/admin/responsible/" + it.ClientID, Name: it.ClientName, Workers: h.workersText(page.Page, it.Workers)}
		if it.TransferredIn != nil {
			row.TransferredIn = page.T("responsible.transferred_from", h.municipalityLabel(it.FromMunicipality, page.Lang),
				formatTime(page.Lang, *it.TransferredIn))
		}
		page.Items = append(page.Items, row)
	}
	h.render(w, r, http.StatusOK, "responsible", page)
}

func (h *handler) responsibleClient(w http.ResponseWriter, r *http.Request) {
	v, err := h.srv.Store().ClientResponsible(r.Context(), server.From(r).Actor, r.PathValue("id"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.renderResponsibleClient(w, r, http.StatusOK, v, "")
}

func (h *handler) renderResponsibleClient(w http.ResponseWriter, r *http.Request, status int, v store.ResponsibleView, errText string) {
	page := responsibleClientPage{Page: h.newPage(r, "title.responsible_client", "responsible"), ClientName: v.ClientName,
		Action: "/admin/responsible/" + v.ClientID, Error: errText}
	page.HasErrors = errText != ""
	page.Current = h.workersText(page.Page, v.Workers)
	for _, c := range v.Candidates {
		o := option{Value: strconv.FormatInt(c.AccountID, 10), Label: c.Name + " (" + c.Email + ")", ID: "worker-" + strconv.FormatInt(c.AccountID, 10)}
		for _, cur := range v.Workers {
			o.Selected = o.Selected || cur.AccountID == c.AccountID
		}
		page.Candidates = append(page.Candidates, o)
	}
	h.render(w, r, status, "responsible_client", page)
}

// assignResponsible sets the client's responsible workers and goes back to
// the list; a refusal shows the form again with the message.
func (h *handler) assignResponsible(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	var ids []int64
	if err := r.ParseForm(); err == nil {
		for _, s := range r.PostForm["account_ids"] {
			if id, err := strconv.ParseInt(s, 10, 64); err == nil {
				ids = append(ids, id)
			}
		}
	}
	_, err := h.srv.Store().AssignResponsible(r.Context(), req.Actor, r.PathValue("id"), ids)
	if err == nil {
		redirect(w, r, "/admin/responsible?done=assigned")
		return
	}
	e := server.AsDomainError(err)
	if e.Code != model.CodeValidationFailed || len(e.Fields) == 0 {
		h.srv.Fail(w, r, err)
		return
	}
	v, verr := h.srv.Store().ClientResponsible(r.Context(), req.Actor, r.PathValue("id"))
	if verr != nil {
		h.srv.Fail(w, r, verr)
		return
	}
	msg := h.srv.FieldMessage(req.Lang, e.Fields[0])
	if e.Fields[0].Code == model.FieldRequired {
		msg = h.cat.T(req.Lang, "responsible.choose_one")
	}
	h.renderResponsibleClient(w, r, http.StatusUnprocessableEntity, v, msg)
}
