package web

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// Anomaly statuses, findings and severities (store.Anomaly).
var (
	anomalyStatuses = []string{"new", "reported", "dismissed", "closed"}
	anomalyFindings = []string{"misuse", "not_misuse", "unclear"}
)

// anomalyRow is one anomaly of a list.
type anomalyRow struct {
	Href, ID, Detected, Rule, Severity, SeverityClass, Municipality, Status, Reported string
	Person                                                                            person
	Open                                                                              bool
}

// anomalyDetail is one anomaly as its page shows it.
type anomalyDetail struct {
	ID, Rule, RuleText, Severity, SeverityClass, Description, Municipality, Status string
	Person                                                                         person
	// DescriptionLang is "en" when the description is the stored English
	// summary (anomalies recorded before summaries were translatable).
	DescriptionLang                                                  string
	Detected, Reported, MonitorNote, Finding, FindingNote, FindingAt string
	GrantsRevoked                                                    int
	HasMunicipality                                                  bool
	Evidence                                                         []auditRow
	// Hidden is how many evidence events the reader may not see or that
	// could not be found near the others.
	Hidden int
}

// auditRow is one audit event in a table.
type auditRow struct {
	ID, Time, Organisation, Action, Client, Municipality, Outcome string
	Person                                                        person
	Denied                                                        bool
}

// anomalyLabel translates one of the anomaly's enumerations (rule,
// severity, status, finding); an unknown value is shown as it is.
func (h *handler) anomalyLabel(lang, kind, value string) string {
	if key := "anomaly." + kind + "." + value; h.cat.Has(key) {
		return h.cat.T(lang, key)
	}
	return value
}

// anomalyRows describes anomalies for a list whose detail pages are under base.
func (h *handler) anomalyRows(r *http.Request, base string, items []store.Anomaly) []anomalyRow {
	lang := server.From(r).Lang
	out := make([]anomalyRow, 0, len(items))
	for _, a := range items {
		row := anomalyRow{ID: strconv.FormatInt(a.ID, 10), Detected: formatTime(lang, a.DetectedAt), Rule: h.anomalyLabel(lang, "rule", a.Rule),
			Severity: h.anomalyLabel(lang, "severity", a.Severity), SeverityClass: "severity-" + a.Severity, Person: person{a.ActorName, a.ActorEmail},
			Status: h.anomalyLabel(lang, "status", a.Status), Open: a.Status == "new" || a.Status == "reported"}
		row.Href = base + "/" + row.ID
		if a.Municipality != nil {
			row.Municipality = h.municipalityLabel(*a.Municipality, lang)
		}
		if a.ReportedAt != nil {
			row.Reported = formatTime(lang, *a.ReportedAt)
		}
		out = append(out, row)
	}
	return out
}

// anomalyByID finds one anomaly among those the actor may see. The store
// lists at most its newest 1000 anomalies.
func (h *handler) anomalyByID(r *http.Request) (store.Anomaly, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.Anomaly{}, model.ErrNotFound
	}
	items, err := h.srv.Store().Anomalies(r.Context(), server.From(r).Actor, "")
	if err != nil {
		return store.Anomaly{}, err
	}
	for _, a := range items {
		if a.ID == id {
			return a, nil
		}
	}
	return store.Anomaly{}, model.ErrNotFound
}

// anomalyDetail describes one anomaly with its evidence: the audit events
// the detection pointed at, read through the audit log (so the reader sees
// only what the reader may see, and the reading is itself audited).
func (h *handler) anomalyDetail(r *http.Request, a store.Anomaly) (anomalyDetail, error) {
	lang := server.From(r).Lang
	d := anomalyDetail{ID: strconv.FormatInt(a.ID, 10), Rule: h.anomalyLabel(lang, "rule", a.Rule), Severity: h.anomalyLabel(lang, "severity", a.Severity),
		SeverityClass: "severity-" + a.Severity, Description: a.Summary, DescriptionLang: "en", Person: person{a.ActorName, a.ActorEmail}, Status: h.anomalyLabel(lang, "status", a.Status),
		Detected: formatTime(lang, a.DetectedAt), MonitorNote: a.MonitorNote, FindingNote: a.FindingNote, GrantsRevoked: a.GrantsRevoked,
		HasMunicipality: a.Municipality != nil}
	if key := "anomaly.summary." + a.SummaryKey; a.SummaryKey != "" && h.cat.Has(key) {
		args := make([]any, len(a.SummaryArgs))
		for i, v := range a.SummaryArgs {
			args[i] = v
		}
		d.Description, d.DescriptionLang = h.cat.T(lang, key, args...), ""
	}
	if key := "anomaly.rule_text." + a.Rule; h.cat.Has(key) {
		d.RuleText = h.cat.T(lang, key)
	}
	if a.Municipality != nil {
		d.Municipality = h.municipalityLabel(*a.Municipality, lang)
	}
	if a.ReportedAt != nil {
		d.Reported = formatTime(lang, *a.ReportedAt)
	}
	if a.Finding != nil {
		d.Finding = h.anomalyLabel(lang, "finding", *a.Finding)
	}
	if a.FindingAt != nil {
		d.FindingAt = formatTime(lang, *a.FindingAt)
	}
	if len(a.EventIDs) == 0 || a.ActorEmail == "" {
		d.Hidden = len(a.EventIDs)
		return d, nil
	}
	events, err := h.srv.Store().AuditEvents(r.Context(), server.From(r).Actor,
		store.AuditFilter{ActorEmail: a.ActorEmail, BeforeID: slices.Max(a.EventIDs) + 1, Limit: 1000})
	if err != nil {
		return d, err
	}
	var shown []store.AuditItem
	for _, e := range events {
		if slices.Contains(a.EventIDs, e.ID) {
			shown = append(shown, e)
		}
	}
	slices.Reverse(shown) // oldest first, as they happened
	d.Evidence = h.auditRows(r, shown)
	d.Hidden = len(a.EventIDs) - len(shown)
	return d, nil
}

// auditRows describes audit events for a table.
func (h *handler) auditRows(r *http.Request, items []store.AuditItem) []auditRow {
	lang := server.From(r).Lang
	names := h.organisationNames(r)
	out := make([]auditRow, 0, len(items))
	for _, e := range items {
		row := auditRow{ID: strconv.FormatInt(e.ID, 10), Time: formatTime(lang, e.Time), Person: person{e.ActorName, e.ActorEmail}, Action: h.auditActionLabel(lang, e.Action),
			Outcome: h.outcomeLabel(lang, e.Outcome), Denied: e.Outcome == "denied"}
		if e.ActorOrganisation != "" {
			row.Organisation = names(e.ActorOrganisation)
		}
		if e.ClientID != nil {
			row.Client = *e.ClientID
		}
		if e.Municipality != nil {
			row.Municipality = h.municipalityLabel(*e.Municipality, lang)
		}
		out = append(out, row)
	}
	return out
}
