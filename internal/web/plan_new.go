package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// planFormPage records an integration plan (Integration Act § 16) with what
// Decree 874/2024 § 2 asks to store: its dates, goals, the agreed measures
// and services, the preparers, the planned review date and where the data
// came from. The store applies R12 (eligibility window, a first plan of at
// most a year, plans of at most two years in total without a reason, no
// overlapping plans).
type planFormPage struct {
	caseFormPage
	// ShowReason: the plans exceed two years in total, so the form asks why.
	ShowReason bool
	// ShowException: the start is outside the eligibility window, so the
	// form offers the exception for victims of human trafficking.
	ShowException bool
}

// planInputs are the plan form's inputs; the reason and the exception only
// when the form shows them.
func planInputs(p Page, reason, exception bool) []inputSpec {
	specs := []inputSpec{
		{Name: "start_date", Kind: "date", Key: "plan.start_date", Required: true},
		{Name: "end_date", Kind: "date", Key: "plan.end_date", Required: true},
		{Name: "goals", Kind: "textarea", Key: "plan.goals", Required: true},
	}
	for i := range measureRows {
		n := strconv.Itoa(i)
		group := p.T("plan.measure_n", i+1)
		specs = append(specs,
			inputSpec{Name: "measures." + n + ".service_type", Kind: "select", Key: "plan.measure_type", Group: group},
			inputSpec{Name: "measures." + n + ".description", Kind: "text", Key: "plan.measure_description", Group: group})
	}
	specs = append(specs, preparerInputs(p)...)
	specs = append(specs,
		inputSpec{Name: "planned_review_date", Kind: "date", Key: "plan.planned_review_date", Optional: true},
		inputSpec{Name: "sources", Kind: "checkboxes", Key: "case.sources", Required: true})
	if reason {
		specs = append(specs, inputSpec{Name: "exceeds_two_years_reason", Kind: "textarea", Key: "plan.exceeds_two_years_reason", Required: true})
	}
	if exception {
		specs = append(specs, inputSpec{Name: "eligibility_exception", Kind: "checkbox", Key: "case.eligibility_exception"})
	}
	return specs
}

// newPlanForm builds the form page about client c.
func (h *handler) newPlanForm(r *http.Request, c model.Client, reason, exception bool) planFormPage {
	page := planFormPage{caseFormPage: h.newCaseFormPage(r, "title.plan_new", c), ShowReason: reason, ShowException: exception}
	page.specs = planInputs(page.Page, reason, exception)
	types := serviceTypeOptions(page.Page, model.ServiceTypes)
	for i := range measureRows {
		page.options["measures."+strconv.Itoa(i)+".service_type"] = types
	}
	page.options["sources"] = sourceOptions(page.Page)
	return page
}

func (h *handler) planForm(w http.ResponseWriter, r *http.Request) {
	c, ok := h.writableClient(w, r, authz.PlanCreate)
	if !ok {
		return
	}
	page := h.newPlanForm(r, c, false, false)
	page.prefillPreparer(r)
	h.renderPlanForm(w, r, http.StatusOK, page)
}

// createPlan records the plan and shows it; on any error the form comes
// back with everything typed, and after some refusals with the input that
// resolves them (the reason for plans over two years, the eligibility
// exception).
func (h *handler) createPlan(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	if err := r.ParseForm(); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	// The inputs shown after a refusal stay on the form (a marker tells
	// that the exception's checkbox was shown, since an unticked box is
	// not posted).
	_, reason := r.PostForm["exceeds_two_years_reason"]
	_, exception := r.PostForm["eligibility_exception_shown"]
	page := h.newPlanForm(r, model.Client{}, reason, exception)
	page.read(r)
	in := page.planInput()
	p, err := h.srv.Store().CreatePlan(r.Context(), req.Actor, r.PathValue("id"), in)
	if err == nil {
		redirect(w, r, "/clients/"+p.ClientID+"/plans/"+p.ID+"?done=created")
		return
	}
	if !h.formError(r, &page.formState, page.specs, err, page.refusal(h)) {
		h.srv.Fail(w, r, err)
		return
	}
	if page.refused[model.FieldPlansExceedTwoYears] && !page.ShowReason || page.refused[model.FieldOutsideEligibility] && !page.ShowException {
		// Show the input that resolves the refusal, keeping what was typed.
		more := h.newPlanForm(r, model.Client{}, page.ShowReason || page.refused[model.FieldPlansExceedTwoYears],
			page.ShowException || page.refused[model.FieldOutsideEligibility])
		more.caseForm = page.caseForm
		page = more
	}
	if _, err := h.showClient(r, &page.caseFormPage); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.renderPlanForm(w, r, server.Status(server.AsDomainError(err).Code), page)
}

func (h *handler) renderPlanForm(w http.ResponseWriter, r *http.Request, status int, page planFormPage) {
	page.finish()
	h.render(w, r, status, "plan_form", page)
}

// planInput is the plan as the form has it.
func (page *planFormPage) planInput() model.PlanInput {
	v := page.values
	in := model.PlanInput{
		StartDate:             orNil(v["start_date"]),
		EndDate:               orNil(v["end_date"]),
		Goals:                 v["goals"],
		Preparers:             page.preparers(),
		PlannedReviewDate:     orNil(v["planned_review_date"]),
		Sources:               page.lists["sources"],
		ExceedsTwoYearsReason: orNil(v["exceeds_two_years_reason"]),
		EligibilityException:  trafficking(v["eligibility_exception"]),
	}
	for i := range measureRows {
		n := "measures." + strconv.Itoa(i) + "."
		typ, desc := v[n+"service_type"], v[n+"description"]
		if strings.TrimSpace(typ) == "" && strings.TrimSpace(desc) == "" {
			continue
		}
		in.Measures = append(in.Measures, model.PlanMeasure{ServiceType: typ, Description: desc})
		page.rows["measures"] = append(page.rows["measures"], i)
	}
	return in
}
