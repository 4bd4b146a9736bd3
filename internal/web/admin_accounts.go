package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// invitationNotice is what the staff page says after an invitation was made:
// that it was e-mailed, or (without SMTP) the link itself, shown this once.
type invitationNotice struct {
	Text string
	// Link is the one-time link to pass on (only when it was not e-mailed).
	Link string
}

// staffAccountAction runs one of a main user's actions on a staff account
// (disable, enable, invite) and shows the staff page again.
func (h *handler) staffAccountAction(a authz.Action) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req := server.From(r)
		muni, ok := ownMunicipality(req.Actor.Principal, a)
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if !ok || err != nil {
			h.srv.Fail(w, r, model.ErrNotFound)
			return
		}
		page := h.staffForm(r, muni, newFormState())
		st := h.srv.Store()
		switch a {
		case authz.AccountDisable:
			err = st.DisableAccount(r.Context(), req.Actor, id)
			page.Done = page.T("staff.done_disabled")
		case authz.AccountEnable:
			err = st.EnableAccount(r.Context(), req.Actor, id)
			page.Done = page.T("staff.done_enabled")
		case authz.AccountInvite:
			var n invitationNotice
			n, err = h.invite(r, id)
			page.Done, page.InvitationLink = n.Text, n.Link
		}
		if err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		h.renderStaff(w, r, http.StatusOK, muni, page)
	}
}

// invite makes a new invitation for the account and delivers it: by e-mail
// where SMTP is configured, else as a link shown to the main user once.
func (h *handler) invite(r *http.Request, accountID int64) (invitationNotice, error) {
	lang := server.From(r).Lang
	inv, err := h.srv.Store().InviteAccount(r.Context(), server.From(r).Actor, accountID)
	if err != nil {
		return invitationNotice{}, err
	}
	link := h.publicBase(r) + "/invitation/" + inv.Token
	until := formatTime(lang, inv.ExpiresAt)
	if m := h.srv.Mail; m.Enabled() {
		body := h.cat.T(lang, "invitation.mail_body", inv.Name, link, until)
		if err := m.Send(inv.Email, h.cat.T(lang, "invitation.mail_subject"), body); err == nil {
			return invitationNotice{Text: h.cat.T(lang, "staff.invitation_sent", inv.Email, until)}, nil
		}
		// Not delivered: the main user passes the link on instead.
		return invitationNotice{Text: h.cat.T(lang, "staff.invitation_not_sent", inv.Email, until), Link: link}, nil
	}
	return invitationNotice{Text: h.cat.T(lang, "staff.invitation_link", inv.Email, until), Link: link}, nil
}

// publicBase is the service's address for links given to people: the
// configured base URL, or the address this request came to.
func (h *handler) publicBase(r *http.Request) string {
	if b := h.srv.BaseURL(); b != "" {
		return b
	}
	scheme := "http"
	if server.From(r).Secure {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// invitationPage is the form that sets a password with an invitation link.
type invitationPage struct {
	Page
	Name, Email, Token string
	Error              string
}

// invitation shows the form for a working invitation; any other link gets
// the "no longer valid" page.
func (h *handler) invitation(w http.ResponseWriter, r *http.Request) {
	page := invitationPage{Page: h.newPage(r, "title.invitation", "")}
	inv, err := h.srv.Store().InvitationFor(r.Context(), r.PathValue("token"))
	if err != nil {
		h.render(w, r, http.StatusNotFound, "invitation", page)
		return
	}
	page.Name, page.Email, page.Token = inv.Name, inv.Email, inv.Token
	h.render(w, r, http.StatusOK, "invitation", page)
}

// acceptInvitation sets the password and leads to the sign-in page.
func (h *handler) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	if err := h.crossOrigin.Check(r); err != nil {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	page := invitationPage{Page: h.newPage(r, "title.invitation", ""), Token: r.PathValue("token")}
	pw, again := r.PostFormValue("password"), r.PostFormValue("password_again")
	inv, err := h.srv.Store().InvitationFor(r.Context(), page.Token)
	if err != nil {
		page.Token = ""
		h.render(w, r, http.StatusNotFound, "invitation", page)
		return
	}
	page.Name, page.Email = inv.Name, inv.Email
	switch {
	case strings.TrimSpace(pw) == "":
		page.Error = page.T("field." + model.FieldRequired)
	case pw != again:
		page.Error = page.T("invitation.mismatch")
	}
	if page.Error == "" {
		_, err = h.srv.Store().AcceptInvitation(r.Context(), page.Token, pw, server.From(r).Actor.Meta)
		if err == nil {
			redirect(w, r, "/login?done=password_set")
			return
		}
		e := server.AsDomainError(err)
		if e.Code != model.CodeValidationFailed {
			h.srv.Fail(w, r, err)
			return
		}
		page.Error = page.T("field.password_too_short")
	}
	page.HasErrors = true
	h.render(w, r, http.StatusUnprocessableEntity, "invitation", page)
}

// accountsRows describes the staff accounts for the staff page.
func (h *handler) accountRows(r *http.Request, accounts []store.StaffAccount) []staffRow {
	req := server.From(r)
	names := h.organisationNames(r)
	me := req.Actor.Principal.AccountID
	out := make([]staffRow, 0, len(accounts))
	for _, a := range accounts {
		out = append(out, staffRow{ID: strconv.FormatInt(a.ID, 10), Name: a.Name, Email: a.Email, Organisation: names(a.Organisation),
			Roles: h.roleLabels(req.Lang, a.Roles), LastSignIn: h.formatLastSignIn(req.Lang, a.LastSignInAt), Created: formatTime(req.Lang, a.CreatedAt),
			Disabled: a.Disabled, Self: a.ID == me, CanInvite: !a.Disabled && h.srv.Store().PasswordSignIn(), HasPassword: a.HasPassword})
	}
	return out
}
