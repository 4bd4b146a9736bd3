package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/casepolicy"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// worklistPage is a worker's or viewer's list of the statutory deadlines
// (R12) of one municipality's clients, soonest first: plans to prepare,
// clients to guide to a service, reviews due, plans ending, eligibility
// windows closing. "Mine" keeps the deadlines of records the user made, "my
// clients" those of the clients the user is a responsible worker of.
// The choice is a GET form: it holds only a municipality code and a flag.
type worklistPage struct {
	Page
	filter  formState
	choices []option
	// Municipality is the chosen municipality ("" until chosen).
	Municipality string
	Items        []worklistRow
	Count        string
}

// worklistRow is one deadline.
type worklistRow struct {
	ClientHref, ClientLabel, Kind, Due string
	Overdue                            bool
	// ActionHref and ActionLabel lead to where the deadline is met (or to
	// the plan it is about, for those who may only read).
	ActionHref, ActionLabel string
}

var worklistInputs = []inputSpec{
	{Name: "municipality", Kind: "select", Key: "worklist.municipality", Required: true},
	{Name: "mine", Kind: "checkbox", Key: "worklist.mine"},
	{Name: "my_clients", Kind: "checkbox", Key: "worklist.my_clients"},
}

// F describes one input of the choice.
func (p worklistPage) F(name string) formField {
	if name == "municipality" {
		return p.input(p.filter, worklistInputs[0], p.choices...)
	}
	for _, in := range worklistInputs[1:] {
		if in.Name == name {
			return p.input(p.filter, in)
		}
	}
	panic("web: no worklist input " + name)
}

func (h *handler) worklist(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	p := req.Actor.Principal
	munis := p.Municipalities(authz.WorklistRead)
	if len(munis) == 0 {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	q := r.URL.Query()
	page := worklistPage{Page: h.newPage(r, "title.worklist", "worklist"), filter: newFormState(),
		Municipality: strings.TrimSpace(q.Get("municipality"))}
	if page.Municipality == "" && len(munis) == 1 {
		page.Municipality = munis[0]
	}
	mine, myClients := q.Get("mine") == "true", q.Get("my_clients") == "true"
	page.filter.values["municipality"] = page.Municipality
	page.filter.values["mine"], page.filter.values["my_clients"] = flag(mine), flag(myClients)
	for _, m := range munis {
		page.choices = append(page.choices, option{Value: m, Label: h.municipalityLabel(m, page.Lang)})
	}
	if page.Municipality == "" {
		h.render(w, r, http.StatusOK, "worklist", page)
		return
	}
	// The store refuses a municipality the user has no grant from.
	items, err := h.srv.Store().Worklist(r.Context(), req.Actor, store.WorklistFilter{Municipality: page.Municipality, Mine: mine, MyClients: myClients})
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page.Title = page.T("title.worklist_of", h.municipalityLabel(page.Municipality, page.Lang))
	rows, overdue := h.worklistRows(page.Page, p, page.Municipality, items)
	page.Items = rows
	switch len(items) {
	case 0:
		page.Count = page.T("worklist.none")
	default:
		page.Count = page.T("worklist.count", strconv.Itoa(len(items)), strconv.Itoa(overdue))
	}
	h.render(w, r, http.StatusOK, "worklist", page)
}

// worklistRows describes a municipality's deadlines, each with where it is
// met (as far as the principal may act there), and counts the overdue ones.
func (h *handler) worklistRows(page Page, p *authz.Principal, muni string, items []store.WorklistItem) ([]worklistRow, int) {
	may := func(a authz.Action) bool { return p.Allowed(a, muni).Allowed }
	overdue := 0
	rows := make([]worklistRow, 0, len(items))
	for _, it := range items {
		client := "/clients/" + it.ClientID
		label := it.ClientName
		if label == "" {
			label = page.T("worklist.client", shortID(it.ClientID))
		}
		row := worklistRow{ClientHref: client, ClientLabel: label,
			Kind: page.T("worklist.kind." + it.Kind), Due: formatDate(page.Lang, &it.DueDate), Overdue: it.Overdue}
		plan := client + "/plans/" + it.RecordID
		switch it.Kind {
		case casepolicy.PlanPreparation:
			if may(authz.PlanCreate) {
				row.ActionHref, row.ActionLabel = client+"/plans/new", page.T("worklist.action.plan")
			}
		case casepolicy.ServiceGuidance:
			row.ActionHref, row.ActionLabel = plan, page.T("worklist.action.open_plan")
			if may(authz.ServiceCreate) {
				row.ActionHref, row.ActionLabel = client+"/services/new", page.T("worklist.action.service")
			}
		case casepolicy.ResidenceUpdate:
			if may(authz.ClientUpdate) {
				row.ActionHref, row.ActionLabel = client+"/edit", page.T("worklist.action.residence")
			}
		case casepolicy.ReviewDue, casepolicy.PlanEnding:
			row.ActionHref, row.ActionLabel = plan, page.T("worklist.action.open_plan")
		case casepolicy.EligibilityClosing:
			if may(authz.AssessmentCreate) {
				row.ActionHref, row.ActionLabel = client+"/assessments/new", page.T("worklist.action.assessment")
			}
		}
		if it.Overdue {
			overdue++
		}
		rows = append(rows, row)
	}
	return rows, overdue
}

// shortID is the first part of a record id, enough to tell clients apart
// on one list.
func shortID(id string) string {
	if i := strings.IndexByte(id, '-'); i > 0 {
		return id[:i]
	}
	return id
}
