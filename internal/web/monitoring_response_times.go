package web

import (
	"net/http"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// responseTimesPage shows, per municipality, how quickly it investigated
// the anomalies reported to it.
type responseTimesPage struct {
	Page
	Rows []responseTimeRow
}

// responseTimeRow is one municipality; hours and days have one decimal.
type responseTimeRow struct {
	Municipality, Median, Max, OldestOpen string
	Reported, Open                        int
}

func (h *handler) responseTimes(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	if !isLogMonitor(req.Actor.Principal, authz.AnomalyRead) {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	items, err := h.srv.Store().AnomalyResponseTimes(r.Context(), req.Actor)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page := responseTimesPage{Page: h.newPage(r, "title.response_times", "response_times")}
	num := func(f *float64) string {
		if f == nil {
			return "–"
		}
		return formatDecimal(req.Lang, *f)
	}
	for _, it := range items {
		page.Rows = append(page.Rows, responseTimeRow{Municipality: h.municipalityLabel(it.Municipality, req.Lang), Reported: it.Reported, Open: it.Open,
			Median: num(it.MedianHours), Max: num(it.MaxHours), OldestOpen: num(it.OldestOpenDays)})
	}
	h.render(w, r, http.StatusOK, "response_times", page)
}
