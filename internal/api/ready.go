package api

import (
	"net/http"

	"github.com/kotodigi/kotodigi/internal/server"
)

// readiness is the body of GET /readyz: job names only, never their errors
// (those are on the jobs page, for KEHA-keskus).
type readiness struct {
	Status  string   `json:"status"`
	Failing []string `json:"failing_jobs"`
	Stuck   []string `json:"stuck_jobs"`
}

// ready answers 200 when the database answers and no background job has
// failed MaxFailures runs in a row or is stuck (jobs.Health), and 503
// naming the jobs otherwise. Not authenticated, and not audited: a load
// balancer or monitoring system asks every few seconds.
func (a *API) ready(w http.ResponseWriter, r *http.Request) {
	st := a.srv.Store()
	statuses, err := st.JobStatuses(r.Context())
	if err != nil {
		server.JSON(w, http.StatusServiceUnavailable, readiness{Status: "unavailable", Failing: []string{}, Stuck: []string{}})
		return
	}
	failing, stuck := a.srv.JobHealth.Unhealthy(statuses, st.Now())
	body := readiness{Status: "ok", Failing: nonNil(failing), Stuck: nonNil(stuck)}
	if len(failing)+len(stuck) > 0 {
		body.Status = "unavailable"
		server.JSON(w, http.StatusServiceUnavailable, body)
		return
	}
	server.JSON(w, http.StatusOK, body)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
