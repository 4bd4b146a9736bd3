package web

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/csvout"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// accessesPageSize is how many events the accesses page shows at a time.
const accessesPageSize = 100

// accessesPage answers "who has seen this client's data": every audited use
// of the client's data, newest first, for the main user of the client's
// municipality (or a log monitor). The client's name is not shown: a main
// user may read the log without having access to the client.
type accessesPage struct {
	Page
	ClientID string
	Events   []auditRow
	// Older continues the list from this event id.
	Older string
	// CanOpenClient: the reader may also open the client's page.
	CanOpenClient bool
}

func (h *handler) clientAccesses(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	f := store.AuditFilter{ClientID: r.PathValue("id"), Limit: accessesPageSize + 1}
	if before := r.URL.Query().Get("before"); before != "" {
		id, err := strconv.ParseInt(before, 10, 64)
		if err != nil || id <= 0 {
			h.srv.Fail(w, r, &model.Error{Code: model.CodeBadRequest})
			return
		}
		f.BeforeID = id
	}
	events, err := h.srv.Store().AuditEvents(r.Context(), req.Actor, f)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page := accessesPage{Page: h.newPage(r, "title.accesses", ""), ClientID: r.PathValue("id")}
	if len(events) > accessesPageSize {
		events = events[:accessesPageSize]
		page.Older = strconv.FormatInt(events[len(events)-1].ID, 10)
	}
	for _, e := range events {
		if e.Municipality != nil {
			page.CanOpenClient = req.Actor.Principal.Allowed(authz.ClientRead, *e.Municipality).Allowed
			break
		}
	}
	page.Events = h.auditRows(r, events)
	h.render(w, r, http.StatusOK, "accesses", page)
}

// accessesCSVPages bounds the CSV download (at most this many thousand events).
const accessesCSVPages = 100

// clientAccessesCSV downloads the same list as a CSV file for Excel: UTF-8
// with a byte order mark (so that Excel reads ä and ö right), semicolons
// between fields (Finnish and Swedish Excel use the comma as the decimal
// separator and expect ";" as the list separator), CRLF line ends, a header
// row in the page's language, times in Finnish time as YYYY-MM-DD hh:mm:ss.
// A value that Excel would take for a formula is prefixed with an apostrophe.
func (h *handler) clientAccessesCSV(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	lang := req.Lang
	id := r.PathValue("id")
	var all []store.AuditItem
	f := store.AuditFilter{ClientID: id, Limit: 1000}
	for range accessesCSVPages {
		events, err := h.srv.Store().AuditEvents(r.Context(), req.Actor, f)
		if err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		all = append(all, events...)
		if len(events) < f.Limit {
			break
		}
		f.BeforeID = events[len(events)-1].ID
	}
	names := h.organisationNames(r)
	var buf bytes.Buffer
	cw := csvout.NewWriter(&buf, csvout.Excel)
	_ = cw.Write(h.cat.T(lang, "accesses.col_time"), h.cat.T(lang, "accesses.col_person"), h.cat.T(lang, "accesses.col_organisation"),
		h.cat.T(lang, "accesses.col_action"), h.cat.T(lang, "accesses.col_outcome"))
	for _, e := range all {
		org := ""
		if e.ActorOrganisation != "" {
			org = names(e.ActorOrganisation)
		}
		_ = cw.Write(e.Time.In(store.Finland).Format("2006-01-02 15:04:05"), e.ActorEmail, org,
			h.auditActionLabel(lang, e.Action), h.outcomeLabel(lang, e.Outcome))
	}
	if err := cw.Flush(); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/csv; charset=utf-8")
	hd.Set("Content-Disposition", `attachment; filename="accesses-`+safeFileName(id)+`.csv"`)
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Language", lang)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// safeFileName keeps letters, digits and hyphens (the client id is a UUID).
func safeFileName(s string) string {
	return strings.Map(func(c rune) rune {
		if c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') {
			return c
		}
		return -1
	}, s)
}
