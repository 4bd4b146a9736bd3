package web

import "net/http"

// accessibility is the accessibility statement (saavutettavuusseloste) that
// the Act on the Provision of Digital Services (306/2019) requires: what was
// tested and how, the known gaps, feedback and the supervising authority.
// It is public (no sign-in, so no navigation); every page's footer links it.
func (h *handler) accessibility(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "accessibility", h.newPage(r, "title.accessibility", "accessibility"))
}
