package api

import (
	"net/http"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"

	"github.com/kotodigi/kotodigi/internal/server"
)

// lookupClient: a main user finds the municipality's client by full identity
// code or UMA number (in the body, never in the URL), without case data.
func (a *API) lookupClient(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Query string `json:"query"`
	}
	if err := decode(r, &in); err != nil {
		// Who may not look up learns that first, whatever the body.
		if _, aerr := a.srv.Store().LookupClient(r.Context(), server.From(r).Actor, ""); model.ErrorCode(aerr) == model.CodeForbidden {
			err = aerr
		}
		a.srv.Problem(w, r, err)
		return
	}
	res, err := a.srv.Store().LookupClient(r.Context(), server.From(r).Actor, in.Query)
	list(a, w, r, res, err)
}

// subjectAccessReport: everything stored about the person and who has
// processed it (GDPR art. 15), for the responsible municipality's main user.
func (a *API) subjectAccessReport(w http.ResponseWriter, r *http.Request) {
	rep, err := a.srv.Store().SubjectAccessReport(r.Context(), server.From(r).Actor, r.PathValue("id"))
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, rep)
}

// setLegalHold: a legal hold stops retention from removing the client.
func (a *API) setLegalHold(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		if aerr := a.srv.Store().CheckResponsibleAccess(r.Context(), server.From(r).Actor, authz.ClientLegalHold, r.PathValue("id")); aerr != nil {
			err = aerr
		}
		a.srv.Problem(w, r, err)
		return
	}
	h, err := a.srv.Store().SetLegalHold(r.Context(), server.From(r).Actor, r.PathValue("id"), in.Reason)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, h)
}

func (a *API) clearLegalHold(w http.ResponseWriter, r *http.Request) {
	if err := a.srv.Store().ClearLegalHold(r.Context(), server.From(r).Actor, r.PathValue("id")); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// retentionDryRun: what a retention run would remove now, by class.
func (a *API) retentionDryRun(w http.ResponseWriter, r *http.Request) {
	s := a.srv.Store()
	n, err := s.RetentionDryRun(r.Context(), server.From(r).Actor, s.RetentionPolicy())
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, n)
}
