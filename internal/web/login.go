package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// loginPage is the sign-in form. The password is never echoed back.
type loginPage struct {
	Page
	Email string
	Next  string
	// SignIn: the identity provider link and whether passwords are allowed.
	SignIn server.SignInOptions
	// Error is the translated reason the sign-in failed ("" on first show).
	Error string
	// Done confirms a password just set with an invitation link.
	Done string
}

// loginForm shows the sign-in form. It is a public route: it reads nothing
// from the session.
func (h *handler) loginForm(w http.ResponseWriter, r *http.Request) {
	next := server.SafeNext(r.URL.Query().Get("next"))
	page := loginPage{Page: h.loginPageBase(r, next), Next: next, SignIn: h.srv.SignIn}
	if r.URL.Query().Get("done") == "password_set" {
		page.Done = page.T("login.done_password_set")
	}
	h.render(w, r, http.StatusOK, "login", page)
}

// loginPageBase is the layout of the sign-in page; its language switcher
// keeps the page to go to after sign-in.
func (h *handler) loginPageBase(r *http.Request, next string) Page {
	p := h.newPage(r, "title.login", "")
	if next != "/" {
		p.Here = "/login?next=" + url.QueryEscape(next)
	}
	return p
}

// login checks the e-mail and password and starts a session. Wrong
// credentials re-render the form (401) with the typed e-mail; too many
// failures show how long to wait (429).
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	if err := h.crossOrigin.Check(r); err != nil {
		h.errorPage(w, r, http.StatusForbidden)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	next := server.SafeNext(r.PostFormValue("next"))
	req := server.From(r)
	token, _, err := h.srv.Store().SignInWithPassword(r.Context(), email, r.PostFormValue("password"), req.Actor.Meta)
	if err == nil {
		server.SetSessionCookie(w, r, token)
		redirect(w, r, next)
		return
	}
	if len(email) > model.MaxEmailLength {
		email = "" // not an address: not shown back either
	}
	page := loginPage{Page: h.loginPageBase(r, next), Email: email, Next: next, SignIn: h.srv.SignIn}
	page.HasErrors = true
	var rl *store.RateLimitedError
	switch code := model.ErrorCode(err); {
	case errors.As(err, &rl):
		page.Error = h.srv.Message(req.Lang, server.AsDomainError(err), req.ID)
		w.Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter.Seconds())))
		h.render(w, r, http.StatusTooManyRequests, "login", page)
	case code == model.CodeBusy:
		e := server.AsDomainError(err)
		page.Error = h.srv.Message(req.Lang, e, req.ID)
		w.Header().Set("Retry-After", server.RetryAfter(e))
		h.render(w, r, http.StatusServiceUnavailable, "login", page)
	case code == model.CodeUnauthenticated:
		page.Error = page.T("login.failed")
		h.render(w, r, http.StatusUnauthorized, "login", page)
	default:
		h.srv.Fail(w, r, err)
	}
}
