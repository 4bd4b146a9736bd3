package web

import (
	"slices"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/refdata"
)

// The background data of the client form (issue 11): sex and client group
// are selects with "not told" as the empty choice; citizenships are up to
// three selects of countries (the first also offers "stateless"); the mother
// tongue is a text input with a list of suggestions, since ISO 639 has some
// 7,000 living languages: the server takes a name in fi/sv/en or a code.
// Everything is checked again by the model.
const (
	fSex           = "sex"
	fCitizenship1  = "citizenships"
	fCitizenship2  = "citizenships_2"
	fCitizenship3  = "citizenships_3"
	fMotherTongue  = "mother_tongue"
	fArrivalDate   = "arrival_date"
	fClientGroup   = "client_group"
	languageListID = "languages"
)

var citizenshipFields = []string{fCitizenship1, fCitizenship2, fCitizenship3}

// backgroundLists are the translated choices of the form, per UI language,
// in the language's alphabetical order.
type backgroundLists struct {
	countries map[string][]option
	// languages are the suggestions "somali (so)" of the languages CLDR names.
	languages map[string][]string
}

func newBackgroundLists() *backgroundLists {
	b := &backgroundLists{countries: map[string][]option{}, languages: map[string][]string{}}
	for _, lang := range []string{"fi", "sv", "en"} {
		coll := collator(lang)
		var cs []option
		for _, c := range refdata.Countries() {
			cs = append(cs, option{Value: c.Code, Label: c.Name(lang)})
		}
		slices.SortFunc(cs, func(a, b option) int { return coll.CompareString(a.Label, b.Label) })
		b.countries[lang] = cs
		var ls []string
		for _, l := range refdata.Languages() {
			if l.CommonName() {
				ls = append(ls, languageSuggestion(l, lang))
			}
		}
		slices.SortFunc(ls, coll.CompareString)
		b.languages[lang] = ls
	}
	return b
}

// collator sorts in the alphabetical order of a UI language.
func collator(lang string) *collate.Collator {
	switch lang {
	case "sv":
		return collate.New(language.Swedish)
	case "en":
		return collate.New(language.English)
	}
	return collate.New(language.Finnish)
}

// languageSuggestion is how the form shows a language: "somali (so)".
func languageSuggestion(l refdata.Language, lang string) string {
	return l.Name(lang) + " (" + l.Code + ")"
}

// backgroundOptions are the choices of a background select.
func (h *handler) backgroundOptions(name, lang, value string) []option {
	var out []option
	switch name {
	case fSex:
		for _, s := range model.Sexes {
			out = append(out, option{Value: s, Label: h.cat.T(lang, "sex."+s)})
		}
	case fClientGroup:
		for _, g := range model.ClientGroups {
			out = append(out, option{Value: g, Label: h.cat.T(lang, "client_group."+g)})
		}
	case fCitizenship1, fCitizenship2, fCitizenship3:
		if name == fCitizenship1 {
			out = append(out, option{Value: refdata.Stateless, Label: h.cat.T(lang, "citizenship.stateless")})
		}
		out = append(out, h.bg.countries[lang]...)
	}
	for i := range out {
		out[i].Selected = out[i].Value == value
	}
	return out
}

// derivedSex is the sex that the form's identity code encodes, or "" when
// the form has no valid code (then the sex is chosen).
func (s formState) derivedSex() string {
	pic, err := model.ParsePersonalIdentityCode(s.values[fIdentityCode])
	if err != nil {
		return ""
	}
	return model.SexFromIdentityCode(pic)
}

// backgroundFields reads the background inputs into f; a mother tongue that
// names no language is a field error. With an identity code the sex is not
// read: the store derives it from the code.
func (s formState) backgroundFields(f *model.ClientFields, errs *[]model.FieldError) {
	if strings.TrimSpace(s.values[fIdentityCode]) == "" {
		f.Sex = optional(s.values[fSex])
	}
	for _, name := range citizenshipFields {
		if v := strings.TrimSpace(s.values[name]); v != "" {
			f.Citizenships = append(f.Citizenships, v)
		}
	}
	if t := strings.TrimSpace(s.values[fMotherTongue]); t != "" {
		if code, ok := refdata.LanguageFromText(t); ok {
			f.MotherTongue = &code
		} else {
			*errs = append(*errs, model.FieldError{Field: fMotherTongue, Code: model.FieldUnknownLanguage})
		}
	}
	f.ArrivalDate = s.date(fArrivalDate, errs)
	f.ClientGroup = optional(s.values[fClientGroup])
}

// backgroundPatch sets the background fields of the edit form; the sex only
// without an identity code (with one, the store derives it).
func backgroundPatch(p *model.ClientPatch, f model.ClientFields) {
	if f.PersonalIdentityCode == nil {
		p.Sex = model.Set(f.Sex)
	}
	p.Citizenships = model.Set(f.Citizenships)
	p.MotherTongue = model.Set(f.MotherTongue)
	p.ArrivalDate = model.Set(f.ArrivalDate)
	p.ClientGroup = model.Set(f.ClientGroup)
}

// backgroundValues fills the form's background inputs from a stored client.
func backgroundValues(s formState, c model.ClientFields, lang string) {
	s.values[fSex] = deref(c.Sex)
	for i, code := range c.Citizenships {
		if i < len(citizenshipFields) {
			s.values[citizenshipFields[i]] = code
		}
	}
	if l, ok := refdata.LanguageByCode(deref(c.MotherTongue)); ok {
		s.values[fMotherTongue] = languageSuggestion(l, lang)
	}
	if c.ArrivalDate != nil {
		s.values[fArrivalDate] = c.ArrivalDate.String()
	}
	s.values[fClientGroup] = deref(c.ClientGroup)
}

// sexLabel, citizenshipsLabel, languageLabel and clientGroupLabel show
// stored background values in the UI language ("" for not told).
func (h *handler) sexLabel(lang, v string) string {
	if !slices.Contains(model.Sexes, v) {
		return v
	}
	return h.cat.T(lang, "sex."+v)
}

func (h *handler) citizenshipsLabel(lang string, codes []string) string {
	names := make([]string, 0, len(codes))
	for _, code := range codes {
		if code == refdata.Stateless {
			names = append(names, h.cat.T(lang, "citizenship.stateless"))
		} else if c, ok := refdata.CountryByCode(code); ok {
			names = append(names, c.Name(lang))
		} else {
			names = append(names, code)
		}
	}
	return strings.Join(names, ", ")
}

func languageLabel(lang, code string) string {
	if l, ok := refdata.LanguageByCode(code); ok {
		return l.Name(lang)
	}
	return code
}

func (h *handler) clientGroupLabel(lang, v string) string {
	if !slices.Contains(model.ClientGroups, v) {
		return v
	}
	return h.cat.T(lang, "client_group."+v)
}

// backgroundValue shows a stored background value (as the history keeps it)
// in the UI language; ok is false for a field that is not background data.
func (h *handler) backgroundValue(lang, field, v string) (string, bool) {
	switch field {
	case fSex:
		return h.sexLabel(lang, v), true
	case fCitizenship1:
		return h.citizenshipsLabel(lang, model.ParseCitizenships(v)), true
	case fMotherTongue:
		return languageLabel(lang, v), true
	case fClientGroup:
		return h.clientGroupLabel(lang, v), true
	case fArrivalDate:
		if d, err := model.ParseDate(v); err == nil {
			return formatDate(lang, &d), true
		}
	}
	return v, false
}
