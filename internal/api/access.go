package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

type accountInput struct {
	Email        string       `json:"email"`
	Name         string       `json:"name"`
	Organisation string       `json:"organisation"`
	Roles        []authz.Role `json:"roles"`
}

func (a *API) createAccount(w http.ResponseWriter, r *http.Request) {
	var in accountInput
	if err := decode(r, &in); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	id, err := a.srv.Store().CreateAccount(r.Context(), server.From(r).Actor,
		store.NewAccount{Email: in.Email, Name: in.Name, OrganisationID: in.Organisation, Roles: in.Roles})
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	server.JSON(w, http.StatusCreated, map[string]any{"id": id, "email": strings.ToLower(strings.TrimSpace(in.Email)), "organisation": in.Organisation})
}

func (a *API) listAccounts(w http.ResponseWriter, r *http.Request) {
	items, err := a.srv.Store().Accounts(r.Context(), server.From(r).Actor, r.PathValue("code"))
	list(a, w, r, items, err)
}

func (a *API) grantReview(w http.ResponseWriter, r *http.Request) {
	items, err := a.srv.Store().GrantReview(r.Context(), server.From(r).Actor, r.PathValue("code"))
	list(a, w, r, items, err)
}

func (a *API) revokeDormant(w http.ResponseWriter, r *http.Request) {
	ids, err := a.srv.Store().RevokeDormantGrants(r.Context(), server.From(r).Actor, r.PathValue("code"))
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	if ids == nil {
		ids = []int64{}
	}
	server.JSON(w, http.StatusOK, map[string]any{"revoked": ids})
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, model.ErrNotFound
	}
	return id, nil
}

func (a *API) updateGrant(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	var in store.GrantPatch
	if err := decode(r, &in); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	g, err := a.srv.Store().UpdateGrant(r.Context(), server.From(r).Actor, id, in)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, g)
}

func (a *API) appointMainUser(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email string `json:"email"`
	}
	if err := decode(r, &in); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	if err := a.srv.Store().AppointMainUser(r.Context(), server.From(r).Actor, in.Email); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) removeMainUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	if err := a.srv.Store().RemoveMainUser(r.Context(), server.From(r).Actor, id); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) disableAccount(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	if err := a.srv.Store().DisableAccount(r.Context(), server.From(r).Actor, id); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
