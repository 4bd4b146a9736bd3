package web

import (
	"net/http"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// planPage shows one integration plan with its reviews and, for those who
// may record, the review form (Decree 874/2024 § 3: the date of the review
// and what changed).
type planPage struct {
	// caseFormPage is the review form; it names the client.
	caseFormPage
	Plan      planView
	Reviews   []reviewRow
	CanReview bool
	Done      string
	// CanCorrect: the user may correct the plan and its reviews.
	CanCorrect     bool
	EnteredInError bool
	Versions       versionsView
}

// planView is a plan as pages show it, in one language.
type planView struct {
	ID, Start, End, Goals, ReviewDate, Sources, Reason, Exception, Created string
	Measures                                                               []measureRow
	Preparers                                                              []model.Preparer
	// EligibilityUnchecked: the client's first permit date was unknown, so
	// the 3-year window was not checked.
	EligibilityUnchecked bool
}

type measureRow struct{ Type, Description string }

type reviewRow struct {
	ID, Date, Changes string
	EnteredInError    bool
	Versions          versionsView
}

// planReviewInputs is the review form (its ids do not clash with the plan's).
var planReviewInputs = []inputSpec{
	{Name: "date", Kind: "date", Key: "plan_review.date", Required: true, ID: "review-date"},
	{Name: "changes", Kind: "textarea", Key: "plan_review.changes", Required: true, ID: "review-changes"},
}

// planView describes plan p in language lang.
func (h *handler) planView(lang string, p model.Plan) planView {
	t := func(key string, args ...any) string { return h.cat.T(lang, key, args...) }
	v := planView{ID: p.ID, Start: formatDate(lang, &p.StartDate), End: formatDate(lang, &p.EndDate), Goals: p.Goals,
		ReviewDate: formatDate(lang, p.PlannedReviewDate), Preparers: p.Preparers, Created: formatTime(lang, p.CreatedAt),
		EligibilityUnchecked: !p.EligibilityChecked}
	for _, m := range p.Measures {
		v.Measures = append(v.Measures, measureRow{Type: h.serviceTypeLabel(lang, m.ServiceType), Description: m.Description})
	}
	var sources []string
	for _, s := range p.Sources {
		sources = append(sources, t("source."+s))
	}
	v.Sources = strings.Join(sources, ", ")
	if p.ExceedsTwoYearsReason != nil {
		v.Reason = *p.ExceedsTwoYearsReason
	}
	if p.EligibilityException != nil {
		v.Exception = t("case.exception." + *p.EligibilityException)
	}
	return v
}

// serviceTypeLabel translates a service type; an unknown one is shown as it is.
func (h *handler) serviceTypeLabel(lang, typ string) string {
	if key := "service_type." + typ; h.cat.Has(key) {
		return h.cat.T(lang, key)
	}
	return typ
}

// clientPlan reads the client and its plan of the request (one store call,
// one plan.read event: Store.ClientPlan).
func (h *handler) clientPlan(r *http.Request) (model.Client, model.Plan, error) {
	return h.srv.Store().ClientPlan(r.Context(), server.From(r).Actor, r.PathValue("id"), r.PathValue("plan_id"))
}

func (h *handler) plan(w http.ResponseWriter, r *http.Request) {
	page := planPage{caseFormPage: h.newCaseFormPage(r, "title.plan", model.Client{})}
	switch r.URL.Query().Get("done") {
	case "created":
		page.Done = page.T("plan.done_created")
	case "reviewed":
		page.Done = page.T("plan.done_reviewed")
	case "corrected", "review_corrected":
		page.Done = page.T("correction.done")
	}
	page.values["date"] = h.srv.Store().Today().String()
	h.renderPlan(w, r, http.StatusOK, page)
}

// createPlanReview records a review of the plan and shows the plan again.
func (h *handler) createPlanReview(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	page := planPage{caseFormPage: h.newCaseFormPage(r, "title.plan", model.Client{})}
	page.specs = planReviewInputs
	page.read(r)
	in := model.ReviewInput{Date: orNil(page.values["date"]), Changes: page.values["changes"]}
	rv, err := h.srv.Store().CreatePlanReview(r.Context(), req.Actor, r.PathValue("id"), r.PathValue("plan_id"), in)
	if err == nil {
		redirect(w, r, "/clients/"+rv.ClientID+"/plans/"+rv.PlanID+"?done=reviewed")
		return
	}
	if !h.formError(r, &page.formState, page.specs, err, page.refusal(h)) {
		h.srv.Fail(w, r, err)
		return
	}
	h.renderPlan(w, r, server.Status(server.AsDomainError(err).Code), page)
}

// renderPlan reads the client and the plan and shows the page.
func (h *handler) renderPlan(w http.ResponseWriter, r *http.Request, status int, page planPage) {
	c, p, err := h.clientPlan(r)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page.specs = planReviewInputs
	page.ClientID, page.ClientName = c.ID, c.FirstNames+" "+c.LastName
	page.CanReview = server.From(r).Actor.Principal.Allowed(authz.PlanReview, c.Municipality).Allowed
	page.Plan = h.planView(page.Lang, p)
	page.CanCorrect = server.From(r).Actor.Principal.Allowed(authz.PlanUpdate, c.Municipality).Allowed
	page.EnteredInError, page.Versions = p.EnteredInError, h.versions(page.Page, "plan", "versions", p.Version, p.Versions)
	for _, rv := range p.Reviews {
		row := reviewRow{ID: rv.ID, Date: formatDate(page.Lang, &rv.Date), Changes: rv.Changes, EnteredInError: rv.EnteredInError,
			Versions: h.versions(page.Page, "review", "review-"+rv.ID, rv.Version, rv.Versions)}
		row.Versions.Heading = page.T("versions.review_heading", row.Date)
		page.Reviews = append(page.Reviews, row)
	}
	page.finish()
	h.render(w, r, status, "plan", page)
}
