package web

import (
	"net/http"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// serviceFormPage records a service: civic orientation, integration
// training with its final language test, a language course, guidance and
// counselling, or another service. For a jobseeker the store records only
// guidance and counselling (R6): the employment authority records its
// services in its own systems, and the form says so.
type serviceFormPage struct {
	caseFormPage
	// Jobseeker: the client is a jobseeker (as the form was opened).
	Jobseeker bool
}

var serviceInputs = []inputSpec{
	{Name: "service_type", Kind: "select", Key: "service.service_type", Required: true},
	{Name: "date", Kind: "date", Key: "service.date", Required: true},
	{Name: "end_date", Kind: "date", Key: "service.end_date", Optional: true},
	{Name: "provider", Kind: "text", Key: "service.provider", Optional: true},
	{Name: "description", Kind: "textarea", Key: "service.description", Optional: true},
	{Name: "attendance", Kind: "select", Key: "service.attendance", Optional: true},
	{Name: "missed_with_interpreter_costs", Kind: "checkbox", Key: "service.missed_with_interpreter_costs"},
	{Name: "final_language_test.level", Kind: "select", Key: "service.language_test_level", Optional: true},
	{Name: "final_language_test.date", Kind: "date", Key: "service.language_test_date", Optional: true},
}

// newServiceForm builds the form page about client c.
func (h *handler) newServiceForm(r *http.Request, c model.Client) serviceFormPage {
	page := serviceFormPage{caseFormPage: h.newCaseFormPage(r, "title.service_new", c)}
	page.specs = serviceInputs
	page.setJobseeker(c.Jobseeker)
	var attendance []option
	for _, a := range model.Attendances {
		attendance = append(attendance, option{Value: a, Label: page.T("attendance." + a)})
	}
	page.options["attendance"] = attendance
	page.placeholders["attendance"] = page.T("service.attendance_none")
	page.options["final_language_test.level"] = levelOptions()
	page.placeholders["final_language_test.level"] = page.T("service.language_test_none")
	return page
}

// setJobseeker offers the service types that may be recorded for the client
// (for a jobseeker only guidance and counselling, chosen already); the
// form's notice says why.
func (page *serviceFormPage) setJobseeker(jobseeker bool) {
	page.Jobseeker = jobseeker
	page.options["service_type"] = serviceTypeOptions(page.Page, model.ServiceTypesFor(jobseeker))
}

func (h *handler) serviceForm(w http.ResponseWriter, r *http.Request) {
	c, ok := h.writableClient(w, r, authz.ServiceCreate)
	if !ok {
		return
	}
	page := h.newServiceForm(r, c)
	if c.Jobseeker {
		page.values["service_type"] = model.ServiceGuidance
	}
	h.renderServiceForm(w, r, http.StatusOK, page)
}

// createService records the service and goes back to the client. A refusal
// of the whole service (R6) is shown at the top of the form, with
// everything typed kept.
func (h *handler) createService(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	page := h.newServiceForm(r, model.Client{})
	page.read(r)
	in := page.serviceInput()
	sv, err := h.srv.Store().CreateService(r.Context(), req.Actor, r.PathValue("id"), in)
	if err == nil {
		redirect(w, r, "/clients/"+sv.ClientID+"?done=service")
		return
	}
	if !h.formError(r, &page.formState, page.specs, err, page.refusal(h)) {
		h.srv.Fail(w, r, err)
		return
	}
	c, cerr := h.showClient(r, &page.caseFormPage)
	if cerr != nil {
		h.srv.Fail(w, r, cerr)
		return
	}
	page.setJobseeker(c.Jobseeker)
	h.renderServiceForm(w, r, server.Status(server.AsDomainError(err).Code), page)
}

func (h *handler) renderServiceForm(w http.ResponseWriter, r *http.Request, status int, page serviceFormPage) {
	page.finish()
	h.render(w, r, status, "service_form", page)
}

// serviceInput is the service as the form has it.
func (page *serviceFormPage) serviceInput() model.ServiceInput {
	v := page.values
	in := model.ServiceInput{
		ServiceType:                v["service_type"],
		Date:                       orNil(v["date"]),
		EndDate:                    orNil(v["end_date"]),
		Provider:                   v["provider"],
		Description:                v["description"],
		Attendance:                 orNil(v["attendance"]),
		MissedWithInterpreterCosts: v["missed_with_interpreter_costs"] == "true",
	}
	if level, date := v["final_language_test.level"], v["final_language_test.date"]; strings.TrimSpace(level+date) != "" {
		in.FinalLanguageTest = &model.LanguageTestInput{Level: level, Date: orNil(date)}
	}
	return in
}
