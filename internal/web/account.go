package web

import (
	"net/http"
)

// accountPage is "my account": organisation, roles, active grants and
// signing out on every device.
type accountPage struct {
	Page
	myAccount
	// IdentityProviderOnly: password sign-in is off, so the person signs in
	// only through the organisation's identity provider.
	IdentityProviderOnly bool
}

func (h *handler) account(w http.ResponseWriter, r *http.Request) {
	page := h.newPage(r, "title.account", "account")
	h.render(w, r, http.StatusOK, "account", accountPage{Page: page, myAccount: h.myAccount(r, page),
		IdentityProviderOnly: !h.srv.Store().PasswordSignIn()})
}
