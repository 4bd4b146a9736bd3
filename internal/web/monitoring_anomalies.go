package web

import (
	"net/http"
	"slices"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// anomaliesPage lists anomalies: all of them, filtered by status, for a log
// monitor; those reported to the municipality for a main user.
type anomaliesPage struct {
	Page
	// Monitor: the log monitor's list (with the status filter).
	Monitor   bool
	Anomalies []anomalyRow
	filter    formState
	statuses  []option
}

// Filter is the status select of the log monitor's list.
func (p anomaliesPage) Filter() formField {
	f := p.input(p.filter, inputSpec{Name: "status", Kind: "select", Key: "anomalies.status"}, p.statuses...)
	f.Placeholder = p.T("common.all")
	return f
}

// monitoringAnomalies is the log monitor's list of anomalies.
func (h *handler) monitoringAnomalies(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	if !isLogMonitor(req.Actor.Principal, authz.AnomalyRead) {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	status := r.URL.Query().Get("status")
	if status != "" && !slices.Contains(anomalyStatuses, status) {
		h.srv.Fail(w, r, &model.Error{Code: model.CodeBadRequest})
		return
	}
	items, err := h.srv.Store().Anomalies(r.Context(), req.Actor, status)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page := anomaliesPage{Page: h.newPage(r, "title.monitoring_anomalies", "monitoring_anomalies"), Monitor: true, filter: newFormState()}
	page.filter.values["status"] = status
	for _, s := range anomalyStatuses {
		page.statuses = append(page.statuses, option{Value: s, Label: h.anomalyLabel(req.Lang, "status", s)})
	}
	page.Anomalies = h.anomalyRows(r, "/monitoring/anomalies", items)
	h.render(w, r, http.StatusOK, "anomalies", page)
}

// anomalyPage is one anomaly with its evidence and, while it waits for a
// decision, the form of that decision: the log monitor's review (report to
// the municipality or dismiss) or the main user's finding.
type anomalyPage struct {
	Page
	formState
	Monitor bool
	Done    string
	anomalyDetail
	// CanDecide: the form is shown (the anomaly waits for this reader).
	CanDecide bool
	Action    string
}

// reviewInputs is the log monitor's decision form.
var reviewInputs = []inputSpec{
	{Name: "report", Kind: "radio", Key: "review.decision", Required: true},
	{Name: "note", Kind: "textarea", Key: "review.note", Optional: true},
}

// F describes one input of the decision form.
func (p anomalyPage) F(name string) formField {
	if p.Monitor {
		for _, in := range reviewInputs {
			if in.Name == name {
				var opts []option
				if name == "report" {
					if p.HasMunicipality {
						opts = append(opts, option{Value: "true", Label: p.T("review.report", p.Municipality)})
					}
					opts = append(opts, option{Value: "false", Label: p.T("review.dismiss")})
				}
				return p.input(p.formState, in, opts...)
			}
		}
	}
	for _, in := range findingInputs {
		if in.Name == name {
			var opts []option
			if name == "finding" {
				for _, f := range anomalyFindings {
					opts = append(opts, option{Value: f, Label: p.T("anomaly.finding." + f)})
				}
			}
			return p.input(p.formState, in, opts...)
		}
	}
	panic("web: no input " + name)
}

// monitoringAnomaly shows one anomaly to a log monitor.
func (h *handler) monitoringAnomaly(w http.ResponseWriter, r *http.Request) {
	if !isLogMonitor(server.From(r).Actor.Principal, authz.AnomalyRead) {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	page := anomalyPage{Page: h.newPage(r, "title.anomaly", "monitoring_anomalies"), formState: newFormState(), Monitor: true}
	switch r.URL.Query().Get("done") {
	case "reported":
		page.Done = page.T("review.done_reported")
	case "dismissed":
		page.Done = page.T("review.done_dismissed")
	}
	h.renderAnomaly(w, r, http.StatusOK, page)
}

// reviewAnomaly reports an anomaly to its municipality or dismisses it.
func (h *handler) reviewAnomaly(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	if !isLogMonitor(req.Actor.Principal, authz.AnomalyReport) {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	a, err := h.anomalyByID(r)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page := anomalyPage{Page: h.newPage(r, "title.anomaly", "monitoring_anomalies"), formState: readForm(r, reviewInputs), Monitor: true}
	report := page.values["report"]
	switch report {
	case "true", "false":
	case "":
		h.requireValue(req.Lang, &page.formState, "report")
	default:
		page.errors["report"] = append(page.errors["report"], page.T("field."+model.FieldInvalidChoice))
	}
	status := http.StatusUnprocessableEntity
	if !page.Invalid() {
		err := h.srv.Store().ReviewAnomaly(r.Context(), req.Actor, a.ID, report == "true", page.values["note"])
		if err == nil {
			done := "dismissed"
			if report == "true" {
				done = "reported"
			}
			redirect(w, r, "/monitoring/anomalies/"+r.PathValue("id")+"?done="+done)
			return
		}
		status = server.Status(server.AsDomainError(err).Code)
		if model.ErrorCode(err) == model.CodeConflict {
			page.FormError = page.T("review.already_reviewed")
		} else if !h.formError(r, &page.formState, reviewInputs, err, adminRefusal) {
			h.srv.Fail(w, r, err)
			return
		}
	}
	h.renderAnomaly(w, r, status, page)
}

// renderAnomaly loads the anomaly with its evidence and shows it.
func (h *handler) renderAnomaly(w http.ResponseWriter, r *http.Request, status int, page anomalyPage) {
	a, err := h.anomalyByID(r)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page.anomalyDetail, err = h.anomalyDetail(r, a)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page.Title = page.T("title.reported_anomaly_id", page.ID)
	if page.Monitor {
		page.Title = page.T("title.anomaly_id", page.ID)
		page.CanDecide = a.Status == "new"
		page.Action = "/monitoring/anomalies/" + page.ID
		page.summarizeForm(&page.formState, reviewInputs)
	} else {
		page.CanDecide = a.Status == "reported"
		page.Action = "/admin/anomalies/" + page.ID
		page.summarizeForm(&page.formState, findingInputs)
	}
	if !page.CanDecide {
		// The form is gone (decided meanwhile): nothing to link to.
		for i := range page.Summary {
			page.Summary[i].Href = ""
		}
	}
	if page.CanDecide && page.values["report"] == "" && !page.HasMunicipality {
		page.values["report"] = "false"
	}
	page.HasErrors = page.Invalid()
	h.render(w, r, status, "anomaly", page)
}
