package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// The client form's fields are named after the JSON members of
// model.ClientFields (nested members joined with "."), so that the store's
// field errors name them directly.
const (
	fMunicipality    = "municipality"
	fIdentityCode    = "personal_identity_code"
	fUMANumber       = "uma_number"
	fFirstNames      = "first_names"
	fLastName        = "last_name"
	fDateOfBirth     = "date_of_birth"
	fResidenceType   = "residence_basis.type"
	fValidUntil      = "residence_basis.valid_until"
	fPermanent       = "residence_basis.permanent"
	fFirstPermitDate = "residence_basis.first_permit_date"
	fServiceLanguage = "service_language"
	fEmail           = "email"
	fPhone           = "phone"
	fRightToWork     = "right_to_work"
	fJobseeker       = "jobseeker"
)

// fieldSpec describes one input of a form.
type fieldSpec struct {
	Kind     string // text, email, tel, date, textarea, select, radio, checkbox, checkboxes
	Required bool   // always required (marked with the required attribute)
	Optional bool   // never required (the label says so); neither: it depends, the hint says on what
}

// clientFieldOrder is the order of the form, and so of the error summary.
var clientFieldOrder = []string{fMunicipality, fIdentityCode, fUMANumber, fFirstNames, fLastName, fDateOfBirth,
	fResidenceType, fValidUntil, fPermanent, fFirstPermitDate, fServiceLanguage, fEmail, fPhone, fRightToWork, fJobseeker,
	fSex, fCitizenship1, fCitizenship2, fCitizenship3, fMotherTongue, fArrivalDate, fClientGroup}

var clientFieldSpecs = map[string]fieldSpec{
	fMunicipality:    {Kind: "select", Required: true},
	fIdentityCode:    {Kind: "text"},
	fUMANumber:       {Kind: "text"},
	fFirstNames:      {Kind: "text", Required: true},
	fLastName:        {Kind: "text", Required: true},
	fDateOfBirth:     {Kind: "date"},
	fResidenceType:   {Kind: "select", Required: true},
	fValidUntil:      {Kind: "date"},
	fPermanent:       {Kind: "checkbox"},
	fFirstPermitDate: {Kind: "date", Optional: true},
	fServiceLanguage: {Kind: "radio", Required: true},
	fEmail:           {Kind: "email", Optional: true},
	fPhone:           {Kind: "tel", Optional: true},
	fRightToWork:     {Kind: "textarea", Optional: true},
	fJobseeker:       {Kind: "checkbox"},
	fSex:             {Kind: "select", Optional: true},
	fCitizenship1:    {Kind: "select"}, // optional: the legend of the group says so
	fCitizenship2:    {Kind: "select"},
	fCitizenship3:    {Kind: "select"},
	fMotherTongue:    {Kind: "text", Optional: true},
	fArrivalDate:     {Kind: "date", Optional: true},
	fClientGroup:     {Kind: "select", Optional: true},
}

// formField is everything the template needs to draw one input, translated.
type formField struct {
	ID, Name, Kind, Label, Hint, Error, Value string
	Required, Optional, Checked               bool
	Options                                   []option
	// List is the id of a datalist of suggestions for a text input.
	List string
	// Translated bits of the field's frame.
	OptionalText, ErrorPrefix, Placeholder string
}

// option is one choice of a select or a radio group.
type option struct {
	ID, Value, Label string
	Selected         bool
}

// HintID and ErrorID are the ids aria-describedby points to.
func (f formField) HintID() string  { return f.ID + "-hint" }
func (f formField) ErrorID() string { return f.ID + "-error" }

// DescribedBy lists the hint and the error message of the field.
func (f formField) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.HintID())
	}
	if f.Error != "" {
		ids = append(ids, f.ErrorID())
	}
	return strings.Join(ids, " ")
}

// fieldID turns a field name into an HTML id ("residence_basis.type" →
// "residence_basis-type").
func fieldID(name string) string { return strings.ReplaceAll(name, ".", "-") }

// summaryItem is one line of an error summary, linking to its field.
type summaryItem struct {
	Href, Text string
}

// formState is what the user typed and what was wrong with it.
type formState struct {
	values map[string]string
	// lists are the values of groups of checkboxes.
	lists  map[string][]string
	errors map[string][]string
	// Summary lists the errors in form order, each linking to its field.
	Summary []summaryItem
	// FormError is an error of the whole form (such as a duplicate).
	FormError string
}

func newFormState() formState {
	return formState{values: map[string]string{}, lists: map[string][]string{}, errors: map[string][]string{}}
}

// Value is what the field holds.
func (s formState) Value(name string) string { return s.values[name] }

// Invalid reports whether anything is wrong.
func (s formState) Invalid() bool { return len(s.errors) > 0 || s.FormError != "" }

// readClientForm keeps what the user typed, untrimmed, as it will be shown again.
func readClientForm(r *http.Request) formState {
	s := newFormState()
	for _, name := range clientFieldOrder {
		v := r.PostFormValue(name)
		if clientFieldSpecs[name].Kind == "checkbox" && v != "true" {
			v = ""
		}
		s.values[name] = v
	}
	return s
}

// optional is nil for a blank value.
func optional(v string) *string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	return &v
}

// date parses an optional date input; a bad date is a field error.
func (s formState) date(name string, errs *[]model.FieldError) *model.Date {
	v := strings.TrimSpace(s.values[name])
	if v == "" {
		return nil
	}
	d, err := model.ParseDate(v)
	if err != nil {
		*errs = append(*errs, model.FieldError{Field: name, Code: model.FieldInvalidDate})
		return nil
	}
	return &d
}

// clientFields turns the form into the store's input. Dates that are not
// dates, and a mother tongue that names no language, are returned as field
// errors (the store never sees them).
func (s formState) clientFields() (model.ClientFields, []model.FieldError) {
	var errs []model.FieldError
	f := model.ClientFields{
		Municipality:         s.values[fMunicipality],
		PersonalIdentityCode: optional(s.values[fIdentityCode]),
		UMANumber:            optional(s.values[fUMANumber]),
		FirstNames:           s.values[fFirstNames],
		LastName:             s.values[fLastName],
		DateOfBirth:          s.date(fDateOfBirth, &errs),
		ServiceLanguage:      s.values[fServiceLanguage],
		Email:                optional(s.values[fEmail]),
		Phone:                optional(s.values[fPhone]),
		RightToWork:          s.values[fRightToWork],
		Jobseeker:            s.values[fJobseeker] == "true",
	}
	rb := model.ResidenceBasis{
		Type:            strings.TrimSpace(s.values[fResidenceType]),
		ValidUntil:      s.date(fValidUntil, &errs),
		Permanent:       s.values[fPermanent] == "true",
		FirstPermitDate: s.date(fFirstPermitDate, &errs),
	}
	if rb.Type != "" || rb.ValidUntil != nil || rb.Permanent || rb.FirstPermitDate != nil {
		f.ResidenceBasis = &rb
	}
	s.backgroundFields(&f, &errs)
	return f, errs
}

// patch sets every editable field (all but the municipality, which changes
// only by a transfer). With an identity code the date of birth is cleared:
// the store derives it from the code, so a stale date left in the form
// cannot contradict a corrected code.
func (s formState) patch(f model.ClientFields) model.ClientPatch {
	dob := f.DateOfBirth
	if f.PersonalIdentityCode != nil {
		dob = nil
	}
	p := model.ClientPatch{
		PersonalIdentityCode: model.Set(f.PersonalIdentityCode),
		UMANumber:            model.Set(f.UMANumber),
		FirstNames:           model.Set(f.FirstNames),
		LastName:             model.Set(f.LastName),
		DateOfBirth:          model.Set(dob),
		ResidenceBasis:       model.Set(f.ResidenceBasis),
		ServiceLanguage:      model.Set(f.ServiceLanguage),
		Email:                model.Set(f.Email),
		Phone:                model.Set(f.Phone),
		RightToWork:          model.Set(f.RightToWork),
		Jobseeker:            model.Set(f.Jobseeker),
	}
	backgroundPatch(&p, f)
	return p
}

// formFieldOf maps a store field error to the input it is about.
func (s formState) formFieldOf(fe model.FieldError) string {
	switch fe.Field {
	case "residence_basis":
		switch fe.Code {
		case model.FieldResidenceBasisExpired:
			return fValidUntil
		case model.FieldResidenceBasisRequired:
			if strings.TrimSpace(s.values[fResidenceType]) != "" {
				return fValidUntil
			}
		}
		return fResidenceType
	case "residence_basis.type":
		return fResidenceType
	}
	return fe.Field
}

// addErrors records field errors with their translated messages. With
// onlyNew, a field that already has an error keeps just that one.
func (h *handler) addErrors(s *formState, lang string, errs []model.FieldError, onlyNew bool) {
	added := map[string]bool{}
	for _, fe := range errs {
		name := s.formFieldOf(fe)
		if onlyNew && len(s.errors[name]) > 0 && !added[name] {
			continue
		}
		msg := h.srv.FieldMessage(lang, fe)
		if fe.Code == model.FieldRequired && (name == fIdentityCode || name == fUMANumber) {
			msg = h.cat.T(lang, "form.identity_required")
		}
		s.errors[name] = append(s.errors[name], msg)
		added[name] = true
	}
}

// summarize builds the error summary in the order of the form's fields;
// errors about fields the form does not have are listed without a link.
func (h *handler) summarize(s *formState, lang string, order []string) {
	s.Summary = nil
	if s.FormError != "" {
		s.Summary = append(s.Summary, summaryItem{Href: "#" + fieldID(duplicateField(*s)), Text: s.FormError})
	}
	seen := map[string]bool{}
	for _, name := range order {
		seen[name] = true
		for _, msg := range s.errors[name] {
			s.Summary = append(s.Summary, summaryItem{Href: "#" + fieldID(name), Text: h.cat.T(lang, "label."+name) + ": " + msg})
		}
	}
	for name, msgs := range s.errors {
		if !seen[name] {
			for _, msg := range msgs {
				s.Summary = append(s.Summary, summaryItem{Text: name + ": " + msg})
			}
		}
	}
}

// duplicateField is the identifier a duplicate was found by: the identity
// code, or the UMA number when only that was given.
func duplicateField(s formState) string {
	if strings.TrimSpace(s.values[fIdentityCode]) == "" && strings.TrimSpace(s.values[fUMANumber]) != "" {
		return fUMANumber
	}
	return fIdentityCode
}

// clientFormPage is the registration and the edit form.
type clientFormPage struct {
	Page
	formState
	Edit     bool
	Action   string
	ClientID string
	// MunicipalityLabel is the responsible municipality, read-only when editing.
	MunicipalityLabel string
	municipalities    []string
	h                 *handler
}

// SexDerived is the sex that the identity code in the form encodes, shown
// instead of a choice; "" without a valid code.
func (p clientFormPage) SexDerived() string { return p.derivedSex() }

// SexDerivedLabel is SexDerived, translated.
func (p clientFormPage) SexDerivedLabel() string { return p.h.sexLabel(p.Lang, p.derivedSex()) }

// LanguageSuggestions are the suggestions of the mother tongue input.
func (p clientFormPage) LanguageSuggestions() []string { return p.h.bg.languages[p.Lang] }

// F describes one field of the form for the template.
func (p clientFormPage) F(name string) formField {
	spec := clientFieldSpecs[name]
	f := formField{ID: fieldID(name), Name: name, Kind: spec.Kind, Label: p.T("label." + name), Value: p.values[name],
		Required: spec.Required, Optional: spec.Optional, Checked: p.values[name] == "true",
		OptionalText: p.T("form.optional"), ErrorPrefix: p.T("form.error_prefix"), Placeholder: p.T("form.choose")}
	if key := "hint." + name; p.cat.Has(key) {
		f.Hint = p.T(key)
	}
	if name == fDateOfBirth && p.Edit {
		f.Hint = p.T("hint.date_of_birth_edit")
	}
	f.Error = strings.Join(p.errors[name], " ")
	switch name {
	case fCitizenship1, fCitizenship2, fCitizenship3:
		f.Label = p.T("label.citizenships_" + strconv.Itoa(slices.Index(citizenshipFields, name)+1))
		f.Placeholder = p.T("form.not_told")
		f.Options = p.h.backgroundOptions(name, p.Lang, f.Value)
	case fSex, fClientGroup:
		f.Placeholder = p.T("form.not_told")
		f.Options = p.h.backgroundOptions(name, p.Lang, f.Value)
	case fMotherTongue:
		f.List = languageListID
	case fMunicipality:
		for _, code := range p.municipalities {
			f.Options = append(f.Options, option{Value: code, Label: p.h.municipalityLabel(code, p.Lang), Selected: code == f.Value})
		}
	case fResidenceType:
		for _, t := range model.ResidenceBasisTypes {
			f.Options = append(f.Options, option{Value: t, Label: p.h.residenceLabel(p.Lang, t), Selected: t == f.Value})
		}
	case fServiceLanguage:
		for i, l := range []string{"fi", "sv"} {
			id := f.ID + "-" + l
			if i == 0 {
				id = f.ID // the error summary links to the first choice
			}
			f.Options = append(f.Options, option{ID: id, Value: l, Label: p.h.serviceLanguageLabel(p.Lang, l), Selected: l == f.Value})
		}
	}
	return f
}

// renderClientForm shows the form with its errors (status 200 on first show).
func (h *handler) renderClientForm(w http.ResponseWriter, r *http.Request, status int, page clientFormPage) {
	page.h = h
	h.summarize(&page.formState, page.Lang, clientFieldOrder)
	page.HasErrors = page.Invalid()
	h.render(w, r, status, "client_form", page)
}

// failClientForm shows what the store refused: field errors and duplicates
// on the form, anything else as an error page.
func (h *handler) failClientForm(w http.ResponseWriter, r *http.Request, page clientFormPage, err error) {
	req := server.From(r)
	e := server.AsDomainError(err)
	switch e.Code {
	case model.CodeValidationFailed:
		h.addErrors(&page.formState, req.Lang, e.Fields, false)
		if len(e.Fields) == 0 {
			page.FormError = h.srv.Message(req.Lang, e, req.ID)
		}
	case model.CodeDuplicateClient:
		// The summary says whose client it is and what to do next; the
		// identifier that clashed carries the error as well.
		page.FormError = h.srv.Message(req.Lang, e, req.ID) + " " + h.cat.T(req.Lang, "client.duplicate_next", h.municipalityLabel(e.Municipality, req.Lang))
		page.errors[duplicateField(page.formState)] = []string{h.cat.T(req.Lang, "client.duplicate_field")}
	default:
		h.srv.Fail(w, r, err)
		return
	}
	h.renderClientForm(w, r, server.Status(e.Code), page)
}

// checkDates reports unparseable dates together with everything else the
// model would refuse, without calling the store.
func (h *handler) checkDates(page *clientFormPage, f model.ClientFields, dateErrs []model.FieldError, skip ...string) bool {
	if len(dateErrs) == 0 {
		return false
	}
	h.addErrors(&page.formState, page.Lang, dateErrs, false)
	if _, err := f.Normalize(h.srv.Store().Today()); err != nil {
		var rest []model.FieldError
		for _, fe := range server.AsDomainError(err).Fields {
			if !slices.Contains(skip, fe.Field) {
				rest = append(rest, fe)
			}
		}
		h.addErrors(&page.formState, page.Lang, rest, true)
	}
	return true
}
