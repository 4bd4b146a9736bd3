package api

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// readBody reads the (size-limited) request body; only multipart uploads are
// refused outright (bearer tokens make CSRF moot here).
func readBody(r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err == nil && strings.HasPrefix(mt, "multipart/") {
			return nil, model.Errorf(model.CodeBadRequest, "the body must be JSON")
		}
	}
	return io.ReadAll(r.Body)
}

// decodeAbout decodes body, the request body of an action on the client {id}
// (and, with planID, on that plan of it), with decode. A body that does not
// decode is refused only after the store's access check, as the action itself
// would answer: a caller who may not see the client gets 404 (and the attempt
// is audited) whatever the body holds.
func (a *API) decodeAbout(r *http.Request, action authz.Action, planID string, body []byte, decode func([]byte) error) error {
	err := decode(body)
	if err == nil {
		return nil
	}
	if aerr := a.srv.Store().CheckClientAccess(r.Context(), server.From(r).Actor, action, r.PathValue("id"), planID); aerr != nil {
		return aerr
	}
	return err
}

// decodeCase reads the body of a case-record action strictly into v (see decodeAbout).
func (a *API) decodeCase(r *http.Request, action authz.Action, planID string, v any) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	return a.decodeAbout(r, action, planID, b, strict(v))
}

// strict decodes a non-empty JSON object strictly into v.
func strict(v any) func([]byte) error {
	return func(b []byte) error {
		if len(strings.TrimSpace(string(b))) == 0 {
			return model.Errorf(model.CodeBadRequest, "empty body")
		}
		return model.DecodeStrict(b, v)
	}
}

// ok answers a read (or its error).
func (a *API) ok(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, v)
}

// list answers a listing (or its error) as {"items": [...]}, an empty list
// rather than null.
func list[T any](a *API, w http.ResponseWriter, r *http.Request, items []T, err error) {
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	if items == nil {
		items = []T{}
	}
	server.JSON(w, http.StatusOK, map[string]any{"items": items})
}

// created answers a POST that made a record (or its error).
func (a *API) created(w http.ResponseWriter, r *http.Request, location string, v any, err error) {
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	if location != "" {
		w.Header().Set("Location", location)
	}
	server.JSON(w, http.StatusCreated, v)
}

func (a *API) createAssessment(w http.ResponseWriter, r *http.Request) {
	var in model.AssessmentInput
	if err := a.decodeCase(r, authz.AssessmentCreate, "", &in); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	as, err := a.srv.Store().CreateAssessment(r.Context(), server.From(r).Actor, r.PathValue("id"), in)
	a.created(w, r, "/api/v1/clients/"+as.ClientID+"/assessments/"+as.ID, as, err)
}

func (a *API) getAssessment(w http.ResponseWriter, r *http.Request) {
	as, err := a.srv.Store().AssessmentByID(r.Context(), server.From(r).Actor, r.PathValue("id"), r.PathValue("assessment_id"))
	a.ok(w, r, as, err)
}

func (a *API) getService(w http.ResponseWriter, r *http.Request) {
	sv, err := a.srv.Store().ServiceByID(r.Context(), server.From(r).Actor, r.PathValue("id"), r.PathValue("service_id"))
	a.ok(w, r, sv, err)
}

func (a *API) createPlan(w http.ResponseWriter, r *http.Request) {
	var in model.PlanInput
	if err := a.decodeCase(r, authz.PlanCreate, "", &in); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	p, err := a.srv.Store().CreatePlan(r.Context(), server.From(r).Actor, r.PathValue("id"), in)
	a.created(w, r, "/api/v1/clients/"+p.ClientID+"/plans/"+p.ID, p, err)
}

func (a *API) getPlan(w http.ResponseWriter, r *http.Request) {
	p, err := a.srv.Store().PlanByID(r.Context(), server.From(r).Actor, r.PathValue("id"), r.PathValue("plan_id"))
	a.ok(w, r, p, err)
}

func (a *API) createPlanReview(w http.ResponseWriter, r *http.Request) {
	var in model.ReviewInput
	if err := a.decodeCase(r, authz.PlanReview, r.PathValue("plan_id"), &in); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	rv, err := a.srv.Store().CreatePlanReview(r.Context(), server.From(r).Actor, r.PathValue("id"), r.PathValue("plan_id"), in)
	a.created(w, r, "/api/v1/clients/"+rv.ClientID+"/plans/"+rv.PlanID, rv, err)
}

func (a *API) createService(w http.ResponseWriter, r *http.Request) {
	var in model.ServiceInput
	if err := a.decodeCase(r, authz.ServiceCreate, "", &in); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	sv, err := a.srv.Store().CreateService(r.Context(), server.From(r).Actor, r.PathValue("id"), in)
	a.created(w, r, "/api/v1/clients/"+sv.ClientID+"/services/"+sv.ID, sv, err)
}

func (a *API) transferClient(w http.ResponseWriter, r *http.Request) {
	var in model.TransferInput
	if err := a.decodeCase(r, authz.ClientTransfer, "", &in); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	t, err := a.srv.Store().TransferClient(r.Context(), server.From(r).Actor, r.PathValue("id"), in)
	a.created(w, r, "/api/v1/clients/"+t.ClientID, t, err)
}

func (a *API) timeline(w http.ResponseWriter, r *http.Request) {
	items, err := a.srv.Store().Timeline(r.Context(), server.From(r).Actor, r.PathValue("id"))
	list(a, w, r, items, err)
}

func (a *API) jobseekerHistory(w http.ResponseWriter, r *http.Request) {
	items, err := a.srv.Store().JobseekerHistory(r.Context(), server.From(r).Actor, r.PathValue("id"))
	list(a, w, r, items, err)
}

// boolParam reads an optional boolean query parameter (true/false, 1/0).
func boolParam(q url.Values, name string) (bool, error) {
	switch q.Get(name) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, model.Errorf(model.CodeBadRequest, "%s must be true or false", name)
}

// worklist answers GET /api/v1/worklist?municipality=CODE[&mine=true][&my_clients=true]. The
// municipality names the worklist: without one (or with an unknown code)
// there is no such worklist (404); another municipality's is 403.
func (a *API) worklist(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.WorklistFilter{Municipality: strings.TrimSpace(q.Get("municipality"))}
	var err error
	if f.Mine, err = boolParam(q, "mine"); err == nil {
		f.MyClients, err = boolParam(q, "my_clients")
	}
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	items, err := a.srv.Store().Worklist(r.Context(), server.From(r).Actor, f)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, map[string]any{"items": items})
}
