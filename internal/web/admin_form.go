package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// inputSpec describes one input of the short forms of the administration
// and monitoring pages. Its label is label.<Key> and its hint hint.<Key>
// when the catalog has one; Key defaults to Name. Name is the store's field
// name, so that the store's field errors land on their inputs.
type inputSpec struct {
	Name, Kind, Key    string
	Required, Optional bool
	// ID overrides the element id (default: from Name), for forms of which a
	// page has several.
	ID string
	// List is the id of a datalist of suggestions.
	List string
	// Group is the translated name of the row the input is in ("Preparer
	// 2"), for the error summary.
	Group string
}

func (s inputSpec) key() string {
	if s.Key != "" {
		return s.Key
	}
	return s.Name
}

func (s inputSpec) id() string {
	if s.ID != "" {
		return s.ID
	}
	return fieldID(s.Name)
}

// readForm keeps the posted values of the inputs, untrimmed.
func readForm(r *http.Request, specs []inputSpec) formState {
	s := newFormState()
	if r.PostForm == nil {
		_ = r.ParseForm() // as PostFormValue would; groups of checkboxes read r.PostForm
	}
	for _, in := range specs {
		if in.Kind == "checkboxes" {
			s.lists[in.Name] = r.PostForm[in.Name]
			continue
		}
		v := r.PostFormValue(in.Name)
		if in.Kind == "checkbox" && v != "true" {
			v = ""
		}
		s.values[in.Name] = v
	}
	return s
}

// input describes one input for the "field" template.
func (p Page) input(s formState, in inputSpec, options ...option) formField {
	f := formField{ID: in.id(), Name: in.Name, Kind: in.Kind, Label: p.T("label." + in.key()), Value: s.values[in.Name],
		Required: in.Required, Optional: in.Optional, Checked: s.values[in.Name] == "true", List: in.List,
		OptionalText: p.T("form.optional"), ErrorPrefix: p.T("form.error_prefix"), Placeholder: p.T("form.choose")}
	if key := "hint." + in.key(); p.cat.Has(key) {
		f.Hint = p.T(key)
	}
	f.Error = strings.Join(s.errors[in.Name], " ")
	for i, o := range options {
		o.Selected = o.Value == f.Value
		if in.Kind == "checkboxes" {
			o.Selected = slices.Contains(s.lists[in.Name], o.Value)
		}
		if in.Kind == "radio" || in.Kind == "checkboxes" {
			o.ID = f.ID + "-" + fieldID(o.Value)
			if i == 0 {
				o.ID = f.ID // the error summary links to the first choice
			}
		}
		f.Options = append(f.Options, o)
	}
	return f
}

// summarizeForm lists the form's errors in the order of its inputs, each
// linking to its input; an error of the whole form comes first.
func (p Page) summarizeForm(s *formState, specs []inputSpec) {
	s.Summary = nil
	if s.FormError != "" {
		href := ""
		if len(specs) > 0 {
			href = "#" + specs[0].id()
		}
		s.Summary = append(s.Summary, summaryItem{Href: href, Text: s.FormError})
	}
	for _, in := range specs {
		label := p.T("label." + in.key())
		if in.Group != "" {
			label = in.Group + ", " + label
		}
		for _, msg := range s.errors[in.Name] {
			s.Summary = append(s.Summary, summaryItem{Href: "#" + in.id(), Text: label + ": " + msg})
		}
	}
}

// refusal says how a form shows what the store refused: which domain error
// codes besides validation_failed are shown in the form (their field errors
// next to the inputs, or, without fields, as an error of the whole form),
// which input a field error is about and its message.
type refusal struct {
	whole []string
	// input maps a store field to the form's input (nil: the same name).
	input func(field string) string
	// message translates a field error (nil: the server's field message).
	message func(lang string, fe model.FieldError) string
	// seen, if set, is told every field error code.
	seen func(code string)
}

// adminRefusal is how the administration forms show refusals: conflicts and
// "not in this version" too.
var adminRefusal = refusal{whole: []string{model.CodeConflict, model.CodeNotInThisVersion}}

// formError puts what the store refused into the form: field errors next to
// their inputs (errors about inputs the form does not have as an error of
// the whole form), and the refusals named in how as an error of the whole
// form. It reports false for anything else (not found, forbidden, internal),
// which the caller shows as an error page.
func (h *handler) formError(r *http.Request, s *formState, specs []inputSpec, err error, how refusal) bool {
	req := server.From(r)
	e := server.AsDomainError(err)
	if e.Code != model.CodeValidationFailed && !slices.Contains(how.whole, e.Code) {
		return false
	}
	known := map[string]bool{}
	for _, in := range specs {
		known[in.Name] = true
	}
	for _, fe := range e.Fields {
		if how.seen != nil {
			how.seen(fe.Code)
		}
		msg, name := h.srv.FieldMessage(req.Lang, fe), fe.Field
		if how.message != nil {
			msg = how.message(req.Lang, fe)
		}
		if how.input != nil {
			name = how.input(fe.Field)
		}
		if known[name] {
			s.errors[name] = append(s.errors[name], msg)
		} else if s.FormError == "" {
			s.FormError = msg
		}
	}
	if len(e.Fields) == 0 {
		s.FormError = h.srv.Message(req.Lang, e, req.ID)
	}
	return true
}

// requireValue records "required" for each named input left blank.
func (h *handler) requireValue(lang string, s *formState, names ...string) {
	for _, name := range names {
		if strings.TrimSpace(s.values[name]) == "" {
			s.errors[name] = append(s.errors[name], h.cat.T(lang, "field."+model.FieldRequired))
		}
	}
}

// parseOptionalDate reads a date input: nil when blank, an error message
// for the input when it is not a date.
func (h *handler) parseOptionalDate(lang string, s *formState, name string) *model.Date {
	v := strings.TrimSpace(s.values[name])
	if v == "" {
		return nil
	}
	d, err := model.ParseDate(v)
	if err != nil {
		s.errors[name] = append(s.errors[name], h.cat.T(lang, "field."+model.FieldInvalidDate))
		return nil
	}
	return &d
}
