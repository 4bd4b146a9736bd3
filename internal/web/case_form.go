package web

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// The forms of case records (assessment, plan, review, service, transfer)
// name their inputs after the JSON members the store takes, nested members
// joined with "." and the rows of a list numbered from 0
// ("preparers.1.contact"). The handlers build the JSON body from the form
// and leave every check to the store, which puts the field errors back next
// to their inputs.

// How many rows of a list a form offers; empty rows are ignored.
const (
	preparerRows = 3
	measureRows  = 6
)

// caseForm is a case-record form: what was typed and what was wrong.
type caseForm struct {
	formState
	// rows maps a list ("preparers") to the form rows sent to the store, in
	// order: the store's preparers[i] is the form's row rows["preparers"][i].
	rows map[string][]int
	// refused holds the field error codes the store gave ("plan_too_long"),
	// for forms that show more inputs after some refusals.
	refused map[string]bool
}

func newCaseForm(s formState) caseForm {
	return caseForm{formState: s, rows: map[string][]int{}, refused: map[string]bool{}}
}

// caseFormPage is what every case-record form has: the client it is about
// and the form's inputs in order.
type caseFormPage struct {
	Page
	caseForm
	ClientID, ClientName string
	// FormAction is where the form posts (the page's own address).
	FormAction string
	// Correcting: the form corrects a recorded record (GDPR art. 16): it
	// asks for the reason and offers the entered-in-error mark; BackHref is
	// the record's page.
	Correcting bool
	BackHref   string
	specs      []inputSpec
	options    map[string][]option
	// placeholders name the empty choice of a select ("not assessed").
	placeholders map[string]string
}

// formRow is one row of a repeated group of inputs (a preparer, a measure).
type formRow struct {
	Legend string
	Fields []formField
}

// F describes one input for the "field" template.
func (p caseFormPage) F(name string) formField {
	for _, in := range p.specs {
		if in.Name == name {
			f := p.input(p.formState, in, p.options[name]...)
			if ph, ok := p.placeholders[name]; ok {
				f.Placeholder = ph
			}
			return f
		}
	}
	panic("web: no input " + name)
}

// Rows describes the rows of a list ("preparers"), each input labelled
// within its row's legend.
func (p caseFormPage) Rows(list string) []formRow {
	var out []formRow
	for _, in := range p.specs {
		rest, ok := strings.CutPrefix(in.Name, list+".")
		if !ok {
			continue
		}
		i, _ := strconv.Atoi(rest[:strings.IndexByte(rest, '.')])
		if i == len(out) {
			out = append(out, formRow{Legend: in.Group})
		}
		out[i].Fields = append(out[i].Fields, p.F(in.Name))
	}
	return out
}

// newCaseFormPage starts an empty form page about client c; the caller
// sets its inputs.
func (h *handler) newCaseFormPage(r *http.Request, titleKey string, c model.Client) caseFormPage {
	return caseFormPage{Page: h.newPage(r, titleKey, ""), caseForm: newCaseForm(newFormState()), ClientID: c.ID,
		ClientName: c.FirstNames + " " + c.LastName, options: map[string][]option{}, placeholders: map[string]string{},
		FormAction: r.URL.Path}
}

// read takes the posted form.
func (p *caseFormPage) read(r *http.Request) { p.caseForm = newCaseForm(readForm(r, p.specs)) }

// showClient names the client again on a refused form. The post itself
// does not read the client: the store checks access before it looks at the
// input.
func (h *handler) showClient(r *http.Request, p *caseFormPage) (model.Client, error) {
	c, err := h.srv.Store().ClientByID(r.Context(), server.From(r).Actor, r.PathValue("id"))
	if err == nil {
		p.ClientID, p.ClientName = c.ID, c.FirstNames+" "+c.LastName
	}
	return c, err
}

// finish summarizes the errors for the page (call it last, before rendering).
func (p *caseFormPage) finish() {
	p.summarizeForm(&p.formState, p.specs)
	p.HasErrors = p.Invalid()
}

// writableClient reads the client of a form page and checks that the user
// may perform action a on it: not found for a client the user may not see,
// forbidden for one the user may only read (such as a client transferred to
// another municipality).
func (h *handler) writableClient(w http.ResponseWriter, r *http.Request, a authz.Action) (model.Client, bool) {
	req := server.From(r)
	c, err := h.srv.Store().ClientByID(r.Context(), req.Actor, r.PathValue("id"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return c, false
	}
	if !req.Actor.Principal.Allowed(a, c.Municipality).Allowed {
		h.srv.Fail(w, r, model.ErrForbidden)
		return c, false
	}
	return c, true
}

// preparerInputs are the rows of preparers: a name and contact details each.
func preparerInputs(p Page) []inputSpec {
	var out []inputSpec
	for i := range preparerRows {
		n := strconv.Itoa(i)
		group := p.T("case.preparer_n", i+1)
		out = append(out,
			inputSpec{Name: "preparers." + n + ".name", Kind: "text", Key: "case.preparer_name", Group: group},
			inputSpec{Name: "preparers." + n + ".contact", Kind: "text", Key: "case.preparer_contact", Group: group})
	}
	return out
}

// preparers reads the preparer rows that have anything typed in them.
func (f *caseForm) preparers() []model.Preparer {
	var out []model.Preparer
	for i := range preparerRows {
		n := strconv.Itoa(i)
		name, contact := f.values["preparers."+n+".name"], f.values["preparers."+n+".contact"]
		if strings.TrimSpace(name) == "" && strings.TrimSpace(contact) == "" {
			continue
		}
		out = append(out, model.Preparer{Name: name, Contact: contact})
		f.rows["preparers"] = append(f.rows["preparers"], i)
	}
	return out
}

// prefillPreparer puts the signed-in person in the first preparer row: the
// one who records is usually one of those who prepared.
func (f *caseForm) prefillPreparer(r *http.Request) {
	if p := server.From(r).Actor.Principal; p != nil {
		f.values["preparers.0.name"] = p.Name
		f.values["preparers.0.contact"] = p.Email
	}
}

// sourceOptions are the sources of data (Decree 874/2024 §§ 1–2).
func sourceOptions(p Page) []option {
	out := make([]option, 0, len(model.DataSources))
	for _, s := range model.DataSources {
		out = append(out, option{Value: s, Label: p.T("source." + s)})
	}
	return out
}

// serviceTypeOptions are the services and measures recorded here.
func serviceTypeOptions(p Page, types []string) []option {
	out := make([]option, 0, len(types))
	for _, t := range types {
		out = append(out, option{Value: t, Label: p.T("service_type." + t)})
	}
	return out
}

// levelOptions are the CEFR levels A1–C2.
func levelOptions() []option {
	out := make([]option, 0, len(model.CEFRLevels))
	for _, l := range model.CEFRLevels {
		out = append(out, option{Value: l, Label: l})
	}
	return out
}

// orNil is nil for a blank input, else what was typed (the store trims).
func orNil(v string) *string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	return &v
}

// trafficking is the eligibility exception of a ticked checkbox.
func trafficking(v string) *string {
	if v != "true" {
		return nil
	}
	e := model.EligibilityTraffickingVictim
	return &e
}

// listItemField is a store field of one item of a list: "preparers[1].name".
var listItemField = regexp.MustCompile(`^(preparers|measures)\[(\d+)\]\.(.+)$`)

// inputOf maps a store field to the input it is about.
func (f caseForm) inputOf(field string) string {
	if m := listItemField.FindStringSubmatch(field); m != nil {
		i, _ := strconv.Atoi(m[2])
		if rows := f.rows[m[1]]; i < len(rows) {
			return m[1] + "." + strconv.Itoa(rows[i]) + "." + m[3]
		}
	}
	switch field {
	case "preparers":
		return "preparers.0.name"
	case "measures":
		return "measures.0.service_type"
	case "final_language_test":
		return "final_language_test.level"
	}
	return field
}

// caseMessages say more than the generic message of a field error code.
var caseMessages = map[model.FieldError]string{
	{Field: "preparers", Code: model.FieldRequired}:                       "case.preparers_required",
	{Field: "measures", Code: model.FieldRequired}:                        "case.measures_required",
	{Field: "sources", Code: model.FieldRequired}:                         "case.sources_required",
	{Field: "final_language_test", Code: model.FieldNotAllowed}:           "case.language_test_not_allowed",
	{Field: "missed_with_interpreter_costs", Code: model.FieldNotAllowed}: "case.interpreter_costs_not_allowed",
}

// caseMessageAfter adds what to do to the message of some refusals.
var caseMessageAfter = map[string]string{
	model.FieldOutsideEligibility:  "case.eligibility_exception_explained",
	model.FieldPlansExceedTwoYears: "case.reason_explained",
}

// caseFieldMessage translates a field error of a case record.
func (h *handler) caseFieldMessage(lang string, fe model.FieldError) string {
	if key, ok := caseMessages[model.FieldError{Field: fe.Field, Code: fe.Code}]; ok {
		return h.cat.T(lang, key)
	}
	msg := h.srv.FieldMessage(lang, fe)
	if key, ok := caseMessageAfter[fe.Code]; ok {
		msg += " " + h.cat.T(lang, key)
	}
	return msg
}

// refusal is how a case-record form shows what the store refused: field
// errors at the form's rows (and with what resolves them), remembered for
// forms that show more inputs after some refusals; a refusal of the whole
// record (a jobseeker's service, R6; a conflict) as an error of the whole form.
func (f *caseForm) refusal(h *handler) refusal {
	return refusal{whole: []string{model.CodeEmploymentAuthority, model.CodeConflict, model.CodeClientClosed},
		input: f.inputOf, message: h.caseFieldMessage, seen: func(code string) { f.refused[code] = true }}
}

// preparersView is what the preparers_table template shows.
type preparersView struct {
	Page
	Preparers []model.Preparer
}

// WithPreparers hands a list of preparers to the preparers_table template.
func (p Page) WithPreparers(ps []model.Preparer) preparersView { return preparersView{p, ps} }
