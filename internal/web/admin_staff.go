package web

import (
	"net/http"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// staffPage is a main user's list of the staff accounts of the municipality
// and of its wellbeing services county, with the form that creates one.
type staffPage struct {
	Page
	formState
	Done string
	// InvitationLink is a new account's one-time link, shown this once
	// (when it could not be e-mailed).
	InvitationLink string
	// IdentityProviderOnly: password sign-in is off; people sign in
	// through the identity provider and get no invitation.
	IdentityProviderOnly bool
	Accounts             []staffRow
	// organisations are the employers a main user may create accounts for.
	organisations []option
}

// staffRow is one staff account.
type staffRow struct {
	ID, Name, Email, Organisation, Roles, LastSignIn, Created string
	// Disabled accounts cannot sign in; Self is the main user's own
	// account (never disabled from here); CanInvite: a new invitation link
	// can be made (password sign-in is on).
	Disabled, Self, CanInvite, HasPassword bool
}

// staffInputs is the account form, in order.
var staffInputs = []inputSpec{
	{Name: "email", Kind: "email", Key: "staff.email", Required: true},
	{Name: "name", Kind: "text", Key: "staff.name", Required: true},
	{Name: "organisation", Kind: "radio", Key: "staff.organisation", Required: true},
}

// F describes one input of the account form.
func (p staffPage) F(name string) formField {
	for _, in := range staffInputs {
		if in.Name == name {
			if name == "organisation" {
				return p.input(p.formState, in, p.organisations...)
			}
			return p.input(p.formState, in)
		}
	}
	panic("web: no input " + name)
}

// staffForm starts the page for the main user's municipality.
func (h *handler) staffForm(r *http.Request, muni string, state formState) staffPage {
	page := staffPage{Page: h.newPage(r, "title.staff", "staff"), formState: state, IdentityProviderOnly: !h.srv.Store().PasswordSignIn()}
	names := h.organisationNames(r)
	orgs := []string{"municipality:" + muni}
	if m, ok := h.srv.Store().RefData().Municipality(muni); ok {
		orgs = append(orgs, "wellbeing_county:"+m.WellbeingCountyCode)
	}
	for _, id := range orgs {
		kind, _, _ := strings.Cut(id, ":")
		page.organisations = append(page.organisations, option{Value: id, Label: names(id) + " – " + page.T("org_kind."+kind)})
	}
	if page.values["organisation"] == "" {
		page.values["organisation"] = orgs[0]
	}
	return page
}

// staff lists the accounts and shows the empty form.
func (h *handler) staff(w http.ResponseWriter, r *http.Request) {
	muni, ok := ownMunicipality(server.From(r).Actor.Principal, authz.AccountList)
	if !ok {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	page := h.staffForm(r, muni, newFormState())
	if r.URL.Query().Get("done") == "created" {
		page.Done = page.T("staff.done_created") + " " + page.T("staff.identity_provider_only")
	}
	h.renderStaff(w, r, http.StatusOK, muni, page)
}

// createStaff creates a staff account without roles; access to clients
// comes from a grant, made on the grants page.
func (h *handler) createStaff(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	muni, ok := ownMunicipality(req.Actor.Principal, authz.AccountCreate)
	if !ok {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	page := h.staffForm(r, muni, readForm(r, staffInputs))
	h.requireValue(req.Lang, &page.formState, "email", "name", "organisation")
	org := page.values["organisation"]
	if org != "" && !optionExists(page.organisations, org) {
		page.errors["organisation"] = append(page.errors["organisation"], page.T("field."+model.FieldInvalidChoice))
	}
	if page.Invalid() {
		h.renderStaff(w, r, http.StatusUnprocessableEntity, muni, page)
		return
	}
	id, err := h.srv.Store().CreateAccount(r.Context(), req.Actor, store.NewAccount{Email: page.values["email"], Name: page.values["name"], OrganisationID: org})
	if err != nil {
		if !h.formError(r, &page.formState, staffInputs, err, adminRefusal) {
			h.srv.Fail(w, r, err)
			return
		}
		h.renderStaff(w, r, server.Status(server.AsDomainError(err).Code), muni, page)
		return
	}
	if !h.srv.Store().PasswordSignIn() {
		redirect(w, r, "/admin/staff?done=created")
		return
	}
	// Shown, not redirected: the invitation link (without SMTP) is shown
	// this once and kept nowhere.
	done := h.staffForm(r, muni, newFormState())
	n, err := h.invite(r, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	done.Done, done.InvitationLink = page.T("staff.done_created")+" "+n.Text, n.Link
	h.renderStaff(w, r, http.StatusOK, muni, done)
}

// renderStaff lists the accounts under the form.
func (h *handler) renderStaff(w http.ResponseWriter, r *http.Request, status int, muni string, page staffPage) {
	req := server.From(r)
	accounts, err := h.srv.Store().StaffAccounts(r.Context(), req.Actor, muni, true)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page.Accounts = h.accountRows(r, accounts)
	page.summarizeForm(&page.formState, staffInputs)
	page.HasErrors = page.Invalid()
	h.render(w, r, status, "staff", page)
}

func optionExists(options []option, value string) bool {
	for _, o := range options {
		if o.Value == value {
			return true
		}
	}
	return false
}
