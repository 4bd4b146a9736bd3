package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// auditPageSize is how many events one page of the audit log shows.
const auditPageSize = 50

// auditPage is the log monitor's search of the national audit log. The
// search is posted, like the client search, so that the e-mail addresses
// searched for stay out of addresses and access logs; "older" posts the
// same filters with the id to continue from.
type auditPage struct {
	Page
	formState
	// Filtered: the events shown match a search (else they are the newest).
	Filtered bool
	Events   []auditRow
	// Older is the id to continue from, when there are older events.
	Older string
	// Actions are the choices of the action filter: every audited action by
	// its translated name, in the order of the names.
	Actions []option
}

// auditInputs are the filters, in order.
var auditInputs = []inputSpec{
	{Name: "actor_email", Kind: "email", Key: "audit.actor_email", Optional: true},
	{Name: "action", Kind: "select", Key: "audit.action"},
	{Name: "outcome", Kind: "select", Key: "audit.outcome"},
	{Name: "from", Kind: "date", Key: "audit.from", Optional: true},
	{Name: "to", Kind: "date", Key: "audit.to", Optional: true},
}

// F describes one filter input.
func (p auditPage) F(name string) formField {
	for _, in := range auditInputs {
		if in.Name == name {
			if name == "outcome" {
				f := p.input(p.formState, in, option{Value: "allowed", Label: p.T("audit_outcome.allowed")},
					option{Value: "denied", Label: p.T("audit_outcome.denied")})
				f.Placeholder = p.T("common.all")
				return f
			}
			if name == "action" {
				f := p.input(p.formState, in, p.Actions...)
				f.Placeholder = p.T("common.all")
				return f
			}
			return p.input(p.formState, in)
		}
	}
	panic("web: no input " + name)
}

func (h *handler) auditForm(r *http.Request, state formState) auditPage {
	page := auditPage{Page: h.newPage(r, "title.audit", "audit"), formState: state}
	for _, a := range authz.Audited() {
		page.Actions = append(page.Actions, option{Value: string(a), Label: h.auditActionLabel(page.Lang, string(a))})
	}
	slices.SortFunc(page.Actions, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	return page
}

// auditLog shows the filters and the newest events.
func (h *handler) auditLog(w http.ResponseWriter, r *http.Request) {
	if !isLogMonitor(server.From(r).Actor.Principal, authz.AuditRead) {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	h.renderAudit(w, r, http.StatusOK, h.auditForm(r, newFormState()), store.AuditFilter{})
}

// searchAuditLog shows the events that match the posted filters, newest first.
func (h *handler) searchAuditLog(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	if !isLogMonitor(req.Actor.Principal, authz.AuditRead) {
		h.srv.Fail(w, r, model.ErrForbidden)
		return
	}
	page := h.auditForm(r, readForm(r, auditInputs))
	page.Filtered = true
	page.Title = page.T("title.audit_results")
	f := store.AuditFilter{ActorEmail: strings.TrimSpace(page.values["actor_email"]), Action: strings.TrimSpace(page.values["action"])}
	if f.Action != "" && !optionExists(page.Actions, f.Action) {
		page.errors["action"] = append(page.errors["action"], page.T("field."+model.FieldInvalidChoice))
	}
	switch page.values["outcome"] {
	case "", "allowed", "denied":
		f.Outcome = page.values["outcome"]
	default:
		page.errors["outcome"] = append(page.errors["outcome"], page.T("field."+model.FieldInvalidChoice))
	}
	// Days are Finnish days; "to" includes its day.
	if d := h.parseOptionalDate(req.Lang, &page.formState, "from"); d != nil {
		f.From = time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, store.Finland)
	}
	if d := h.parseOptionalDate(req.Lang, &page.formState, "to"); d != nil {
		f.To = time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, 0, store.Finland)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		page.errors["to"] = append(page.errors["to"], page.T("audit.to_before_from"))
	}
	if before := r.PostFormValue("before"); before != "" {
		id, err := strconv.ParseInt(before, 10, 64)
		if err != nil || id <= 0 {
			h.srv.Fail(w, r, &model.Error{Code: model.CodeBadRequest})
			return
		}
		f.BeforeID = id
	}
	if page.Invalid() {
		page.summarizeForm(&page.formState, auditInputs)
		page.HasErrors = true
		h.render(w, r, http.StatusUnprocessableEntity, "audit", page)
		return
	}
	h.renderAudit(w, r, http.StatusOK, page, f)
}

// renderAudit reads one page of events (one more than shown, to know
// whether there are older ones).
func (h *handler) renderAudit(w http.ResponseWriter, r *http.Request, status int, page auditPage, f store.AuditFilter) {
	f.Limit = auditPageSize + 1
	events, err := h.srv.Store().AuditEvents(r.Context(), server.From(r).Actor, f)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if len(events) > auditPageSize {
		events = events[:auditPageSize]
		page.Older = strconv.FormatInt(events[len(events)-1].ID, 10)
	}
	page.Events = h.auditRows(r, events)
	h.render(w, r, status, "audit", page)
}
