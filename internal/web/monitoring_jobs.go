package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/kotodigi/kotodigi/internal/jobs"
	"github.com/kotodigi/kotodigi/internal/server"
)

// jobsPage shows KEHA-keskus each background job: its last run, last error,
// failures in a row and lag, judged as GET /readyz judges them.
type jobsPage struct {
	Page
	Jobs []jobView
}

// jobView is one job, every value ready to show.
type jobView struct {
	ID, Name, Description  string
	State, StateClass      string
	Every                  string
	LastStarted, LastRun   string
	LastSuccess            string
	Failures               int
	LastError, LastErrorAt string
	Lag, NextRun           string
	Running                bool
	// FollowsTrail: the job examines the audit trail (a cursor and a lag).
	FollowsTrail bool
	Cursor       int64
}

func (h *handler) monitoringJobs(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	list, err := h.srv.Store().Jobs(r.Context(), req.Actor)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page := jobsPage{Page: h.newPage(r, "title.jobs", "jobs")}
	now := h.srv.Store().Now()
	never := page.T("common.never")
	when := func(t *time.Time) string {
		if t == nil {
			return never
		}
		return formatTime(req.Lang, *t)
	}
	for _, j := range list {
		v := jobView{ID: "job-" + j.Name, Name: h.labelOr(req.Lang, "jobs.name."+j.Name, j.Name), Description: h.labelOr(req.Lang, "jobs.description."+j.Name, ""),
			Every: h.duration(req.Lang, j.Every), LastStarted: when(j.LastStartedAt), LastRun: when(j.LastRunAt), LastSuccess: when(j.LastSuccessAt),
			Failures: j.ConsecutiveFailures, LastErrorAt: when(j.LastErrorAt), NextRun: formatTime(req.Lang, j.NextRunAt),
			Running: j.LockedUntil != nil && j.LockedUntil.After(now), Cursor: j.Cursor, Lag: "–"}
		if j.LastError != nil {
			v.LastError = *j.LastError
		}
		v.FollowsTrail = j.Lag != nil || j.Cursor > 0
		if j.Lag != nil {
			v.Lag = page.T("jobs.lag_value", strconv.FormatInt(j.Lag.Events, 10), h.duration(req.Lang, j.Lag.Behind))
		}
		state := h.srv.JobHealth.State(j, now)
		v.State = page.T("jobs.state." + string(state))
		if state != jobs.StateOK {
			v.StateClass = "tag-warning"
		}
		page.Jobs = append(page.Jobs, v)
	}
	h.render(w, r, http.StatusOK, "jobs", page)
}

// labelOr translates key, or gives fallback when the catalogue lacks it.
func (h *handler) labelOr(lang, key, fallback string) string {
	if !h.cat.Has(key) {
		return fallback
	}
	return h.cat.T(lang, key)
}

// duration writes a length of time in days, hours, minutes or seconds.
func (h *handler) duration(lang string, d time.Duration) string {
	unit := func(key string, of time.Duration) string {
		if d%of == 0 {
			return h.cat.T(lang, key, strconv.FormatInt(int64(d/of), 10))
		}
		return h.cat.T(lang, key, formatDecimal(lang, float64(d)/float64(of)))
	}
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return unit("jobs.days", 24*time.Hour)
	case d >= time.Hour:
		return unit("jobs.hours", time.Hour)
	case d >= time.Minute:
		return unit("jobs.minutes", time.Minute)
	}
	return h.cat.T(lang, "jobs.seconds", strconv.FormatInt(int64(max(d, 0)/time.Second), 10))
}
