package web

import (
	"net/http"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// editPage is the edit form of one client. The municipality is shown, not
// edited: it changes only by a transfer.
func (h *handler) editPage(r *http.Request, id, municipality string, state formState) clientFormPage {
	state.values[fMunicipality] = municipality
	return clientFormPage{Page: h.newPage(r, "title.edit", ""), formState: state, Edit: true, Action: "/clients/" + id + "/edit",
		ClientID: id, MunicipalityLabel: h.municipalityLabel(municipality, server.From(r).Lang)}
}

// editForm shows the form filled with the client's current data.
func (h *handler) editForm(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	c, err := h.srv.Store().ClientByID(r.Context(), req.Actor, r.PathValue("id"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if !req.Actor.Principal.Allowed(authz.ClientUpdate, c.Municipality).Allowed {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	h.renderClientForm(w, r, http.StatusOK, h.editPage(r, c.ID, c.Municipality, clientFormValues(c.ClientFields, req.Lang)))
}

// edit applies the form as a patch and goes back to the client page.
func (h *handler) edit(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	// The municipality comes back from a hidden field only to be shown again
	// if the form has errors; it is not part of the change.
	page := h.editPage(r, id, r.PostFormValue(fMunicipality), readClientForm(r))
	f, dateErrs := page.clientFields()
	if h.checkDates(&page, f, dateErrs, fMunicipality) {
		h.renderClientForm(w, r, http.StatusUnprocessableEntity, page)
		return
	}
	c, err := h.srv.Store().UpdateClient(r.Context(), server.From(r).Actor, id, page.patch(f))
	if err != nil {
		h.failClientForm(w, r, page, err)
		return
	}
	redirect(w, r, "/clients/"+c.ID+"?done=updated")
}

// clientFormValues fills the form from a stored client.
func clientFormValues(c model.ClientFields, lang string) formState {
	s := newFormState()
	date := func(d *model.Date) string {
		if d == nil {
			return ""
		}
		return d.String()
	}
	boolean := func(b bool) string {
		if b {
			return "true"
		}
		return ""
	}
	s.values[fMunicipality] = c.Municipality
	s.values[fIdentityCode] = deref(c.PersonalIdentityCode)
	s.values[fUMANumber] = deref(c.UMANumber)
	s.values[fFirstNames] = c.FirstNames
	s.values[fLastName] = c.LastName
	s.values[fDateOfBirth] = date(c.DateOfBirth)
	if rb := c.ResidenceBasis; rb != nil {
		s.values[fResidenceType] = rb.Type
		s.values[fValidUntil] = date(rb.ValidUntil)
		s.values[fPermanent] = boolean(rb.Permanent)
		s.values[fFirstPermitDate] = date(rb.FirstPermitDate)
	}
	s.values[fServiceLanguage] = c.ServiceLanguage
	s.values[fEmail] = deref(c.Email)
	s.values[fPhone] = formatPhone(deref(c.Phone))
	s.values[fRightToWork] = c.RightToWork
	s.values[fJobseeker] = boolean(c.Jobseeker)
	backgroundValues(s, c, lang)
	return s
}
