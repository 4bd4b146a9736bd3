package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/kotodigi/kotodigi/internal/server"
)

// retentionPage is KEHA-keskus' dry run of retention: per record class the
// configured period and how many records a run would remove now (counts
// only; audited as retention.read). The removal itself is the retention job.
type retentionPage struct {
	Page
	Rows []retentionRow
	Held string
}

// retentionRow is one record class.
type retentionRow struct {
	Class, Period, Due string
}

func (h *handler) retention(w http.ResponseWriter, r *http.Request) {
	st := h.srv.Store()
	policy := st.RetentionPolicy()
	n, err := st.RetentionDryRun(r.Context(), server.From(r).Actor, policy)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page := retentionPage{Page: h.newPage(r, "title.retention", "retention")}
	days := func(d time.Duration) string { return page.T("retention.days", strconv.Itoa(int(d.Hours()/24))) }
	count := func(v int64) string { return strconv.FormatInt(v, 10) }
	page.Rows = []retentionRow{
		{page.T("retention.clients"), days(policy.Clients), count(n.Clients)},
		{page.T("retention.assessments"), days(policy.CaseRecords), count(n.Assessments)},
		{page.T("retention.plans"), days(policy.CaseRecords), count(n.Plans)},
		{page.T("retention.services"), days(policy.CaseRecords), count(n.Services)},
		{page.T("retention.audit_events"), days(policy.Audit), count(n.AuditEvents)},
		{page.T("retention.sign_in_attempts"), days(policy.SignIns), count(n.SignInAttempts)},
		{page.T("retention.sessions"), days(policy.SignIns), count(n.Sessions)},
	}
	page.Held = page.T("retention.held", count(n.Held))
	h.render(w, r, http.StatusOK, "retention", page)
}
