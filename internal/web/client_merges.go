package web

import (
	"net/http"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// mergesPage lists the merges of a main user's municipality's records
// (KEHA-keskus' admin: all), newest first, each leading to its page.
type mergesPage struct {
	Page
	Items []mergeRow
	Done  string
}

// mergeRow is one merge as the pages show it.
type mergeRow struct {
	ID, State, StateLabel, Requested, Decided, UndoUntil, Undone string
	Records                                                      []mergeRecordRow
	Approve, Refuse, Undo                                        bool
}

type mergeRecordRow struct {
	Side, Municipality, Person, Survives string
}

// mergeFormPage asks for a merge: this record (a main user's: the client
// found on the data requests page; KEHA-keskus: by identifier), the other
// record by identity code or UMA number, and which one to keep. Identifiers
// are posted, never put in a URL.
type mergeFormPage struct {
	Page
	ClientID string
	Form     formState
	Fields   []formField
}

// mergeSpecs are the merge form's inputs; with a client id, this record
// needs no identifier.
func mergeSpecs(withClient bool) []inputSpec {
	specs := []inputSpec{{Name: "other_identifier", Kind: "text", Required: true}, {Name: "keep", Kind: "radio", Required: true}}
	if !withClient {
		specs = append([]inputSpec{{Name: "identifier", Kind: "text", Required: true}}, specs...)
	}
	return specs
}

func (h *handler) mergeList(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	items, err := h.srv.Store().ClientMerges(r.Context(), req.Actor)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page := mergesPage{Page: h.newPage(r, "title.merges", mergesNav(req.Actor.Principal))}
	for _, m := range items {
		page.Items = append(page.Items, h.mergeRow(req.Lang, m))
	}
	h.render(w, r, http.StatusOK, "merges", page)
}

// mergesNav: KEHA-keskus reaches merges from the navigation, a main user
// from the data requests page.
func mergesNav(p *authz.Principal) string {
	if p != nil && p.HasRole(authz.KehaAdmin) {
		return "merges"
	}
	return "lookup"
}

func (h *handler) mergeRow(lang string, m store.ClientMerge) mergeRow {
	t := func(key string, args ...any) string { return h.cat.T(lang, key, args...) }
	row := mergeRow{ID: m.ID, State: m.State, StateLabel: t("merge.state." + m.State), Requested: formatTime(lang, m.RequestedAt)}
	if m.DecidedAt != nil {
		row.Decided = formatTime(lang, *m.DecidedAt)
	}
	if m.UndoUntil != nil {
		row.UndoUntil = formatTime(lang, *m.UndoUntil)
	}
	if m.UndoneAt != nil {
		row.Undone = formatTime(lang, *m.UndoneAt)
	}
	for _, rec := range m.Records {
		rr := mergeRecordRow{Side: t("merge.side." + rec.Side), Municipality: h.municipalityLabel(rec.Municipality, lang), Person: t("merge.person_hidden")}
		if p := rec.Person; p != nil {
			rr.Person = p.LastName + ", " + p.FirstNames + " (" + formatDate(lang, &p.DateOfBirth) + ")"
		}
		if rec.Survives {
			rr.Survives = t("merge.survives")
		}
		row.Records = append(row.Records, rr)
	}
	for _, a := range m.Actions {
		switch a {
		case "approve":
			row.Approve = true
		case "refuse":
			row.Refuse = true
		case "undo":
			row.Undo = true
		}
	}
	return row
}

func (h *handler) mergeFormPage(r *http.Request, s formState, clientID string) mergeFormPage {
	page := mergeFormPage{Page: h.newPage(r, "title.merge_new", mergesNav(server.From(r).Actor.Principal)), ClientID: clientID, Form: s}
	for _, in := range mergeSpecs(clientID != "") {
		var opts []option
		if in.Name == "keep" {
			opts = []option{{Value: "this", Label: page.T("merge.keep_this")}, {Value: "other", Label: page.T("merge.keep_other")}}
		}
		page.Fields = append(page.Fields, page.input(s, in, opts...))
	}
	return page
}

func (h *handler) mergeForm(w http.ResponseWriter, r *http.Request) {
	id := ""
	if c := r.URL.Query().Get("client"); c != "" {
		var err error
		if id, err = store.ParseClientID(c); err != nil {
			h.srv.Fail(w, r, err)
			return
		}
	}
	h.render(w, r, http.StatusOK, "merge_form", h.mergeFormPage(r, newFormState(), id))
}

func (h *handler) requestMerge(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	clientID := strings.TrimSpace(r.PostFormValue("client_id"))
	specs := mergeSpecs(clientID != "")
	s := readForm(r, specs)
	m, err := h.srv.Store().RequestClientMerge(r.Context(), req.Actor, store.MergeInput{ClientID: clientID,
		Identifier: s.values["identifier"], OtherIdentifier: s.values["other_identifier"], Keep: s.values["keep"]})
	if err != nil {
		if !h.formError(r, &s, specs, err, adminRefusal) {
			h.srv.Fail(w, r, err)
			return
		}
		page := h.mergeFormPage(r, s, clientID)
		page.summarizeForm(&page.Form, specs)
		page.HasErrors = true
		h.render(w, r, http.StatusUnprocessableEntity, "merge_form", page)
		return
	}
	redirect(w, r, "/admin/merges/"+m.ID)
}

// mergePage is one merge with what the user may do with it.
type mergePage struct {
	Page
	Merge mergeRow
	Error string
}

func (h *handler) merge(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	m, err := h.srv.Store().ClientMergeByID(r.Context(), req.Actor, r.PathValue("id"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "merge", mergePage{Page: h.newPage(r, "title.merge", mergesNav(req.Actor.Principal)), Merge: h.mergeRow(req.Lang, m)})
}

// mergeAction approves, refuses or undoes a merge; a refusal the user can
// understand (the period is over, decided meanwhile) shows on the merge's
// page.
func (h *handler) mergeAction(do func(r *http.Request) (store.ClientMerge, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req := server.From(r)
		if _, err := do(r); err != nil {
			e := server.AsDomainError(err)
			if e.Code != model.CodeConflict && e.Code != model.CodeUndoPeriodOver {
				h.srv.Fail(w, r, err)
				return
			}
			m, rerr := h.srv.Store().ClientMergeByID(r.Context(), req.Actor, r.PathValue("id"))
			if rerr != nil {
				h.srv.Fail(w, r, rerr)
				return
			}
			page := mergePage{Page: h.newPage(r, "title.merge", mergesNav(req.Actor.Principal)), Merge: h.mergeRow(req.Lang, m),
				Error: h.srv.Message(req.Lang, e, req.ID)}
			h.render(w, r, server.Status(e.Code), "merge", page)
			return
		}
		redirect(w, r, "/admin/merges/"+r.PathValue("id"))
	}
}

func (h *handler) approveMerge(r *http.Request) (store.ClientMerge, error) {
	return h.srv.Store().DecideClientMerge(r.Context(), server.From(r).Actor, r.PathValue("id"), true)
}

func (h *handler) refuseMerge(r *http.Request) (store.ClientMerge, error) {
	return h.srv.Store().DecideClientMerge(r.Context(), server.From(r).Actor, r.PathValue("id"), false)
}

func (h *handler) undoMerge(r *http.Request) (store.ClientMerge, error) {
	return h.srv.Store().UndoClientMerge(r.Context(), server.From(r).Actor, r.PathValue("id"))
}
