package api

import (
	"net/http"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// decodeCorrection reads the body of a correction (PATCH of a case record)
// strictly into v and returns the members it had: the others keep their
// stored values (see decodeAbout for the order of checks).
func (a *API) decodeCorrection(r *http.Request, action authz.Action, planID string, v any) (map[string]bool, error) {
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	given := map[string]bool{}
	err = a.decodeAbout(r, action, planID, b, func(b []byte) error {
		if err := strict(v)(b); err != nil {
			return err
		}
		members, err := model.DecodeMembers(b)
		for m := range members {
			given[m] = true
		}
		return err
	})
	return given, err
}

func (a *API) correctAssessment(w http.ResponseWriter, r *http.Request) {
	var in model.AssessmentCorrection
	given, err := a.decodeCorrection(r, authz.AssessmentUpdate, "", &in)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	in.Given = given
	as, err := a.srv.Store().CorrectAssessment(r.Context(), server.From(r).Actor, r.PathValue("id"), r.PathValue("assessment_id"), in)
	a.ok(w, r, as, err)
}

func (a *API) correctPlan(w http.ResponseWriter, r *http.Request) {
	var in model.PlanCorrection
	given, err := a.decodeCorrection(r, authz.PlanUpdate, "", &in)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	in.Given = given
	p, err := a.srv.Store().CorrectPlan(r.Context(), server.From(r).Actor, r.PathValue("id"), r.PathValue("plan_id"), in)
	a.ok(w, r, p, err)
}

func (a *API) correctPlanReview(w http.ResponseWriter, r *http.Request) {
	var in model.ReviewCorrection
	given, err := a.decodeCorrection(r, authz.ReviewUpdate, r.PathValue("plan_id"), &in)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	in.Given = given
	rv, err := a.srv.Store().CorrectPlanReview(r.Context(), server.From(r).Actor, r.PathValue("id"), r.PathValue("plan_id"),
		r.PathValue("review_id"), in)
	a.ok(w, r, rv, err)
}

func (a *API) correctService(w http.ResponseWriter, r *http.Request) {
	var in model.ServiceCorrection
	given, err := a.decodeCorrection(r, authz.ServiceUpdate, "", &in)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	in.Given = given
	sv, err := a.srv.Store().CorrectService(r.Context(), server.From(r).Actor, r.PathValue("id"), r.PathValue("service_id"), in)
	a.ok(w, r, sv, err)
}

func (a *API) closeClient(w http.ResponseWriter, r *http.Request) {
	var in model.CloseInput
	if err := a.decodeCase(r, authz.ClientClose, "", &in); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	c, err := a.srv.Store().CloseClient(r.Context(), server.From(r).Actor, r.PathValue("id"), in)
	a.ok(w, r, c, err)
}

// reopenClient takes no body (an empty JSON object is accepted too).
func (a *API) reopenClient(w http.ResponseWriter, r *http.Request) {
	b, err := readBody(r)
	if err == nil && len(b) > 0 {
		var none struct{}
		err = a.decodeAbout(r, authz.ClientReopen, "", b, strict(&none))
	}
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	c, err := a.srv.Store().ReopenClient(r.Context(), server.From(r).Actor, r.PathValue("id"))
	a.ok(w, r, c, err)
}

func (a *API) clientsNeedingResponsible(w http.ResponseWriter, r *http.Request) {
	items, err := a.srv.Store().ClientsNeedingResponsible(r.Context(), server.From(r).Actor, r.PathValue("code"))
	list(a, w, r, items, err)
}

func (a *API) responsibleWorkers(w http.ResponseWriter, r *http.Request) {
	v, err := a.srv.Store().ClientResponsible(r.Context(), server.From(r).Actor, r.PathValue("id"))
	a.ok(w, r, v, err)
}

func (a *API) assignResponsible(w http.ResponseWriter, r *http.Request) {
	var in struct {
		AccountIDs []int64 `json:"account_ids"`
	}
	b, err := readBody(r)
	if err == nil {
		err = a.decodeAbout(r, authz.ResponsibleAssign, "", b, strict(&in))
	}
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	v, err := a.srv.Store().AssignResponsible(r.Context(), server.From(r).Actor, r.PathValue("id"), in.AccountIDs)
	a.ok(w, r, v, err)
}
