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
	req := server.From(r)
	p := req.Actor.Principal
	page := homePage{Page: h.newPage(r, "title.home", "home"), Name: p.Name, Email: p.Email, Organisation: p.OrganisationID}
	if org, err := h.srv.Store().OrganisationByID(r.Context(), p.OrganisationID); err == nil {
		page.Organisation = org.NameFi
		if req.Lang == "sv" && org.NameSv != "" {
			page.Organisation = org.NameSv
		}
	}
	for _, role := range p.Roles {
		page.Roles = append(page.Roles, page.T("role."+string(role)))
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
		page.Grants = append(page.Grants, row)
	}
	h.render(w, r, http.StatusOK, "home", page)
}
