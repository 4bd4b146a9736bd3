package web

import (
	"net/http"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// registerPage starts the registration form for the municipalities the user
// may register clients in; with only one, it is chosen already.
func (h *handler) registerPage(r *http.Request, state formState) (clientFormPage, bool) {
	munis := server.From(r).Actor.Principal.Municipalities(authz.ClientCreate)
	page := clientFormPage{Page: h.newPage(r, "title.register", "register"), formState: state, Action: "/clients/new", municipalities: munis}
	if len(munis) == 1 && page.values[fMunicipality] == "" {
		page.values[fMunicipality] = munis[0]
	}
	return page, len(munis) > 0
}

func (h *handler) registerForm(w http.ResponseWriter, r *http.Request) {
	page, ok := h.registerPage(r, newFormState())
	if !ok {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	h.renderClientForm(w, r, http.StatusOK, page)
}

// register stores a new client and goes to its page; on any error the form
// comes back with everything typed and each error next to its field.
func (h *handler) register(w http.ResponseWriter, r *http.Request) {
	page, ok := h.registerPage(r, readClientForm(r))
	if !ok {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	f, dateErrs := page.clientFields()
	if h.checkDates(&page, f, dateErrs) {
		h.renderClientForm(w, r, http.StatusUnprocessableEntity, page)
		return
	}
	c, err := h.srv.Store().RegisterClient(r.Context(), server.From(r).Actor, f)
	if err != nil {
		h.failClientForm(w, r, page, err)
		return
	}
	redirect(w, r, "/clients/"+c.ID+"?done=registered")
}
