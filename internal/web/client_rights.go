package web

import (
	"net/http"
	"strings"

	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// lookupPage is a main user's way to a client of the municipality when the
// person asks what is stored about them or who has processed their data
// (GDPR art. 15): by full identity code or UMA number, posted so that the
// code never goes into a URL. It shows who the person is and leads to "who
// has seen this client's data" and the printable report; no case data.
type lookupPage struct {
	Page
	Query      string
	QueryError string
	Summary    []summaryItem
	Searched   bool
	Found      *lookupRow
}

// lookupRow is the client found.
type lookupRow struct {
	ID, Name, DateOfBirth, Municipality string
}

func (h *handler) lookupForm(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "lookup", lookupPage{Page: h.newPage(r, "title.lookup", "lookup")})
}

func (h *handler) lookup(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	page := lookupPage{Page: h.newPage(r, "title.lookup", "lookup"), Query: strings.TrimSpace(r.PostFormValue("query"))}
	found, err := h.srv.Store().LookupClient(r.Context(), req.Actor, page.Query)
	if err != nil {
		var ok bool
		if page.QueryError, page.Summary, ok = h.singleFieldError(page.Page, err, "query", "label.query_identity"); !ok {
			h.srv.Fail(w, r, err)
			return
		}
		page.HasErrors = true
		h.render(w, r, http.StatusUnprocessableEntity, "lookup", page)
		return
	}
	page.Searched = true
	for _, c := range found {
		page.Found = &lookupRow{ID: c.ID, Name: c.LastName + ", " + c.FirstNames, DateOfBirth: formatDate(req.Lang, &c.DateOfBirth),
			Municipality: h.municipalityLabel(c.Municipality, req.Lang)}
	}
	h.render(w, r, http.StatusOK, "lookup", page)
}

// reportPage is the subject access report laid out for paper, in the
// person's service language (fi or sv) whatever the UI language; only the
// screen-only note around it follows the UI. It names organisations, never
// members of staff.
type reportPage struct {
	Page
	DocLang, DocLanguage string
	ClientID, Name       string
	Municipality         string
	Fields               []detail
	History              []historyRow
	Jobseeker            []jobseekerRow
	Records              []reportRecord
	Transfers            []string
	Accesses             []reportAccess
	Produced             string
}

// reportRecord is one case record of the report.
type reportRecord struct {
	Heading  string
	Rows     []recordRow
	Versions []reportRecord
}

// reportAccess is one processing of the person's data.
type reportAccess struct {
	Time, Organisation, Action string
}

// D translates key into the report's language.
func (p reportPage) D(key string, args ...any) string { return p.cat.T(p.DocLang, key, args...) }

func (h *handler) subjectAccessReport(w http.ResponseWriter, r *http.Request) {
	req := server.From(r)
	rep, err := h.srv.Store().SubjectAccessReport(r.Context(), req.Actor, r.PathValue("id"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	c := rep.Client
	doc := c.ServiceLanguage
	if doc != "sv" {
		doc = "fi"
	}
	page := reportPage{Page: h.newPage(r, "title.subject_access_report", "lookup"), DocLang: doc, ClientID: c.ID,
		Name: c.FirstNames + " " + c.LastName, Municipality: h.srv.Store().MunicipalityName(c.Municipality, doc),
		Fields: h.clientDetails(doc, c)}
	page.PrintDocument = true
	page.DocLanguage = h.serviceLanguageLabel(page.Lang, doc)
	for _, ch := range rep.History {
		page.History = append(page.History, historyRow{Time: formatTime(doc, ch.Time), Field: page.D("label." + ch.Field),
			Old: h.historyValue(doc, ch.Field, ch.OldValue), New: h.historyValue(doc, ch.Field, ch.NewValue)})
	}
	for _, j := range rep.JobseekerHistory {
		row := jobseekerRow{Status: page.D("jobseeker.not"), From: formatTime(doc, j.ValidFrom)}
		if j.Jobseeker {
			row.Status = page.D("jobseeker.is")
		}
		page.Jobseeker = append(page.Jobseeker, row)
	}
	for _, cr := range rep.CaseRecords {
		page.Records = append(page.Records, h.reportRecord(doc, cr))
	}
	for _, t := range rep.Transfers {
		page.Transfers = append(page.Transfers, page.D("sar.transfer_row", formatTime(doc, t.TransferredAt),
			h.srv.Store().MunicipalityName(t.FromMunicipality, doc), h.srv.Store().MunicipalityName(t.ToMunicipality, doc)))
	}
	names := h.organisationNamesIn(r, doc)
	for _, a := range rep.Accesses {
		org := page.D("sar.system")
		if a.Organisation != "" {
			org = names(a.Organisation)
		}
		page.Accesses = append(page.Accesses, reportAccess{Time: formatTime(doc, a.Time), Organisation: org, Action: h.auditActionLabel(doc, a.Action)})
	}
	page.Produced = page.D("sar.produced", formatTime(doc, rep.ProducedAt), names(rep.ProducedBy))
	h.render(w, r, http.StatusOK, "subject_access_report", page)
}

// reportRecord lays out one case record in language lang.
func (h *handler) reportRecord(lang string, cr store.CaseRecord) reportRecord {
	t := func(key string, args ...any) string { return h.cat.T(lang, key, args...) }
	out := reportRecord{Heading: t("sar.kind."+cr.Kind) + " " + formatDate(lang, &cr.Date)}
	var preparers []model.Preparer
	switch {
	case cr.Assessment != nil:
		out.Rows, preparers = h.assessmentRows(lang, *cr.Assessment), cr.Assessment.Preparers
	case cr.Service != nil:
		out.Rows = h.serviceRows(lang, *cr.Service)
	case cr.Plan != nil:
		p := cr.Plan
		page := &recordPage{Page: Page{Lang: lang, cat: h.cat}}
		page.row("sar.plan.period", formatDate(lang, &p.StartDate)+"–"+formatDate(lang, &p.EndDate))
		page.text("sar.plan.goals", p.Goals)
		var measures []string
		for _, m := range p.Measures {
			measures = append(measures, h.serviceTypeLabel(lang, m.ServiceType)+": "+m.Description)
		}
		page.text("sar.plan.measures", strings.Join(measures, "\n"))
		page.row("sar.plan.review_date", formatDate(lang, p.PlannedReviewDate))
		for _, rv := range p.Reviews {
			page.Rows = append(page.Rows, recordRow{Label: t("sar.plan.review", formatDate(lang, &rv.Date)), Value: rv.Changes, Text: true})
		}
		page.row("plan.created", formatTime(lang, p.CreatedAt))
		out.Rows, preparers = page.Rows, p.Preparers
	}
	if len(preparers) > 0 {
		var names []string
		for _, pr := range preparers {
			names = append(names, strings.TrimSpace(pr.Name+" "+pr.Contact))
		}
		out.Rows = append(out.Rows, recordRow{Label: t("sar.preparers"), Value: strings.Join(names, "\n"), Text: true})
	}
	return out
}
