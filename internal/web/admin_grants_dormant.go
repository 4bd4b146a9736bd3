package web

import (
	"net/http"
	"strconv"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

// dormantPage confirms revoking every grant whose grantee is dormant: it
// lists what will be revoked, and a posted form does it (no script needed).
type dormantPage struct {
	Page
	Grants []grantReviewRow
}

func (h *handler) dormantForm(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	muni, ok := ownMunicipality(req.Actor.Principal, authz.GrantList)
	if !ok {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	review, err := h.srv.Store().GrantReview(r.Context(), req.Actor, muni)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page := dormantPage{Page: h.newPage(r, "title.grants_dormant", "grants")}
	names := h.organisationNames(r)
	for _, g := range review {
		if !g.Dormant {
			continue
		}
		row := grantReviewRow{Name: g.Name, Email: g.Email, Organisation: names(g.Organisation), Role: page.T("role." + g.Role), Task: g.Task,
			ValidUntil: formatDate(req.Lang, g.ValidUntil), LastSignIn: h.formatLastSignIn(req.Lang, g.LastSignInAt)}
		if row.ValidUntil == "" {
			row.ValidUntil = page.T("home.until_further_notice")
		}
		page.Grants = append(page.Grants, row)
	}
	h.render(w, r, http.StatusOK, "grants_dormant", page)
}

// revokeDormant revokes the grants of every dormant grantee in one action.
// Dormancy is judged again at this moment, so the result may differ from
// the list that was confirmed if someone signed in meanwhile.
func (h *handler) revokeDormant(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	muni, ok := ownMunicipality(req.Actor.Principal, authz.GrantRevoke)
	if !ok {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	ids, err := h.srv.Store().RevokeDormantGrants(r.Context(), req.Actor, muni)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	redirect(w, r, "/admin/grants?done=dormant&count="+strconv.Itoa(len(ids)))
}
