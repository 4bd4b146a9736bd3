package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// Corrections of case records (GDPR art. 16): each record page links to a
// form with the record as recorded, a required reason and the mark
// "entered in error". The store keeps the version it replaces; the record
// page shows every earlier version (who, when, why, what changed).

// correctionInputs are what every correction form adds.
var correctionInputs = []inputSpec{
	{Name: "correction_reason", Kind: "textarea", Key: "correction.reason", Required: true},
	{Name: "entered_in_error", Kind: "checkbox", Key: "correction.entered_in_error"},
}

// correcting makes the form a correction of the record whose page is back.
func (p *caseFormPage) correcting(titleKey, back string) {
	p.specs = append(p.specs, correctionInputs...)
	p.Correcting, p.BackHref, p.Title = true, back, p.T(titleKey)
}

// correction is the reason and the mark as the form has them.
func (f *caseForm) correction() model.Correction {
	reason, inError := f.values["correction_reason"], f.values["entered_in_error"] == "true"
	return model.Correction{CorrectionReason: &reason, EnteredInError: &inError}
}

// correctable reads a record's client for a correction form: the user must
// be allowed action on the client's municipality (403 otherwise).
func (h *handler) correctable(w http.ResponseWriter, r *http.Request, action authz.Action, c model.Client, err error) bool {
	if err != nil {
		h.srv.Fail(w, r, err)
		return false
	}
	if !server.From(r).Actor.Principal.Allowed(action, c.Municipality).Allowed {
		h.srv.Fail(w, r, model.ErrForbidden)
		return false
	}
	return true
}

// correctionFailed shows a refused correction's form again with what was
// typed, the errors at their fields; it reports false for other errors.
func (h *handler) correctionFailed(w http.ResponseWriter, r *http.Request, p *caseFormPage, err error) bool {
	if !h.formError(r, &p.formState, p.specs, err, p.refusal(h)) {
		h.srv.Fail(w, r, err)
		return false
	}
	if _, cerr := h.showClient(r, p); cerr != nil {
		h.srv.Fail(w, r, cerr)
		return false
	}
	return true
}

func flag(b bool) string {
	if b {
		return "true"
	}
	return ""
}

func dateValue(d *model.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

func (f *caseForm) setPreparers(ps []model.Preparer) {
	for i, p := range ps {
		if i < preparerRows {
			n := strconv.Itoa(i)
			f.values["preparers."+n+".name"], f.values["preparers."+n+".contact"] = p.Name, p.Contact
		}
	}
}

func (h *handler) assessmentCorrectForm(w http.ResponseWriter, r *http.Request) {
	c, a, err := h.srv.Store().ClientAssessment(r.Context(), server.From(r).Actor, r.PathValue("id"), r.PathValue("assessment_id"))
	if !h.correctable(w, r, authz.AssessmentUpdate, c, err) {
		return
	}
	page := h.newAssessmentForm(r, c)
	page.correcting("title.assessment_correct", "/clients/"+c.ID+"/assessments/"+a.ID)
	v, ct := page.values, a.Content
	v["date"], v["specifying_measures"], v["planned_plan_date"] = a.Date.String(), a.SpecifyingMeasures, dateValue(a.PlannedPlanDate)
	v["content.literacy"], v["content.finnish_level"], v["content.swedish_level"] = deref(ct.Literacy), deref(ct.FinnishLevel), deref(ct.SwedishLevel)
	v["content.literacy_notes"], v["content.language_notes"], v["content.other_languages"] = ct.LiteracyNotes, ct.LanguageNotes, ct.OtherLanguages
	v["content.education"], v["content.work_history"], v["content.special_skills"] = ct.Education, ct.WorkHistory, ct.SpecialSkills
	v["content.life_situation"], v["content.service_needs"] = ct.LifeSituation, ct.ServiceNeeds
	v["content.integration_plan_needed"] = planNeededUndecided
	if n := ct.IntegrationPlanNeeded; n != nil {
		v["content.integration_plan_needed"] = strconv.FormatBool(*n)
	}
	v["wellbeing_county_participated"], v["eligibility_exception"] = flag(a.WellbeingCountyParticipated), flag(a.EligibilityException != nil)
	v["entered_in_error"] = flag(a.EnteredInError)
	page.lists["sources"] = a.Sources
	page.setPreparers(a.Preparers)
	h.renderAssessmentForm(w, r, http.StatusOK, page)
}

func (h *handler) correctAssessment(w http.ResponseWriter, r *http.Request) {
	page := h.newAssessmentForm(r, model.Client{})
	page.correcting("title.assessment_correct", "/clients/"+r.PathValue("id")+"/assessments/"+r.PathValue("assessment_id"))
	page.read(r)
	in := model.AssessmentCorrection{AssessmentInput: page.assessmentInput(), Correction: page.correction()}
	a, err := h.srv.Store().CorrectAssessment(r.Context(), server.From(r).Actor, r.PathValue("id"), r.PathValue("assessment_id"), in)
	if err == nil {
		redirect(w, r, "/clients/"+a.ClientID+"/assessments/"+a.ID+"?done=corrected")
		return
	}
	if h.correctionFailed(w, r, &page.caseFormPage, err) {
		h.renderAssessmentForm(w, r, server.Status(server.AsDomainError(err).Code), page)
	}
}

func (h *handler) serviceCorrectForm(w http.ResponseWriter, r *http.Request) {
	c, sv, err := h.srv.Store().ClientService(r.Context(), server.From(r).Actor, r.PathValue("id"), r.PathValue("service_id"))
	if !h.correctable(w, r, authz.ServiceUpdate, c, err) {
		return
	}
	page := h.newServiceForm(r, c)
	page.correcting("title.service_correct", "/clients/"+c.ID+"/services/"+sv.ID)
	v := page.values
	v["service_type"], v["date"], v["end_date"], v["provider"], v["description"] = sv.ServiceType, sv.Date.String(), dateValue(sv.EndDate), sv.Provider, sv.Description
	v["attendance"], v["missed_with_interpreter_costs"], v["entered_in_error"] = deref(sv.Attendance), flag(sv.MissedWithInterpreterCosts), flag(sv.EnteredInError)
	if t := sv.FinalLanguageTest; t != nil {
		v["final_language_test.level"], v["final_language_test.date"] = t.Level, dateValue(t.Date)
	}
	h.renderServiceForm(w, r, http.StatusOK, page)
}

func (h *handler) correctService(w http.ResponseWriter, r *http.Request) {
	page := h.newServiceForm(r, model.Client{})
	page.correcting("title.service_correct", "/clients/"+r.PathValue("id")+"/services/"+r.PathValue("service_id"))
	page.read(r)
	in := model.ServiceCorrection{ServiceInput: page.serviceInput(), Correction: page.correction()}
	sv, err := h.srv.Store().CorrectService(r.Context(), server.From(r).Actor, r.PathValue("id"), r.PathValue("service_id"), in)
	if err == nil {
		redirect(w, r, "/clients/"+sv.ClientID+"/services/"+sv.ID+"?done=corrected")
		return
	}
	if h.correctionFailed(w, r, &page.caseFormPage, err) {
		h.renderServiceForm(w, r, server.Status(server.AsDomainError(err).Code), page)
	}
}

// newPlanCorrection is the plan form as a correction: the reason for plans
// over two years and the exception are always offered.
func (h *handler) newPlanCorrection(r *http.Request, c model.Client) planFormPage {
	page := h.newPlanForm(r, c, true, true)
	for i := range page.specs {
		if page.specs[i].Name == "exceeds_two_years_reason" {
			page.specs[i].Required, page.specs[i].Optional = false, true
		}
	}
	page.correcting("title.plan_correct", "/clients/"+r.PathValue("id")+"/plans/"+r.PathValue("plan_id"))
	return page
}

func (h *handler) planCorrectForm(w http.ResponseWriter, r *http.Request) {
	c, p, err := h.clientPlan(r)
	if !h.correctable(w, r, authz.PlanUpdate, c, err) {
		return
	}
	page := h.newPlanCorrection(r, c)
	v := page.values
	v["start_date"], v["end_date"], v["goals"], v["planned_review_date"] = p.StartDate.String(), p.EndDate.String(), p.Goals, dateValue(p.PlannedReviewDate)
	v["exceeds_two_years_reason"], v["eligibility_exception"], v["entered_in_error"] = deref(p.ExceedsTwoYearsReason), flag(p.EligibilityException != nil), flag(p.EnteredInError)
	for i, m := range p.Measures {
		if i < measureRows {
			n := "measures." + strconv.Itoa(i) + "."
			v[n+"service_type"], v[n+"description"] = m.ServiceType, m.Description
		}
	}
	page.lists["sources"] = p.Sources
	page.setPreparers(p.Preparers)
	h.renderPlanForm(w, r, http.StatusOK, page)
}

func (h *handler) correctPlan(w http.ResponseWriter, r *http.Request) {
	page := h.newPlanCorrection(r, model.Client{})
	page.read(r)
	in := model.PlanCorrection{PlanInput: page.planInput(), Correction: page.correction()}
	p, err := h.srv.Store().CorrectPlan(r.Context(), server.From(r).Actor, r.PathValue("id"), r.PathValue("plan_id"), in)
	if err == nil {
		redirect(w, r, "/clients/"+p.ClientID+"/plans/"+p.ID+"?done=corrected")
		return
	}
	if h.correctionFailed(w, r, &page.caseFormPage, err) {
		h.renderPlanForm(w, r, server.Status(server.AsDomainError(err).Code), page)
	}
}

// reviewFormPage corrects a review of a plan.
type reviewFormPage struct{ caseFormPage }

func (h *handler) newReviewCorrection(r *http.Request, c model.Client) reviewFormPage {
	page := reviewFormPage{h.newCaseFormPage(r, "title.review_correct", c)}
	page.specs = []inputSpec{
		{Name: "date", Kind: "date", Key: "plan_review.date", Required: true},
		{Name: "changes", Kind: "textarea", Key: "plan_review.changes", Required: true},
	}
	page.correcting("title.review_correct", "/clients/"+r.PathValue("id")+"/plans/"+r.PathValue("plan_id"))
	return page
}

func (h *handler) reviewCorrectForm(w http.ResponseWriter, r *http.Request) {
	c, p, err := h.clientPlan(r)
	if !h.correctable(w, r, authz.ReviewUpdate, c, err) {
		return
	}
	page := h.newReviewCorrection(r, c)
	for _, rv := range p.Reviews {
		if rv.ID == r.PathValue("review_id") {
			page.values["date"], page.values["changes"], page.values["entered_in_error"] = rv.Date.String(), rv.Changes, flag(rv.EnteredInError)
			page.finish()
			h.render(w, r, http.StatusOK, "review_form", page)
			return
		}
	}
	h.srv.Fail(w, r, model.ErrNotFound)
}

func (h *handler) correctReview(w http.ResponseWriter, r *http.Request) {
	page := h.newReviewCorrection(r, model.Client{})
	page.read(r)
	in := model.ReviewCorrection{ReviewInput: model.ReviewInput{Date: orNil(page.values["date"]), Changes: page.values["changes"]},
		Correction: page.correction()}
	rv, err := h.srv.Store().CorrectPlanReview(r.Context(), server.From(r).Actor, r.PathValue("id"), r.PathValue("plan_id"), r.PathValue("review_id"), in)
	if err == nil {
		redirect(w, r, "/clients/"+rv.ClientID+"/plans/"+rv.PlanID+"?done=review_corrected")
		return
	}
	if h.correctionFailed(w, r, &page.caseFormPage, err) {
		page.finish()
		h.render(w, r, server.Status(server.AsDomainError(err).Code), "review_form", page)
	}
}

// versionsView is what the versions template shows: a record's earlier
// versions, newest first.
type versionsView struct {
	Page
	ID, Heading string
	Current     int
	Versions    []versionRow
}

type versionRow struct {
	Version        int
	At, By, Reason string
	Changes        []changeRow
}

type changeRow struct{ Field, Old, New string }

// labelPrefixes name the labels of each kind's members.
var labelPrefixes = map[string]string{"assessment": "label.assessment.", "service": "label.service.", "plan": "label.plan.",
	"review": "label.plan_review."}

// valuePrefixes translate the coded values of some members.
var valuePrefixes = map[string]string{"attendance": "attendance.", "content.literacy": "literacy.", "service_type": "service_type.",
	"eligibility_exception": "case.exception."}

// versions describes a record's earlier versions in the page's language.
func (h *handler) versions(p Page, kind, id string, current int, vs []model.RecordVersion) versionsView {
	out := versionsView{Page: p, ID: id, Heading: p.T("versions.heading"), Current: current}
	for _, v := range vs {
		row := versionRow{Version: v.Version, At: formatTime(p.Lang, v.CorrectedAt), By: v.CorrectedBy, Reason: v.Reason}
		for _, c := range v.Changes {
			row.Changes = append(row.Changes, changeRow{Field: h.changeLabel(p, kind, c.Field),
				Old: h.changeValue(p, c.Field, c.Old), New: h.changeValue(p, c.Field, c.New)})
		}
		out.Versions = append(out.Versions, row)
	}
	return out
}

func (h *handler) changeLabel(p Page, kind, field string) string {
	switch field {
	case "entered_in_error":
		return p.T("label.correction.entered_in_error")
	case "sources":
		return p.T("label.case.sources")
	case "preparers":
		return p.T("case.preparers")
	case "final_language_test.level":
		return p.T("label.service.language_test_level")
	case "final_language_test.date", "final_language_test":
		return p.T("label.service.language_test_date")
	}
	if key := labelPrefixes[kind] + strings.TrimPrefix(field, "content."); h.cat.Has(key) {
		return p.T(key)
	}
	return field
}

// changeValue shows a JSON value of a change: text as it is, a date and a
// code as the record page shows them, yes or no, and anything else as JSON.
func (h *handler) changeValue(p Page, field string, raw json.RawMessage) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil || v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		if d, err := model.ParseDate(x); err == nil {
			return formatDate(p.Lang, &d)
		}
		if key := valuePrefixes[field] + x; valuePrefixes[field] != "" && h.cat.Has(key) {
			return p.T(key)
		}
		return x
	case bool:
		if x {
			return p.T("common.yes")
		}
		return p.T("common.no")
	}
	b, _ := json.Marshal(v)
	return string(b)
}
