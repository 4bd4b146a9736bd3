package web

import (
	"net/http"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// recordPage shows one recorded assessment or service of a client with its
// earlier versions; a worker corrects it on its correction form.
type recordPage struct {
	Page
	ClientID, ClientName, Heading string
	Rows                          []recordRow
	// Preparers of an assessment; a service has none.
	Preparers    []model.Preparer
	HasPreparers bool
	// CorrectHref is the correction form, for those who may correct.
	CorrectHref    string
	EnteredInError bool
	Versions       versionsView
	Done           string
}

// recordRow is one field: Text keeps the line breaks of free text; Empty
// shows "not given".
type recordRow struct {
	Label, Value string
	Text, Empty  bool
}

func (p *recordPage) row(labelKey, value string) {
	p.Rows = append(p.Rows, recordRow{Label: p.T(labelKey), Value: value, Empty: value == ""})
}

func (p *recordPage) text(labelKey, value string) {
	p.Rows = append(p.Rows, recordRow{Label: p.T(labelKey), Value: value, Text: true, Empty: strings.TrimSpace(value) == ""})
}

func (p *recordPage) yesNo(labelKey string, v bool) {
	if v {
		p.row(labelKey, p.T("common.yes"))
	} else {
		p.row(labelKey, p.T("common.no"))
	}
}

// choice translates an optional coded value (prefix + code).
func (p *recordPage) choice(labelKey, prefix string, v *string) {
	if v == nil {
		p.row(labelKey, "")
		return
	}
	p.row(labelKey, p.T(prefix+*v))
}

// newRecordPage starts the record page of client c: a record of kind with
// its state; href is the record's page.
func (h *handler) newRecordPage(r *http.Request, titleKey string, c model.Client, kind, href string, st model.RecordState, update authz.Action) recordPage {
	p := recordPage{Page: h.newPage(r, titleKey, ""), ClientID: c.ID, ClientName: c.FirstNames + " " + c.LastName,
		EnteredInError: st.EnteredInError}
	p.Heading = p.Title
	p.Versions = h.versions(p.Page, kind, "versions", st.Version, st.Versions)
	if server.From(r).Actor.Principal.Allowed(update, c.Municipality).Allowed {
		p.CorrectHref = href + "/edit"
	}
	if r.URL.Query().Get("done") == "corrected" {
		p.Done = p.T("correction.done")
	}
	return p
}

// assessment shows one competence and integration service-needs assessment.
func (h *handler) assessment(w http.ResponseWriter, r *http.Request) {
	// One store call, one assessment.read event.
	c, a, err := h.srv.Store().ClientAssessment(r.Context(), server.From(r).Actor, r.PathValue("id"), r.PathValue("assessment_id"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page := h.newRecordPage(r, "title.assessment", c, "assessment", "/clients/"+c.ID+"/assessments/"+a.ID, a.RecordState, authz.AssessmentUpdate)
	page.Rows = h.assessmentRows(page.Lang, a)
	page.Preparers, page.HasPreparers = a.Preparers, true
	h.render(w, r, http.StatusOK, "record", page)
}

// service shows one recorded service.
func (h *handler) service(w http.ResponseWriter, r *http.Request) {
	// One store call, one service.read event.
	c, sv, err := h.srv.Store().ClientService(r.Context(), server.From(r).Actor, r.PathValue("id"), r.PathValue("service_id"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page := h.newRecordPage(r, "title.service", c, "service", "/clients/"+c.ID+"/services/"+sv.ID, sv.RecordState, authz.ServiceUpdate)
	page.Rows = h.serviceRows(page.Lang, sv)
	h.render(w, r, http.StatusOK, "record", page)
}

// assessmentRows lays out an assessment as recorded, in language lang.
func (h *handler) assessmentRows(lang string, a model.Assessment) []recordRow {
	page := &recordPage{Page: Page{Lang: lang, cat: h.cat}}
	page.row("label.assessment.date", formatDate(lang, &a.Date))
	ct := a.Content
	page.choice("label.assessment.literacy", "literacy.", ct.Literacy)
	page.text("label.assessment.literacy_notes", ct.LiteracyNotes)
	page.row("label.assessment.finnish_level", deref(ct.FinnishLevel))
	page.row("label.assessment.swedish_level", deref(ct.SwedishLevel))
	page.text("label.assessment.language_notes", ct.LanguageNotes)
	page.row("label.assessment.other_languages", ct.OtherLanguages)
	page.text("label.assessment.education", ct.Education)
	page.text("label.assessment.work_history", ct.WorkHistory)
	page.text("label.assessment.special_skills", ct.SpecialSkills)
	page.text("label.assessment.life_situation", ct.LifeSituation)
	page.text("label.assessment.service_needs", ct.ServiceNeeds)
	switch {
	case ct.IntegrationPlanNeeded == nil:
		page.row("label.assessment.integration_plan_needed", page.T("assessment.plan_needed_undecided"))
	case *ct.IntegrationPlanNeeded:
		page.row("label.assessment.integration_plan_needed", page.T("assessment.plan_needed_yes"))
	default:
		page.row("label.assessment.integration_plan_needed", page.T("assessment.plan_needed_no"))
	}
	page.text("label.assessment.specifying_measures", a.SpecifyingMeasures)
	page.row("label.assessment.planned_plan_date", formatDate(lang, a.PlannedPlanDate))
	var sources []string
	for _, s := range a.Sources {
		sources = append(sources, page.T("source."+s))
	}
	page.row("label.case.sources", strings.Join(sources, ", "))
	page.yesNo("label.assessment.wellbeing_county_participated", a.WellbeingCountyParticipated)
	switch {
	case a.EligibilityException != nil:
		page.row("plan.eligibility", page.T("case.exception."+*a.EligibilityException))
	case !a.EligibilityChecked:
		page.row("plan.eligibility", page.T("plan.eligibility_unchecked"))
	}
	page.row("plan.created", formatTime(lang, a.CreatedAt))
	return page.Rows
}

// serviceRows lays out a service as recorded, in language lang.
func (h *handler) serviceRows(lang string, sv model.Service) []recordRow {
	page := &recordPage{Page: Page{Lang: lang, cat: h.cat}}
	page.row("label.service.service_type", h.serviceTypeLabel(lang, sv.ServiceType))
	page.row("label.service.date", formatDate(lang, &sv.Date))
	page.row("label.service.end_date", formatDate(lang, sv.EndDate))
	page.row("label.service.provider", sv.Provider)
	page.text("label.service.description", sv.Description)
	page.choice("label.service.attendance", "attendance.", sv.Attendance)
	page.yesNo("label.service.missed_with_interpreter_costs", sv.MissedWithInterpreterCosts)
	if t := sv.FinalLanguageTest; t != nil {
		page.row("label.service.language_test_level", t.Level)
		page.row("label.service.language_test_date", formatDate(lang, t.Date))
	}
	page.row("plan.created", formatTime(lang, sv.CreatedAt))
	return page.Rows
}
