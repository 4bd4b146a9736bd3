package web

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// findingInputs is the main user's investigation form.
var findingInputs = []inputSpec{
	{Name: "finding", Kind: "radio", Key: "finding.finding", Required: true},
	{Name: "note", Kind: "textarea", Key: "finding.note", Optional: true},
	{Name: "revoke", Kind: "checkbox", Key: "finding.revoke"},
}

// adminAnomalies is a main user's worklist: the anomalies KEHA-keskus
// reported to the municipality, those still to investigate first.
func (h *handler) adminAnomalies(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	if _, ok := ownMunicipality(req.Actor.Principal, authz.AnomalyRead); !ok {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	items, err := h.srv.Store().Anomalies(r.Context(), req.Actor, "")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	slices.SortStableFunc(items, func(a, b store.Anomaly) int {
		return cmp.Compare(boolRank(a.Status == "reported"), boolRank(b.Status == "reported"))
	})
	page := anomaliesPage{Page: h.newPage(r, "title.anomalies", "anomalies")}
	page.Anomalies = h.anomalyRows(r, "/admin/anomalies", items)
	h.render(w, r, http.StatusOK, "anomalies", page)
}

// adminAnomaly shows one reported anomaly and the finding form.
func (h *handler) adminAnomaly(w http.ResponseWriter, r *http.Request) {
	if _, ok := ownMunicipality(server.From(r).Actor.Principal, authz.AnomalyRead); !ok {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	page := anomalyPage{Page: h.newPage(r, "title.anomaly", "anomalies"), formState: newFormState()}
	q := r.URL.Query()
	if q.Get("done") == "recorded" {
		n, _ := strconv.Atoi(q.Get("revoked"))
		page.Done = page.T("finding.done")
		if n > 0 {
			page.Done += " " + page.T("finding.done_revoked", strconv.Itoa(n))
		}
	}
	h.renderAnomaly(w, r, http.StatusOK, page)
}

// recordFinding records the municipality's investigation finding and, when
// asked, revokes at once every grant the person holds from the municipality.
func (h *handler) recordFinding(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	if _, ok := ownMunicipality(req.Actor.Principal, authz.AnomalyInvestigate); !ok {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.srv.Fail(w, r, model.ErrNotFound)
		return
	}
	page := anomalyPage{Page: h.newPage(r, "title.anomaly", "anomalies"), formState: readForm(r, findingInputs)}
	finding := page.values["finding"]
	switch {
	case finding == "":
		h.requireValue(req.Lang, &page.formState, "finding")
	case !slices.Contains(anomalyFindings, finding):
		page.errors["finding"] = append(page.errors["finding"], page.T("field."+model.FieldInvalidChoice))
	}
	status := http.StatusUnprocessableEntity
	if !page.Invalid() {
		revoked, err := h.srv.Store().RecordFinding(r.Context(), req.Actor, id, finding, page.values["note"], page.values["revoke"] == "true")
		if err == nil {
			redirect(w, r, "/admin/anomalies/"+strconv.FormatInt(id, 10)+"?done=recorded&revoked="+strconv.Itoa(revoked))
			return
		}
		if !h.formError(r, &page.formState, findingInputs, err, adminRefusal) {
			h.srv.Fail(w, r, err)
			return
		}
		status = server.Status(server.AsDomainError(err).Code)
	}
	h.renderAnomaly(w, r, status, page)
}
