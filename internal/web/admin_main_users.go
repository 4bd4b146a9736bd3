package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// mainUsersPage is a KEHA admin's page of one municipality's main users:
// choose the municipality, see its accounts with their roles, appoint an
// existing account, create a new main user's account, remove the role.
type mainUsersPage struct {
	Page
	// formState is the appointment form (e-mail of an existing account).
	formState
	// create is the form of a new main user's account.
	create            formState
	Done              string
	Municipality      string
	MunicipalityLabel string
	choice            formState
	choices           []option
	Accounts          []mainUserRow
	// Summary lists the errors of whichever form was refused.
	Summary []summaryItem
}

// mainUserRow is one account of the chosen municipality or its county.
type mainUserRow struct {
	ID, Name, Email, Organisation, Roles, LastSignIn string
	// MainUser: the account has the role; Municipal: it could have it.
	MainUser, Municipal bool
}

var (
	mainUserChoiceInput  = inputSpec{Name: "municipality", Kind: "select", Key: "main_users.municipality", Required: true}
	mainUserAppointInput = []inputSpec{{Name: "email", Kind: "email", Key: "main_users.appoint_email", Required: true, ID: "appoint-email"}}
	mainUserCreateInputs = []inputSpec{
		{Name: "email", Kind: "email", Key: "staff.email", Required: true, ID: "new-email"},
		{Name: "name", Kind: "text", Key: "staff.name", Required: true, ID: "new-name"},
	}
)

// Choice is the municipality select.
func (p mainUsersPage) Choice() formField {
	return p.input(p.choice, mainUserChoiceInput, p.choices...)
}

// Appoint is the e-mail input of the appointment form.
func (p mainUsersPage) Appoint() formField { return p.input(p.formState, mainUserAppointInput[0]) }

// New describes one input of the new account's form.
func (p mainUsersPage) New(name string) formField {
	for _, in := range mainUserCreateInputs {
		if in.Name == name {
			return p.input(p.create, in)
		}
	}
	panic("web: no input " + name)
}

// mainUsersForm starts the page for municipality muni ("" when not chosen yet).
func (h *handler) mainUsersForm(r *http.Request, muni string) mainUsersPage {
	lang := server.From(r).Lang
	page := mainUsersPage{Page: h.newPage(r, "title.main_users", "main_users"), formState: newFormState(), create: newFormState(),
		choice: newFormState(), Municipality: muni}
	page.choice.values["municipality"] = muni
	page.choices = h.municipalityOptions(lang)
	if muni != "" {
		page.MunicipalityLabel = h.municipalityLabel(muni, lang)
	}
	return page
}

// municipalityOptions are all municipalities, in the alphabetical order of
// the language.
func (h *handler) municipalityOptions(lang string) []option {
	coll := collator(lang)
	var out []option
	for _, m := range h.srv.Store().RefData().Municipalities {
		out = append(out, option{Value: m.Code, Label: h.municipalityLabel(m.Code, lang)})
	}
	slices.SortFunc(out, func(a, b option) int { return coll.CompareString(a.Label, b.Label) })
	return out
}

// knownMunicipality reports whether code is a municipality of the reference data.
func (h *handler) knownMunicipality(code string) bool {
	_, ok := h.srv.Store().RefData().Municipality(code)
	return ok
}

// mainUsers shows the municipality select and, once one is chosen, its accounts.
func (h *handler) mainUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	muni := strings.TrimSpace(q.Get("municipality"))
	if muni != "" && !h.knownMunicipality(muni) {
		h.srv.Fail(w, r, model.ErrNotFound)
		return
	}
	page := h.mainUsersForm(r, muni)
	switch q.Get("done") {
	case "appointed":
		page.Done = page.T("main_users.done_appointed")
	case "created":
		page.Done = page.T("main_users.done_created")
	case "removed":
		page.Done = page.T("main_users.done_removed")
	}
	h.renderMainUsers(w, r, http.StatusOK, page)
}

// postedMunicipality reads the hidden municipality field of the page's forms.
func (h *handler) postedMunicipality(r *http.Request) (string, bool) {
	muni := strings.TrimSpace(r.PostFormValue("municipality"))
	return muni, h.knownMunicipality(muni)
}

// appointMainUser gives an existing municipal account the main user role.
func (h *handler) appointMainUser(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	muni, ok := h.postedMunicipality(r)
	if !ok {
		h.srv.Fail(w, r, model.ErrNotFound)
		return
	}
	page := h.mainUsersForm(r, muni)
	page.formState = readForm(r, mainUserAppointInput)
	h.requireValue(req.Lang, &page.formState, "email")
	if !page.Invalid() {
		err := h.srv.Store().AppointMainUser(r.Context(), req.Actor, page.values["email"])
		if err == nil {
			redirect(w, r, mainUsersURL(muni, "appointed"))
			return
		}
		if !h.formError(r, &page.formState, mainUserAppointInput, err, adminRefusal) {
			h.srv.Fail(w, r, err)
			return
		}
	}
	page.summarizeForm(&page.formState, mainUserAppointInput)
	page.Summary = page.formState.Summary
	h.renderMainUsers(w, r, http.StatusUnprocessableEntity, page)
}

// createMainUser creates an account employed by the municipality with the
// main user role, for a municipality that has nobody to appoint yet.
func (h *handler) createMainUser(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	muni, ok := h.postedMunicipality(r)
	if !ok {
		h.srv.Fail(w, r, model.ErrNotFound)
		return
	}
	page := h.mainUsersForm(r, muni)
	page.create = readForm(r, mainUserCreateInputs)
	h.requireValue(req.Lang, &page.create, "email", "name")
	status := http.StatusUnprocessableEntity
	if !page.create.Invalid() {
		_, err := h.srv.Store().CreateAccount(r.Context(), req.Actor, store.NewAccount{Email: page.create.values["email"], Name: page.create.values["name"],
			OrganisationID: "municipality:" + muni, Roles: []authz.Role{authz.MainUser}})
		if err == nil {
			redirect(w, r, mainUsersURL(muni, "created"))
			return
		}
		if !h.formError(r, &page.create, mainUserCreateInputs, err, adminRefusal) {
			h.srv.Fail(w, r, err)
			return
		}
		status = server.Status(server.AsDomainError(err).Code)
	}
	page.summarizeForm(&page.create, mainUserCreateInputs)
	page.Summary = page.create.Summary
	h.renderMainUsers(w, r, status, page)
}

// removeMainUser takes the main user role away from an account.
func (h *handler) removeMainUser(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	muni, ok := h.postedMunicipality(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if !ok || err != nil || id <= 0 {
		h.srv.Fail(w, r, model.ErrNotFound)
		return
	}
	if err := h.srv.Store().RemoveMainUser(r.Context(), req.Actor, id); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	redirect(w, r, mainUsersURL(muni, "removed"))
}

func mainUsersURL(muni, done string) string {
	return "/admin/main-users?" + url.Values{"municipality": {muni}, "done": {done}}.Encode()
}

// renderMainUsers lists the chosen municipality's accounts.
func (h *handler) renderMainUsers(w http.ResponseWriter, r *http.Request, status int, page mainUsersPage) {
	req := server.From(r)
	if page.Municipality != "" {
		accounts, err := h.srv.Store().Accounts(r.Context(), req.Actor, page.Municipality)
		if err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		names := h.organisationNames(r)
		for _, a := range accounts {
			page.Accounts = append(page.Accounts, mainUserRow{ID: strconv.FormatInt(a.ID, 10), Name: a.Name, Email: a.Email,
				Organisation: names(a.Organisation), Roles: h.roleLabels(req.Lang, a.Roles), LastSignIn: h.formatLastSignIn(req.Lang, a.LastSignInAt),
				MainUser: slices.Contains(a.Roles, authz.MainUser), Municipal: strings.HasPrefix(a.Organisation, "municipality:")})
		}
		page.Title = page.T("title.main_users_of", page.MunicipalityLabel)
	}
	page.HasErrors = len(page.Summary) > 0
	h.render(w, r, status, "main_users", page)
}
