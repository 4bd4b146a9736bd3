package web

import (
	"net/http"
	"net/url"

	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/server"
)

// language remembers the chosen language in a cookie and goes back to the
// page the switcher was on. It only sets a cookie, so it needs no session,
// but it refuses cross-origin posts.
func (h *handler) language(w http.ResponseWriter, r *http.Request) {
	if err := h.crossOrigin.Check(r); err != nil {
		h.errorPage(w, r, http.StatusForbidden)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	lang := r.PostFormValue("lang")
	if !locale.Supported(lang) {
		h.errorPage(w, r, http.StatusBadRequest)
		return
	}
	server.SetLangCookie(w, r, lang)
	redirect(w, r, backTo(r.PostFormValue("next")))
}

// backTo is SafeNext, except that the sign-in page keeps its own (safe)
// next parameter, so that switching language there does not lose it.
func backTo(next string) string {
	to := server.SafeNext(next)
	if to != "/login" {
		return to
	}
	if u, err := url.Parse(next); err == nil {
		if n := u.Query().Get("next"); n != "" && server.SafeNext(n) != "/" {
			return "/login?next=" + url.QueryEscape(server.SafeNext(n))
		}
	}
	return to
}
