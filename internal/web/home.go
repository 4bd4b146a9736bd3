package web

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// homePage is the front page, a working view. A worker (or viewer) sees
// the deadlines that are due or overdue and the clients recently handled; a
// main user the municipality's open tasks: anomalies to investigate, grants
// about to expire and dormant accounts. The account details are on the
// account page.
type homePage struct {
	Page
	Name string
	// Worker's view.
	Worklist     bool
	Due          []worklistRow
	DueCount     string
	MoreDue      bool
	Recent       []recentRow
	NoDataAccess bool
	// Main user's view.
	Anomalies []anomalyRow
	Expiring  []grantReviewRow
	Dormant   int
	// TransfersIn: for a main user, how many clients were transferred to
	// the municipality and wait for a responsible worker.
	TransfersIn int
}

// recentRow is a recently handled client.
type recentRow struct{ Href, Label, Municipality string }

// homeDueLimit is how many deadlines the front page lists (the worklist
// has them all).
const homeDueLimit = 8

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
	req := server.From(r)
	page := homePage{Page: h.newPage(r, "title.home", "home"), Name: req.Actor.Principal.Name}
	var err error
	if page.CanWorklist {
		err = h.workerHome(r, &page)
	}
	if err == nil && page.CanManage {
		err = h.mainUserHome(r, &page)
	}
	if muni, ok := ownMunicipality(req.Actor.Principal, authz.ResponsibleRead); ok && err == nil {
		page.TransfersIn, err = h.srv.Store().OpenTransferNotices(r.Context(), req.Actor, muni)
	}
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page.NoDataAccess = !page.CanWorklist && !page.CanManage && !page.CanSearch && !page.CanMonitor && !page.CanStatistics && !page.CanAppoint && !page.CanJobs
	h.render(w, r, http.StatusOK, "home", page)
}

// workerHome reads the first municipality's deadlines (overdue first, as
// the worklist orders them) and the clients recently handled.
func (h *handler) workerHome(r *http.Request, page *homePage) error {
	req := server.From(r)
	p := req.Actor.Principal
	munis := p.Municipalities(authz.WorklistRead)
	page.Worklist = true
	items, err := h.srv.Store().Worklist(r.Context(), req.Actor, store.WorklistFilter{Municipality: munis[0]})
	if err != nil {
		return err
	}
	rows, overdue := h.worklistRows(page.Page, p, munis[0], items)
	page.DueCount = page.T("worklist.none")
	if len(rows) > 0 {
		page.DueCount = page.T("worklist.count", strconv.Itoa(len(rows)), strconv.Itoa(overdue))
	}
	page.MoreDue = len(rows) > homeDueLimit
	page.Due = rows[:min(len(rows), homeDueLimit)]
	if !page.CanSearch {
		return nil
	}
	recent, err := h.srv.Store().RecentClients(r.Context(), req.Actor, 10)
	if err != nil {
		return err
	}
	for _, c := range recent {
		page.Recent = append(page.Recent, recentRow{Href: "/clients/" + c.ID, Label: c.LastName + ", " + c.FirstNames,
			Municipality: h.municipalityLabel(c.Municipality, req.Lang)})
	}
	return nil
}

// mainUserHome reads the municipality's open tasks.
func (h *handler) mainUserHome(r *http.Request, page *homePage) error {
	req := server.From(r)
	muni, _ := ownMunicipality(req.Actor.Principal, authz.GrantList)
	if _, ok := ownMunicipality(req.Actor.Principal, authz.AnomalyRead); ok {
		items, err := h.srv.Store().Anomalies(r.Context(), req.Actor, "")
		if err != nil {
			return err
		}
		var open []store.Anomaly
		for _, a := range items {
			if a.Status == "reported" {
				open = append(open, a)
			}
		}
		page.Anomalies = h.anomalyRows(r, "/admin/anomalies", open)
	}
	review, err := h.srv.Store().GrantReview(r.Context(), req.Actor, muni)
	if err != nil {
		return err
	}
	names := h.organisationNames(r)
	dormant := map[int64]bool{}
	for _, g := range review {
		if g.Dormant && g.Active {
			dormant[g.AccountID] = true
		}
		if g.ExpiresSoon && g.Active {
			page.Expiring = append(page.Expiring, grantReviewRow{Name: g.Name, Email: g.Email, Organisation: names(g.Organisation),
				Role: page.T("role." + g.Role), ValidUntil: formatDate(req.Lang, g.ValidUntil)})
		}
	}
	page.Dormant = len(dormant)
	return nil
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
