package web

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/server"
)

// homePage is the front page: who I am, where I work and what I may do.
type homePage struct {
	Page
	myAccount
	// TransfersIn: for a main user, how many clients were transferred to
	// the municipality and wait for a responsible worker.
	TransfersIn int
}

// myAccount is the signed-in person's account: organisation, roles and
// active grants (the front page and the account page show it).
type myAccount struct {
	Name         string
	Email        string
	Organisation string
	Roles        []string
	Grants       []grantRow
}

// grantRow is one of my active grants.
type grantRow struct {
	Municipality string
	Role         string
	Task         string
	ValidUntil   string
}

func (h *handler) home(w http.ResponseWriter, r *http.Request) {
	page := h.newPage(r, "title.home", "home")
	home := homePage{Page: page, myAccount: h.myAccount(r, page)}
	if muni, ok := ownMunicipality(server.From(r).Actor.Principal, authz.ResponsibleRead); ok {
		n, err := h.srv.Store().OpenTransferNotices(r.Context(), server.From(r).Actor, muni)
		if err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		home.TransfersIn = n
	}
	h.render(w, r, http.StatusOK, "home", home)
}

// myAccount describes the signed-in account, with the grants read at the
// start of this request (a revoked grant is gone at once).
func (h *handler) myAccount(r *http.Request, page Page) myAccount {
	req := server.From(r)
	p := req.Actor.Principal
	me := myAccount{Name: p.Name, Email: p.Email, Organisation: h.organisationNames(r)(p.OrganisationID)}
	for _, role := range p.Roles {
		me.Roles = append(me.Roles, page.T("role."+string(role)))
	}
	grants := slices.Clone(p.Grants)
	slices.SortFunc(grants, func(a, b authz.Grant) int {
		return cmp.Or(strings.Compare(a.Municipality, b.Municipality), cmp.Compare(a.ID, b.ID))
	})
	for _, g := range grants {
		row := grantRow{Municipality: h.municipalityLabel(g.Municipality, req.Lang), Role: page.T("role." + string(g.Role)), Task: g.Task,
			ValidUntil: formatDate(req.Lang, g.ValidUntil)}
		if row.ValidUntil == "" {
			row.ValidUntil = page.T("home.until_further_notice")
		}
		me.Grants = append(me.Grants, row)
	}
	return me
}
