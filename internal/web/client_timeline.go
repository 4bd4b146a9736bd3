package web

import (
	"cmp"
	"slices"

	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
)

// timelineRow is one event of the case: what it was (with the service type,
// provider or plan period), its own date and when it was recorded; Href
// leads to its record, if it has a page.
type timelineRow struct {
	Time, Event, Detail, Date, Href string
	EnteredInError                  bool
}

// caseTimeline orders a client's case for the client page: newest first by
// the event's own date (a service's date, a plan's start; for the others the
// day it was recorded), then by when it was recorded. The jobseeker status
// recorded with the registration is part of the registration, not an event
// of its own.
func (h *handler) caseTimeline(lang, clientID string, items []store.TimelineItem) []timelineRow {
	var registered *store.TimelineItem
	for i := range items {
		if items[i].Kind == "client_registered" {
			registered = &items[i]
		}
	}
	type dated struct {
		day model.Date
		it  store.TimelineItem
	}
	var list []dated
	for _, it := range items {
		if it.Kind == "jobseeker_status" && registered != nil && it.Time.Equal(registered.Time) {
			continue
		}
		day := model.DateOf(it.Time.In(store.Finland))
		if it.Date != nil {
			day = *it.Date
		}
		list = append(list, dated{day, it})
	}
	slices.SortStableFunc(list, func(a, b dated) int {
		return cmp.Or(b.day.Time().Compare(a.day.Time()), b.it.Time.Compare(a.it.Time))
	})
	out := make([]timelineRow, 0, len(list))
	for _, d := range list {
		out = append(out, h.timelineRow(lang, clientID, d.it, d.day))
	}
	return out
}

// timelineRow describes one event.
func (h *handler) timelineRow(lang, clientID string, it store.TimelineItem, day model.Date) timelineRow {
	t := func(key string, args ...any) string { return h.cat.T(lang, key, args...) }
	row := timelineRow{Time: formatTime(lang, it.Time), Event: t("timeline." + it.Kind), Date: formatDate(lang, &day), EnteredInError: it.EnteredInError}
	base := "/clients/" + clientID
	switch it.Kind {
	case "plan":
		row.Href = base + "/plans/" + it.ID
		row.Detail = t("timeline.period", formatDate(lang, it.Date), formatDate(lang, it.EndDate))
	case "review":
		row.Href = base + "/plans/" + it.PlanID
	case "assessment":
		row.Href = base + "/assessments/" + it.ID
	case "service":
		row.Href = base + "/services/" + it.ID
		if it.ServiceType != "" {
			row.Event = t("service_type." + it.ServiceType)
		}
		row.Detail = it.Provider
		if it.EndDate != nil {
			row.Detail = joinNonEmpty(", ", row.Detail, t("timeline.until", formatDate(lang, it.EndDate)))
		}
	case "jobseeker_status":
		if it.Jobseeker != nil && *it.Jobseeker {
			row.Event = t("timeline.jobseeker_became")
		} else if it.Jobseeker != nil {
			row.Event = t("timeline.jobseeker_ended")
		}
	}
	return row
}

// joinNonEmpty joins the parts that are not empty.
func joinNonEmpty(sep string, parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += sep
		}
		out += p
	}
	return out
}
