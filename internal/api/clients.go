package api

import (
	"net/http"

	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

func (a *API) createClient(w http.ResponseWriter, r *http.Request) {
	var in model.ClientFields
	if err := decode(r, &in); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	c, err := a.srv.Store().RegisterClient(r.Context(), server.From(r).Actor, in)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/clients/"+c.ID)
	server.JSON(w, http.StatusCreated, c)
}

func (a *API) getClient(w http.ResponseWriter, r *http.Request) {
	c, err := a.srv.Store().ClientByID(r.Context(), server.From(r).Actor, r.PathValue("id"))
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, c)
}

func (a *API) patchClient(w http.ResponseWriter, r *http.Request) {
	b, err := readJSON(r)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	c, err := a.srv.Store().UpdateClient(r.Context(), server.From(r).Actor, r.PathValue("id"), b)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, c)
}

func (a *API) clientHistory(w http.ResponseWriter, r *http.Request) {
	h, err := a.srv.Store().ClientHistory(r.Context(), server.From(r).Actor, r.PathValue("id"))
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	if h == nil {
		h = []store.ClientChange{}
	}
	server.JSON(w, http.StatusOK, map[string]any{"items": h})
}

func (a *API) searchClients(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Query string `json:"query"`
	}
	if err := decode(r, &in); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	res, err := a.srv.Store().SearchClients(r.Context(), server.From(r).Actor, in.Query)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	if res == nil {
		res = []model.Client{}
	}
	server.JSON(w, http.StatusOK, map[string]any{"items": res})
}
