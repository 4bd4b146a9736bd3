package web

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// grantsPage is a main user's access review of the municipality: every
// grant it has given (active ones first), the form that grants access, a
// change form and a revoke button on each grant, and the way to revoke the
// grants of dormant accounts in one go.
type grantsPage struct {
	Page
	// formState is the new grant's form.
	formState
	Done   string
	Grants []grantReviewRow
	// Dormant is the number of active grants whose grantee is dormant.
	Dormant int
	// Tasks suggest the statutory tasks (Integration Act § 80(2)) in the page's language.
	Tasks []string
	// Staff suggests the e-mail addresses of the municipality's and its county's staff.
	Staff []option
	// change is a refused change of one grant, shown again on its row.
	change *grantChange
}

// grantReviewRow is one grant of the access review.
type grantReviewRow struct {
	ID                                                string
	Name, Email, Organisation, Role, Task, ValidUntil string
	GrantedAt, LastSignIn, Ended                      string
	GrantedBy                                         person
	Active, ExpiresSoon, Dormant, Revoked, CanChange  bool
	RoleField, UntilField                             formField
	CurrentUntil                                      string
	ChangeOpen                                        bool
	ChangeError                                       string
	ChangeSubmit, RevokeSubmit                        string
}

// grantChange is what was posted to change one grant and what was wrong.
type grantChange struct {
	id int64
	formState
}

// grantInputs is the new grant's form, in order.
var grantInputs = []inputSpec{
	{Name: "email", Kind: "email", Key: "grant.email", Required: true, List: "staff-emails"},
	{Name: "role", Kind: "radio", Key: "grant.role", Required: true},
	{Name: "task", Kind: "text", Key: "grant.task", Required: true, List: "statutory-tasks"},
	{Name: "valid_until", Kind: "date", Key: "grant.valid_until", Optional: true},
}

// statutoryTasks are the catalog keys of the tasks of Integration Act
// § 80(2) offered as suggestions; the task itself is free text.
var statutoryTasks = []string{"task.guidance", "task.assessment", "task.plan", "task.orientation", "task.training"}

// grantRoles are the roles a municipality grants.
var grantRoles = []authz.Role{authz.Worker, authz.Viewer}

func (p grantsPage) roleOptions() []option {
	out := make([]option, 0, len(grantRoles))
	for _, r := range grantRoles {
		out = append(out, option{Value: string(r), Label: p.T("role." + string(r))})
	}
	return out
}

// F describes one input of the new grant's form.
func (p grantsPage) F(name string) formField {
	for _, in := range grantInputs {
		if in.Name == name {
			if name == "role" {
				return p.input(p.formState, in, p.roleOptions()...)
			}
			return p.input(p.formState, in)
		}
	}
	panic("web: no input " + name)
}

func (h *handler) grantsForm(r *http.Request, state formState) grantsPage {
	page := grantsPage{Page: h.newPage(r, "title.grants", "grants"), formState: state}
	for _, key := range statutoryTasks {
		page.Tasks = append(page.Tasks, page.T(key))
	}
	return page
}

// grants shows the access review and an empty grant form.
func (h *handler) grants(w http.ResponseWriter, r *http.Request) {
	muni, ok := ownMunicipality(server.From(r).Actor.Principal, authz.GrantList)
	if !ok {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	page := h.grantsForm(r, newFormState())
	page.values["role"] = string(authz.Worker)
	switch q := r.URL.Query(); q.Get("done") {
	case "granted":
		page.Done = page.T("grants.done_granted")
	case "changed":
		page.Done = page.T("grants.done_changed")
	case "revoked":
		page.Done = page.T("grants.done_revoked")
	case "dormant":
		n, _ := strconv.Atoi(q.Get("count"))
		page.Done = page.T("grants.done_dormant", strconv.Itoa(n))
	}
	h.renderGrants(w, r, http.StatusOK, muni, page)
}

// createGrant grants access to the municipality's clients.
func (h *handler) createGrant(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	muni, ok := ownMunicipality(req.Actor.Principal, authz.GrantCreate)
	if !ok {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	page := h.grantsForm(r, readForm(r, grantInputs))
	h.requireValue(req.Lang, &page.formState, "email", "role", "task")
	until := h.parseOptionalDate(req.Lang, &page.formState, "valid_until")
	if page.Invalid() {
		h.renderGrants(w, r, http.StatusUnprocessableEntity, muni, page)
		return
	}
	_, err := h.srv.Store().CreateGrant(r.Context(), req.Actor, store.NewGrant{Email: page.values["email"], Municipality: muni,
		Role: page.values["role"], Task: page.values["task"], ValidUntil: until})
	if err != nil {
		if !h.formError(r, &page.formState, grantInputs, err, adminRefusal) {
			h.srv.Fail(w, r, err)
			return
		}
		h.renderGrants(w, r, server.Status(server.AsDomainError(err).Code), muni, page)
		return
	}
	redirect(w, r, "/admin/grants?done=granted")
}

// renderGrants loads the access review and shows the page.
func (h *handler) renderGrants(w http.ResponseWriter, r *http.Request, status int, muni string, page grantsPage) {
	req := server.From(r)
	st := h.srv.Store()
	review, err := st.GrantReview(r.Context(), req.Actor, muni)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	staff, err := st.Accounts(r.Context(), req.Actor, muni)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	for _, a := range staff {
		page.Staff = append(page.Staff, option{Value: a.Email, Label: a.Name})
	}
	// Active grants first; the store orders by revocation only.
	slices.SortStableFunc(review, func(a, b store.GrantReviewItem) int {
		return cmp.Compare(boolRank(a.Active), boolRank(b.Active))
	})
	names := h.organisationNames(r)
	lang := req.Lang
	for _, g := range review {
		row := grantReviewRow{ID: strconv.FormatInt(g.ID, 10), Name: g.Name, Email: g.Email, Organisation: names(g.Organisation),
			Role: page.T("role." + g.Role), Task: g.Task, ValidUntil: formatDate(lang, g.ValidUntil), GrantedBy: person{g.CreatedByName, g.CreatedBy},
			GrantedAt: formatTime(lang, g.CreatedAt), LastSignIn: h.formatLastSignIn(lang, g.LastSignInAt),
			Active: g.Active, ExpiresSoon: g.ExpiresSoon, Dormant: g.Dormant, Revoked: g.RevokedAt != nil, CanChange: g.RevokedAt == nil}
		if row.ValidUntil == "" {
			row.ValidUntil = page.T("home.until_further_notice")
		}
		if g.CreatedBy == "operator" {
			row.GrantedBy = person{Email: page.T("grants.by_operator")}
		}
		switch {
		case g.RevokedAt != nil:
			by := g.RevokedBy
			if by == "operator" {
				by = page.T("grants.by_operator")
			}
			row.Ended = page.T("grants.revoked_at", formatTime(lang, *g.RevokedAt), by)
		case !g.Active:
			row.Ended = page.T("grants.expired")
		}
		if g.Dormant {
			page.Dormant++
		}
		if row.CanChange {
			h.grantChangeForm(&page, &row, g)
		}
		page.Grants = append(page.Grants, row)
	}
	page.summarizeForm(&page.formState, grantInputs)
	if c := page.change; c != nil {
		shown := false
		for _, row := range page.Grants {
			if !row.ChangeOpen {
				continue
			}
			shown = true
			if row.ChangeError != "" {
				page.Summary = append(page.Summary, summaryItem{Href: "#" + row.RoleField.ID, Text: row.Name + ": " + row.ChangeError})
			}
			for _, f := range []formField{row.RoleField, row.UntilField} {
				if f.Error != "" {
					page.Summary = append(page.Summary, summaryItem{Href: "#" + f.ID, Text: row.Name + ", " + f.Label + ": " + f.Error})
				}
			}
		}
		if !shown && c.FormError != "" {
			// The grant has no change form any more (revoked meanwhile).
			page.Summary = append(page.Summary, summaryItem{Text: c.FormError})
		}
	}
	page.HasErrors = len(page.Summary) > 0
	h.render(w, r, status, "grants", page)
}

// grantChangeForm fills a row's change form: the grant's current role and
// end date, or what was posted when the change was refused.
func (h *handler) grantChangeForm(page *grantsPage, row *grantReviewRow, g store.GrantReviewItem) {
	s := newFormState()
	s.values["role"] = g.Role
	if g.ValidUntil != nil {
		s.values["valid_until"] = g.ValidUntil.String()
	}
	row.CurrentUntil = s.values["valid_until"]
	if c := page.change; c != nil && c.id == g.ID {
		s = c.formState
		row.ChangeOpen = true
		row.ChangeError = c.FormError
	}
	prefix := "grant-" + row.ID + "-"
	row.RoleField = page.input(s, inputSpec{Name: "role", Kind: "select", Key: "grant.role", Required: true, ID: prefix + "role"}, page.roleOptions()...)
	row.RoleField.Hint = "" // the grant form explains the roles once
	row.UntilField = page.input(s, inputSpec{Name: "valid_until", Kind: "date", Key: "grant.valid_until", Optional: true, ID: prefix + "valid_until"})
	row.ChangeSubmit = page.T("grants.save_change")
	row.RevokeSubmit = page.T("grants.revoke")
}

func boolRank(b bool) int {
	if b {
		return 0
	}
	return 1
}
