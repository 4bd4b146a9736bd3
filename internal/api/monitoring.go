package api

import (
	"net/http"
	"time"

	"github.com/kotodigi/kotodigi/internal/csvout"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// clientAccesses answers a data-subject request: who has seen this client's
// data. JSON by default, CSV with ?format=csv (UTF-8 with BOM, comma).
func (a *API) clientAccesses(w http.ResponseWriter, r *http.Request) {
	items, err := a.srv.Store().AuditEvents(r.Context(), server.From(r).Actor, store.AuditFilter{ClientID: r.PathValue("id"), Limit: 1000})
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	if items == nil {
		items = []store.AuditItem{}
	}
	if r.URL.Query().Get("format") != "csv" {
		server.JSON(w, http.StatusOK, map[string]any{"items": items})
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="accesses.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csvout.NewWriter(w, csvout.Dialect{Comma: ',', BOM: true})
	_ = cw.Write("time", "actor_email", "actor_organisation", "action", "outcome")
	for _, it := range items {
		_ = cw.Write(it.Time.Format(time.RFC3339), it.ActorEmail, it.ActorOrganisation, it.Action, it.Outcome)
	}
	_ = cw.Flush()
}

func (a *API) listAnomalies(w http.ResponseWriter, r *http.Request) {
	items, err := a.srv.Store().Anomalies(r.Context(), server.From(r).Actor, r.URL.Query().Get("status"))
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	if items == nil {
		items = []store.Anomaly{}
	}
	server.JSON(w, http.StatusOK, map[string]any{"items": items})
}

func (a *API) reviewAnomaly(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	var in struct {
		Report bool   `json:"report"`
		Note   string `json:"note"`
	}
	if err := decode(r, &in); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	if err := a.srv.Store().ReviewAnomaly(r.Context(), server.From(r).Actor, id, in.Report, in.Note); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) recordFinding(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	var in struct {
		Finding      string `json:"finding"`
		Note         string `json:"note"`
		RevokeGrants bool   `json:"revoke_grants"`
	}
	if err := decode(r, &in); err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	n, err := a.srv.Store().RecordFinding(r.Context(), server.From(r).Actor, id, in.Finding, in.Note, in.RevokeGrants)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, map[string]any{"grants_revoked": n})
}

func (a *API) responseTimes(w http.ResponseWriter, r *http.Request) {
	items, err := a.srv.Store().AnomalyResponseTimes(r.Context(), server.From(r).Actor)
	if err != nil {
		a.srv.Problem(w, r, err)
		return
	}
	if items == nil {
		items = []store.ResponseTime{}
	}
	server.JSON(w, http.StatusOK, map[string]any{"items": items})
}
