package web

import (
	"net/http"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// assessmentFormPage records a competence and integration service-needs
// assessment (Integration Act § 14) with what Decree 874/2024 § 1 asks to
// store: its date and content with the specifying measures, the planned
// time of the plan, the preparers with their contact details and where the
// data came from.
type assessmentFormPage struct {
	caseFormPage
}

// Values of the "is a plan needed" choice; undecided is stored as null.
const (
	planNeededYes       = "true"
	planNeededNo        = "false"
	planNeededUndecided = "undecided"
)

func assessmentInputs(p Page) []inputSpec {
	specs := []inputSpec{
		{Name: "date", Kind: "date", Key: "assessment.date", Required: true},
		{Name: "content.literacy", Kind: "select", Key: "assessment.literacy", Optional: true},
		{Name: "content.literacy_notes", Kind: "textarea", Key: "assessment.literacy_notes", Optional: true},
		{Name: "content.finnish_level", Kind: "select", Key: "assessment.finnish_level", Optional: true},
		{Name: "content.swedish_level", Kind: "select", Key: "assessment.swedish_level", Optional: true},
		{Name: "content.language_notes", Kind: "textarea", Key: "assessment.language_notes", Optional: true},
		{Name: "content.other_languages", Kind: "text", Key: "assessment.other_languages", Optional: true},
		{Name: "content.education", Kind: "textarea", Key: "assessment.education", Optional: true},
		{Name: "content.work_history", Kind: "textarea", Key: "assessment.work_history", Optional: true},
		{Name: "content.special_skills", Kind: "textarea", Key: "assessment.special_skills", Optional: true},
		{Name: "content.life_situation", Kind: "textarea", Key: "assessment.life_situation", Optional: true},
		{Name: "content.service_needs", Kind: "textarea", Key: "assessment.service_needs", Optional: true},
		{Name: "content.integration_plan_needed", Kind: "radio", Key: "assessment.integration_plan_needed"},
		{Name: "specifying_measures", Kind: "textarea", Key: "assessment.specifying_measures", Optional: true},
		{Name: "planned_plan_date", Kind: "date", Key: "assessment.planned_plan_date", Optional: true},
	}
	specs = append(specs, preparerInputs(p)...)
	return append(specs,
		inputSpec{Name: "sources", Kind: "checkboxes", Key: "case.sources", Required: true},
		inputSpec{Name: "wellbeing_county_participated", Kind: "checkbox", Key: "assessment.wellbeing_county_participated"},
		inputSpec{Name: "eligibility_exception", Kind: "checkbox", Key: "case.eligibility_exception"})
}

// newAssessmentForm builds the form page about client c.
func (h *handler) newAssessmentForm(r *http.Request, c model.Client) assessmentFormPage {
	page := assessmentFormPage{h.newCaseFormPage(r, "title.assessment_new", c)}
	page.specs = assessmentInputs(page.Page)
	var literacy []option
	for _, l := range model.LiteracyLevels {
		literacy = append(literacy, option{Value: l, Label: page.T("literacy." + l)})
	}
	page.options["content.literacy"] = literacy
	page.options["content.finnish_level"] = levelOptions()
	page.options["content.swedish_level"] = levelOptions()
	page.options["content.integration_plan_needed"] = []option{
		{Value: planNeededYes, Label: page.T("assessment.plan_needed_yes")},
		{Value: planNeededNo, Label: page.T("assessment.plan_needed_no")},
		{Value: planNeededUndecided, Label: page.T("assessment.plan_needed_undecided")},
	}
	page.options["sources"] = sourceOptions(page.Page)
	for _, name := range []string{"content.literacy", "content.finnish_level", "content.swedish_level"} {
		page.placeholders[name] = page.T("assessment.not_assessed")
	}
	return page
}

func (h *handler) assessmentForm(w http.ResponseWriter, r *http.Request) {
	c, ok := h.writableClient(w, r, authz.AssessmentCreate)
	if !ok {
		return
	}
	page := h.newAssessmentForm(r, c)
	page.values["date"] = h.srv.Store().Today().String()
	page.values["content.integration_plan_needed"] = planNeededUndecided
	page.prefillPreparer(r)
	h.renderAssessmentForm(w, r, http.StatusOK, page)
}

// createAssessment records the assessment and goes back to the client; on
// any error the form comes back with everything typed.
func (h *handler) createAssessment(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	page := h.newAssessmentForm(r, model.Client{})
	page.read(r)
	in := page.assessmentInput()
	a, err := h.srv.Store().CreateAssessment(r.Context(), req.Actor, r.PathValue("id"), in)
	if err == nil {
		redirect(w, r, "/clients/"+a.ClientID+"?done=assessment")
		return
	}
	if !h.formError(r, &page.formState, page.specs, err, page.refusal(h)) {
		h.srv.Fail(w, r, err)
		return
	}
	if _, err := h.showClient(r, &page.caseFormPage); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.renderAssessmentForm(w, r, server.Status(server.AsDomainError(err).Code), page)
}

func (h *handler) renderAssessmentForm(w http.ResponseWriter, r *http.Request, status int, page assessmentFormPage) {
	page.finish()
	h.render(w, r, status, "assessment_form", page)
}

// assessmentInput is the assessment as the form has it.
func (page *assessmentFormPage) assessmentInput() model.AssessmentInput {
	v := page.values
	in := model.AssessmentInput{
		Date: orNil(v["date"]),
		Content: &model.AssessmentContent{
			Literacy:       orNil(v["content.literacy"]),
			LiteracyNotes:  v["content.literacy_notes"],
			FinnishLevel:   orNil(v["content.finnish_level"]),
			SwedishLevel:   orNil(v["content.swedish_level"]),
			LanguageNotes:  v["content.language_notes"],
			OtherLanguages: v["content.other_languages"],
			Education:      v["content.education"],
			WorkHistory:    v["content.work_history"],
			SpecialSkills:  v["content.special_skills"],
			LifeSituation:  v["content.life_situation"],
			ServiceNeeds:   v["content.service_needs"],
		},
		SpecifyingMeasures:          v["specifying_measures"],
		PlannedPlanDate:             orNil(v["planned_plan_date"]),
		Preparers:                   page.preparers(),
		Sources:                     page.lists["sources"],
		WellbeingCountyParticipated: v["wellbeing_county_participated"] == "true",
		EligibilityException:        trafficking(v["eligibility_exception"]),
	}
	switch v["content.integration_plan_needed"] {
	case planNeededYes, planNeededNo:
		needed := v["content.integration_plan_needed"] == planNeededYes
		in.Content.IntegrationPlanNeeded = &needed
	}
	return in
}
