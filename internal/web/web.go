// Package web is the server-rendered web UI: one file per page or action, a
// typed view model per page, templates and the stylesheet embedded. It works
// without JavaScript. Identity codes and names never go into URLs: every form
// that may carry them is posted.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"path"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/server"
)

//go:embed templates static
var files embed.FS

// handler holds what every page needs: the server, the parsed templates and
// the embedded static files.
type handler struct {
	srv    *server.Server
	cat    *locale.Catalog
	pages  map[string]*template.Template
	static map[string]staticFile
	// cssURL is the stylesheet's address with a content hash, so that a
	// changed stylesheet is fetched again despite long caching.
	cssURL string
	// crossOrigin protects the public POST routes (sign-in, language), which
	// the session middleware does not see.
	crossOrigin *http.CrossOriginProtection
	// bg are the translated choices of the clients' background data.
	bg *backgroundLists
}

// Routes returns the web UI's route table and installs the error page.
func Routes(srv *server.Server) []server.Route {
	h := newHandler(srv)
	srv.ErrorPage = h.errorPage
	pub := func(method, pattern, summary string, fn http.HandlerFunc) server.Route {
		return server.Route{Method: method, Pattern: pattern, Action: authz.Public, Auth: server.AuthNone, Summary: summary, Handler: fn}
	}
	page := func(method, pattern string, action authz.Action, summary string, fn http.HandlerFunc) server.Route {
		return server.Route{Method: method, Pattern: pattern, Action: action, Auth: server.AuthSession, Summary: summary, Handler: fn}
	}
	// only narrows a page to the role whose work it is (see server.Route.Roles).
	only := func(rt server.Route, roles ...authz.Role) server.Route {
		rt.Roles = roles
		return rt
	}
	// upload lets a route take a file of up to MaxUploadBytes.
	upload := func(rt server.Route) server.Route {
		rt.MaxBodyBytes = MaxUploadBytes + 1<<20
		return rt
	}
	return []server.Route{
		pub("GET", "/static/{file}", "Web UI stylesheet", h.staticFile),
		pub("GET", "/login", "Sign-in page", h.loginForm),
		pub("POST", "/login", "Sign in with e-mail and password", h.login),
		pub("POST", "/language", "Choose the UI language (sets a cookie)", h.language),
		pub("GET", "/invitation/{token}", "Set a password with a one-time invitation link", h.invitation),
		pub("POST", "/invitation/{token}", "Set a password with a one-time invitation link", h.acceptInvitation),
		pub("GET", "/accessibility", "Accessibility statement (Act 306/2019), for everyone", h.accessibility),
		page("POST", "/logout", authz.AccountRead, "Sign out", h.logout),
		page("GET", "/{$}", authz.AccountRead, "Front page: my account and grants", h.home),
		page("GET", "/clients", authz.ClientSearch, "Client search form", h.searchForm),
		page("POST", "/clients/search", authz.ClientSearch, "Search clients (query in the body, never in the URL)", h.search),
		page("GET", "/clients/new", authz.ClientCreate, "Client registration form", h.registerForm),
		page("POST", "/clients/new", authz.ClientCreate, "Register a client", h.register),
		page("GET", "/clients/{id}", authz.ClientRead, "Client page: data, case timeline, jobseeker statuses, change history", h.client),
		page("GET", "/clients/{id}/edit", authz.ClientUpdate, "Client edit form", h.editForm),
		page("POST", "/clients/{id}/edit", authz.ClientUpdate, "Change a client's fields", h.edit),
		page("GET", "/clients/{id}/assessments/new", authz.AssessmentCreate, "Assessment form (§ 14)", h.assessmentForm),
		page("POST", "/clients/{id}/assessments/new", authz.AssessmentCreate, "Record an assessment (§ 14)", h.createAssessment),
		page("GET", "/clients/{id}/assessments/{assessment_id}", authz.AssessmentRead, "An assessment (§ 14) as recorded", h.assessment),
		page("GET", "/clients/{id}/plans/new", authz.PlanCreate, "Integration plan form (§ 16)", h.planForm),
		page("POST", "/clients/{id}/plans/new", authz.PlanCreate, "Record an integration plan (§ 16)", h.createPlan),
		page("GET", "/clients/{id}/plans/{plan_id}", authz.PlanRead, "Integration plan with its reviews and the review form", h.plan),
		page("POST", "/clients/{id}/plans/{plan_id}/reviews", authz.PlanReview, "Record a review of an integration plan", h.createPlanReview),
		page("GET", "/clients/{id}/plans/{plan_id}/print", authz.PlanRead, "Printable integration plan in the client's service language", h.planPrint),
		page("GET", "/clients/{id}/services/new", authz.ServiceCreate, "Service form", h.serviceForm),
		page("POST", "/clients/{id}/services/new", authz.ServiceCreate, "Record a service (a jobseeker's only guidance and counselling, R6)", h.createService),
		page("GET", "/clients/{id}/services/{service_id}", authz.ServiceRead, "A service as recorded", h.service),
		page("GET", "/clients/{id}/assessments/{assessment_id}/edit", authz.AssessmentUpdate, "Correct an assessment: the form with the reason", h.assessmentCorrectForm),
		page("POST", "/clients/{id}/assessments/{assessment_id}/edit", authz.AssessmentUpdate, "Correct an assessment (the earlier version is kept)", h.correctAssessment),
		page("GET", "/clients/{id}/plans/{plan_id}/edit", authz.PlanUpdate, "Correct an integration plan: the form with the reason", h.planCorrectForm),
		page("POST", "/clients/{id}/plans/{plan_id}/edit", authz.PlanUpdate, "Correct an integration plan (the earlier version is kept)", h.correctPlan),
		page("GET", "/clients/{id}/plans/{plan_id}/reviews/{review_id}/edit", authz.ReviewUpdate, "Correct a review of a plan: the form with the reason", h.reviewCorrectForm),
		page("POST", "/clients/{id}/plans/{plan_id}/reviews/{review_id}/edit", authz.ReviewUpdate, "Correct a review of a plan (the earlier version is kept)", h.correctReview),
		page("GET", "/clients/{id}/services/{service_id}/edit", authz.ServiceUpdate, "Correct a service or record its attendance and final test: the form", h.serviceCorrectForm),
		page("POST", "/clients/{id}/services/{service_id}/edit", authz.ServiceUpdate, "Correct a service (the earlier version is kept)", h.correctService),
		page("GET", "/clients/{id}/close", authz.ClientClose, "Close a client relationship: reason and date", h.closeForm),
		page("POST", "/clients/{id}/close", authz.ClientClose, "Close a client relationship", h.closeClient),
		page("POST", "/clients/{id}/reopen", authz.ClientReopen, "Reopen a closed client relationship", h.reopenClient),
		only(page("GET", "/admin/responsible", authz.ResponsibleRead, "Main user: clients that need a responsible worker", h.responsibleList), authz.MainUser),
		only(page("GET", "/admin/responsible/{id}", authz.ResponsibleRead, "Main user: a client's responsible workers and the form", h.responsibleClient), authz.MainUser),
		only(page("POST", "/admin/responsible/{id}", authz.ResponsibleAssign, "Main user: set a client's responsible workers", h.assignResponsible), authz.MainUser),
		page("GET", "/clients/{id}/transfer", authz.ClientTransfer, "Confirm transferring a client to another municipality", h.transferForm),
		page("POST", "/clients/{id}/transfer", authz.ClientTransfer, "Transfer a client to another municipality", h.transfer),
		page("GET", "/worklist", authz.WorklistRead, "Worklist of statutory deadlines of a municipality's clients", h.worklist),
		only(page("GET", "/admin/clients", authz.ClientLookup, "Main user: find the municipality's client by identity code or UMA number for a data request", h.lookupForm), authz.MainUser),
		only(page("POST", "/admin/clients", authz.ClientLookup, "Main user: find the municipality's client (the code in the body, never in the URL)", h.lookup), authz.MainUser),
		page("GET", "/admin/merges", authz.ClientMergeRead, "Main user and KEHA admin: merges of two records of one person, newest first", h.mergeList),
		page("GET", "/admin/merges/new", authz.ClientMergeRequest, "Main user and KEHA admin: the merge request form (identifiers are posted)", h.mergeForm),
		page("POST", "/admin/merges/new", authz.ClientMergeRequest, "Request a merge (main user) or merge two records (KEHA admin)", h.requestMerge),
		page("GET", "/admin/merges/{id}", authz.ClientMergeRead, "One merge with its approve, refuse and undo buttons", h.merge),
		page("POST", "/admin/merges/{id}/approve", authz.ClientMergeDecide, "Approve a requested merge", h.mergeAction(h.approveMerge)),
		page("POST", "/admin/merges/{id}/refuse", authz.ClientMergeDecide, "Refuse (or withdraw) a requested merge", h.mergeAction(h.refuseMerge)),
		page("POST", "/admin/merges/{id}/undo", authz.ClientMergeUndo, "Undo a merge within 30 days", h.mergeAction(h.undoMerge)),
		page("GET", "/clients/{id}/subject-access-report", authz.ClientSubjectAccessReport, "Main user: printable report of everything stored about the person (GDPR art. 15)", h.subjectAccessReport),
		page("GET", "/clients/{id}/legal-hold", authz.ClientLegalHold, "Main user or KEHA admin: a client's legal hold (stops retention) and the form to set or clear it", h.legalHold),
		page("POST", "/clients/{id}/legal-hold", authz.ClientLegalHold, "Main user or KEHA admin: set a legal hold with its reason", h.setLegalHold),
		page("POST", "/clients/{id}/legal-hold/clear", authz.ClientLegalHold, "Main user or KEHA admin: clear a legal hold", h.clearLegalHold),
		page("GET", "/clients/{id}/accesses", authz.AuditRead, "Who has seen this client's data", h.clientAccesses),
		page("GET", "/clients/{id}/accesses.csv", authz.AuditRead, "Who has seen this client's data, as CSV for Excel", h.clientAccessesCSV),
		page("GET", "/statistics", authz.IndicatorRead, "Statistics dashboard: a municipality's key indicators over time next to its region and the country, or the areas of a statistician's area compared; ?chart=ID&format=csv|xlsx|json-stat downloads a chart's table", h.dashboard),
		page("GET", "/statistics/table", authz.IndicatorRead, "Table builder: indicator × area level × periods × one breakdown (GET form), with the table, its chart and downloads (&format=csv|xlsx|json-stat)", h.tableBuilder),
		page("GET", "/statistics/indicators", authz.IndicatorRead, "Indicator catalogue", h.indicatorCatalogue),
		page("GET", "/statistics/indicators/{id}", authz.IndicatorRead, "One indicator's definition, unit, numerator and denominator, breakdowns and source records", h.indicator),
		only(page("GET", "/data-quality", authz.DataQualityRead, "Main user: counts of the municipality's records that keep its figures incomplete", h.dataQuality), authz.MainUser),
		only(page("GET", "/data-quality/{check}", authz.DataQualityClients, "Main user: the municipality's own clients behind one data-quality count (audited)", h.dataQualityList), authz.MainUser),
		page("GET", "/account", authz.AccountRead, "My account: organisation, roles, grants, sign out everywhere", h.account),
		only(page("GET", "/admin/staff", authz.AccountList, "Main user: staff accounts of the municipality and its county", h.staff), authz.MainUser),
		only(page("POST", "/admin/staff", authz.AccountCreate, "Main user: create a staff account (and its invitation link)", h.createStaff), authz.MainUser),
		only(page("POST", "/admin/staff/{id}/disable", authz.AccountDisable, "Main user: disable a staff account (ends its sessions and grants)", h.staffAccountAction(authz.AccountDisable)), authz.MainUser),
		only(page("POST", "/admin/staff/{id}/enable", authz.AccountEnable, "Main user: enable a disabled staff account again", h.staffAccountAction(authz.AccountEnable)), authz.MainUser),
		only(page("POST", "/admin/staff/{id}/invite", authz.AccountInvite, "Main user: a new one-time invitation link to set a password", h.staffAccountAction(authz.AccountInvite)), authz.MainUser),
		page("GET", "/admin/grants", authz.GrantList, "Main user: access review and grant form", h.grants),
		page("POST", "/admin/grants", authz.GrantCreate, "Main user: grant access", h.createGrant),
		page("POST", "/admin/grants/{id}/change", authz.GrantUpdate, "Main user: change a grant's role or end date", h.changeGrant),
		page("POST", "/admin/grants/{id}/revoke", authz.GrantRevoke, "Main user: revoke a grant", h.revokeGrant),
		page("GET", "/admin/grants/revoke-dormant", authz.GrantList, "Main user: confirm revoking the grants of dormant accounts", h.dormantForm),
		page("POST", "/admin/grants/revoke-dormant", authz.GrantRevoke, "Main user: revoke the grants of dormant accounts", h.revokeDormant),
		only(page("GET", "/admin/anomalies", authz.AnomalyRead, "Main user: anomalies reported to the municipality", h.adminAnomalies), authz.MainUser),
		only(page("GET", "/admin/anomalies/{id}", authz.AnomalyRead, "Main user: one reported anomaly and the finding form", h.adminAnomaly), authz.MainUser),
		only(page("POST", "/admin/anomalies/{id}", authz.AnomalyInvestigate, "Main user: record the investigation finding", h.recordFinding), authz.MainUser),
		only(page("GET", "/admin/import", authz.ImportManage, "Main user: data migration, the upload form and the uploads", h.imports), authz.MainUser),
		upload(only(page("POST", "/admin/import", authz.ImportManage, "Main user: upload a file to import (checked first by a dry run)", h.upload), authz.MainUser)),
		only(page("GET", "/admin/import/{id}", authz.ImportManage, "Main user: an upload's state, progress and report", h.importStatus), authz.MainUser),
		only(page("POST", "/admin/import/{id}/confirm", authz.ImportManage, "Main user: import a checked upload (a background job)", h.confirmImport), authz.MainUser),
		only(page("POST", "/admin/import/{id}/discard", authz.ImportManage, "Main user: discard an upload with its file and reject file", h.discardImport), authz.MainUser),
		only(page("GET", "/admin/import/{id}/report.json", authz.ImportManage, "Main user: an upload's report (JSON, codes only)", h.importReport), authz.MainUser),
		only(page("GET", "/admin/import/{id}/rejects", authz.ImportManage, "Main user: an upload's rejected rows in the file's format", h.importRejects), authz.MainUser),
		page("GET", "/admin/main-users", authz.OrganisationRead, "KEHA admin: a municipality's accounts and main users", h.mainUsers),
		page("POST", "/admin/main-users", authz.MainUserAppoint, "KEHA admin: appoint an existing account as main user", h.appointMainUser),
		page("POST", "/admin/main-users/new", authz.MainUserAppoint, "KEHA admin: create a main user's account", h.createMainUser),
		page("POST", "/admin/main-users/{id}/remove", authz.MainUserRemove, "KEHA admin: remove the main user role", h.removeMainUser),
		only(page("GET", "/monitoring/anomalies", authz.AnomalyRead, "Log monitor: anomalies by status", h.monitoringAnomalies), authz.LogMonitor),
		only(page("GET", "/monitoring/anomalies/{id}", authz.AnomalyRead, "Log monitor: one anomaly with its evidence", h.monitoringAnomaly), authz.LogMonitor),
		only(page("POST", "/monitoring/anomalies/{id}", authz.AnomalyReport, "Log monitor: report an anomaly to its municipality or dismiss it", h.reviewAnomaly), authz.LogMonitor),
		only(page("GET", "/monitoring/response-times", authz.AnomalyRead, "Log monitor: municipalities' response times", h.responseTimes), authz.LogMonitor),
		only(page("GET", "/monitoring/audit", authz.AuditRead, "Log monitor: newest audit events and the search form", h.auditLog), authz.LogMonitor),
		only(page("POST", "/monitoring/audit", authz.AuditRead, "Log monitor: search the audit log (filters in the body)", h.searchAuditLog), authz.LogMonitor),
		page("GET", "/admin/retention", authz.RetentionRead, "KEHA admin: what a retention run would remove now, by record class (dry run, counts only)", h.retention),
		page("GET", "/monitoring/jobs", authz.JobRead, "KEHA-keskus: background jobs' last run, last error, failures and lag", h.monitoringJobs),
	}
}

// pageTemplates maps each page to its template file.
var pageTemplates = []string{"km_dashboard", "km_table", "km_indicators", "km_indicator", "data_quality", "data_quality_list", "login", "home", "search", "client_form", "client", "error", "account", "accesses", "staff", "grants",
	"grants_dormant", "main_users", "anomalies", "anomaly", "response_times", "audit", "assessment_form", "plan_form", "plan",
	"plan_print", "record", "service_form", "transfer", "worklist", "jobs", "lookup", "subject_access_report", "legal_hold", "retention", "accessibility", "import", "import_status",
	"review_form", "close", "responsible", "responsible_client", "invitation", "merges", "merge", "merge_form"}

func newHandler(srv *server.Server) *handler {
	h := &handler{srv: srv, cat: srv.Catalog(), pages: map[string]*template.Template{},
		static: map[string]staticFile{}, crossOrigin: http.NewCrossOriginProtection(), bg: newBackgroundLists()}
	base := template.Must(template.New("layout.html").ParseFS(files, "templates/layout.html", "templates/partials/*.html"))
	for _, name := range pageTemplates {
		t := template.Must(base.Clone())
		h.pages[name] = template.Must(t.ParseFS(files, "templates/"+name+".html"))
	}
	entries, err := fs.ReadDir(files, "static")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := files.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		h.static[e.Name()] = staticFile{body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, contentType: contentType(e.Name())}
	}
	css, ok := h.static["app.css"]
	if !ok {
		panic("web: static/app.css is missing")
	}
	h.cssURL = "/static/app.css?v=" + css.etag[1:len(css.etag)-1]
	return h
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	}
	return "application/octet-stream"
}

// render executes a page into a buffer first, so that a template error never
// leaves half a page, and writes it with the status. Pages may hold personal
// data: they are never cached.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout.html", data); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Language", server.From(r).Lang)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// redirect answers a form post with 303 See Other.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusSeeOther)
}
