package api

import (
	"cmp"
	"net/http"
	"strconv"
	"time"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

type meResponse struct {
	Email        string        `json:"email"`
	Name         string        `json:"name"`
	Organisation string        `json:"organisation"`
	Roles        []authz.Role  `json:"roles"`
	Grants       []authz.Grant `json:"grants"`
}

func (a *API) me(w http.ResponseWriter, r *http.Request) {
	p := server.From(r).Actor.Principal
	out := meResponse{Email: p.Email, Name: p.Name, Organisation: p.OrganisationID, Roles: p.Roles, Grants: p.Grants}
	if out.Roles == nil {
		out.Roles = []authz.Role{}
	}
	if out.Grants == nil {
		out.Grants = []authz.Grant{}
	}
	server.JSON(w, http.StatusOK, out)
}

func (a *API) createGrant(w http.ResponseWriter, r *http.Request) {
	var in store.NewGrant
	if err := decode(r, &in); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	g, err := a.srv.Store().CreateGrant(r.Context(), server.From(r).Actor, in)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	server.JSON(w, http.StatusCreated, g)
}

func (a *API) revokeGrant(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		a.srv.Problem(w, r, model.ErrNotFound)
		return
	}
	if err := a.srv.Store().RevokeGrant(r.Context(), server.From(r).Actor, id); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) auditEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.AuditFilter{ClientID: q.Get("client_id"), ActorEmail: q.Get("actor"), Action: q.Get("action"), Outcome: q.Get("outcome"), RequestID: q.Get("request_id")}
	var v model.Validation // malformed parameters are a 400 (CONTRACT § 2)
	parseTime := func(name string) time.Time {
		s := q.Get(name)
		if s == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			if d, derr := model.ParseDate(s); derr == nil {
				return d.Time()
			}
			v.Add(name, model.FieldInvalidDate)
		}
		return t
	}
	f.From, f.To = parseTime("from"), parseTime("to")
	for name, dst := range map[string]*int64{"before_id": &f.BeforeID} {
		if s := q.Get(name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 {
				v.Add(name, model.FieldInvalidType)
			}
			*dst = n
		}
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 || n > 1000 {
			v.Add("limit", model.FieldInvalidChoice)
		}
		f.Limit = n
	}
	if f.Outcome != "" && f.Outcome != "allowed" && f.Outcome != "denied" {
		v.Add("outcome", model.FieldInvalidChoice)
	}
	if err := v.Err(); err != nil {
		e := err.(*model.Error)
		e.Code = model.CodeBadRequest
		a.srv.Problem(w, r, e)
		return
	}
	items, err := a.srv.Store().AuditEvents(r.Context(), server.From(r).Actor, f)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	if items == nil {
		items = []store.AuditItem{}
	}
	resp := map[string]any{"items": items}
	if len(items) > 0 && len(items) == cmp.Or(f.Limit, 100) {
		resp["next_before_id"] = items[len(items)-1].ID
	}
	server.JSON(w, http.StatusOK, resp)
}
