package web

import (
	"net/http"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// clientPage shows one client and the history of changes.
type clientPage struct {
	Page
	ID      string
	Name    string
	Fields  []detail
	History []historyRow
	CanEdit bool
	// CanSeeAccesses: the reader may see who has seen the client's data
	// (the main user of the client's municipality).
	CanSeeAccesses bool
	// Done is a translated confirmation after registering or saving.
	Done string
}

// detail is one term and its description in the client's data.
type detail struct {
	Label, Value string
	// Empty marks a field without a value (shown as "not given").
	Empty bool
}

// historyRow is one changed field.
type historyRow struct {
	Time, Field, Actor, Old, New string
}

func (h *handler) client(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	st := h.srv.Store()
	c, err := st.ClientByID(r.Context(), req.Actor, r.PathValue("id"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	history, err := st.ClientHistory(r.Context(), req.Actor, c.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	lang := req.Lang
	page := clientPage{Page: h.newPage(r, "title.client", ""), ID: c.ID, Name: c.FirstNames + " " + c.LastName,
		CanEdit:        req.Actor.Principal.Allowed(authz.ClientUpdate, c.Municipality).Allowed,
		CanSeeAccesses: req.Actor.Principal.Allowed(authz.AuditRead, c.Municipality).Allowed}
	switch r.URL.Query().Get("done") {
	case "registered":
		page.Done = page.T("client.done_registered")
	case "updated":
		page.Done = page.T("client.done_updated")
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	add := func(name, value string) {
		page.Fields = append(page.Fields, detail{Label: page.T("label." + name), Value: value, Empty: value == ""})
	}
	rb := c.ResidenceBasis
	if rb == nil {
		rb = &model.ResidenceBasis{}
	}
	add(fMunicipality, h.municipalityLabel(c.Municipality, lang))
	add(fIdentityCode, str(c.PersonalIdentityCode))
	add(fUMANumber, str(c.UMANumber))
	add(fFirstNames, c.FirstNames)
	add(fLastName, c.LastName)
	add(fDateOfBirth, formatDate(lang, c.DateOfBirth))
	add(fResidenceType, h.residenceLabel(lang, rb.Type))
	validUntil := formatDate(lang, rb.ValidUntil)
	if validUntil == "" && (rb.Permanent || rb.Type == "citizenship") {
		validUntil = page.T("client.no_end_date")
	}
	add(fValidUntil, validUntil)
	add(fPermanent, h.yesNo(lang, rb.Permanent))
	add(fFirstPermitDate, formatDate(lang, rb.FirstPermitDate))
	add(fServiceLanguage, h.serviceLanguageLabel(lang, c.ServiceLanguage))
	add(fEmail, str(c.Email))
	add(fPhone, str(c.Phone))
	add(fRightToWork, c.RightToWork)
	add(fJobseeker, h.yesNo(lang, c.Jobseeker))
	add("registered_at", formatTime(lang, c.CreatedAt))
	add("updated_at", formatTime(lang, c.UpdatedAt))
	for _, ch := range history {
		page.History = append(page.History, historyRow{Time: formatTime(lang, ch.At), Field: page.T("label." + ch.Field), Actor: ch.Actor,
			Old: h.historyValue(lang, ch.Field, ch.OldValue), New: h.historyValue(lang, ch.Field, ch.NewValue)})
	}
	h.render(w, r, http.StatusOK, "client", page)
}

// historyValue shows a stored old or new value as the client page shows it.
func (h *handler) historyValue(lang, field string, v *string) string {
	if v == nil {
		return ""
	}
	switch field {
	case fResidenceType:
		return h.residenceLabel(lang, *v)
	case fServiceLanguage:
		return h.serviceLanguageLabel(lang, *v)
	case fPermanent, fJobseeker:
		return h.yesNo(lang, *v == "true")
	case fDateOfBirth, fValidUntil, fFirstPermitDate:
		if d, err := model.ParseDate(*v); err == nil {
			return formatDate(lang, &d)
		}
	case fMunicipality:
		return h.municipalityLabel(*v, lang)
	}
	return *v
}
