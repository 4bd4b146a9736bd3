package web

import (
	"net/http"

	"github.com/kotodigi/kotodigi/internal/server"
)

// logout ends this session, or with everywhere=true every session of the
// account, and goes back to the sign-in page.
func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	everywhere := r.PostFormValue("everywhere") == "true"
	if err := h.srv.Store().SignOut(r.Context(), req.SessionToken, everywhere, req.Actor.Meta); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	server.ClearSessionCookie(w, r)
	redirect(w, r, "/login")
}
