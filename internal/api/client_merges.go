package api

import (
	"net/http"

	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// requestMerge: a main user asks to merge the municipality's record of a
// person with another record of the same person (named by identity code or
// UMA number, in the body); KEHA-keskus' admin merges two records at once.
func (a *API) requestMerge(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ClientID        string `json:"client_id"`
		Identifier      string `json:"identifier"`
		OtherIdentifier string `json:"other_identifier"`
		Keep            string `json:"keep"`
	}
	if err := decode(r, &in); err != nil {
		// Who may not request merges learns that first, whatever the body.
		if _, aerr := a.srv.Store().RequestClientMerge(r.Context(), server.From(r).Actor, store.MergeInput{}); model.ErrorCode(aerr) == model.CodeForbidden {
			err = aerr
		}
		a.srv.Problem(w, r, err)
		return
	}
	m, err := a.srv.Store().RequestClientMerge(r.Context(), server.From(r).Actor, store.MergeInput{ClientID: in.ClientID,
		Identifier: in.Identifier, OtherIdentifier: in.OtherIdentifier, Keep: in.Keep})
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	server.JSON(w, http.StatusCreated, m)
}

func (a *API) listMerges(w http.ResponseWriter, r *http.Request) {
	res, err := a.srv.Store().ClientMerges(r.Context(), server.From(r).Actor)
	list(a, w, r, res, err)
}

func (a *API) getMerge(w http.ResponseWriter, r *http.Request) {
	a.mergeAnswer(w, r)(a.srv.Store().ClientMergeByID(r.Context(), server.From(r).Actor, r.PathValue("id")))
}

func (a *API) approveMerge(w http.ResponseWriter, r *http.Request) {
	a.mergeAnswer(w, r)(a.srv.Store().DecideClientMerge(r.Context(), server.From(r).Actor, r.PathValue("id"), true))
}

func (a *API) refuseMerge(w http.ResponseWriter, r *http.Request) {
	a.mergeAnswer(w, r)(a.srv.Store().DecideClientMerge(r.Context(), server.From(r).Actor, r.PathValue("id"), false))
}

func (a *API) undoMerge(w http.ResponseWriter, r *http.Request) {
	a.mergeAnswer(w, r)(a.srv.Store().UndoClientMerge(r.Context(), server.From(r).Actor, r.PathValue("id")))
}

// mergeAnswer writes a merge, or the error.
func (a *API) mergeAnswer(w http.ResponseWriter, r *http.Request) func(store.ClientMerge, error) {
	return func(m store.ClientMerge, err error) {
		if err != nil {
			a.srv.Problem(w, r, err)
			return
		}
		server.JSON(w, http.StatusOK, m)
	}
}
