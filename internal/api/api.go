// Package api is the JSON API under /api/v1: one file per resource, every
// handler a thin translation between HTTP and the store.
package api

import (
	_ "embed"
	"net/http"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
)

//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns the served OpenAPI 3.1 document.
func OpenAPIDocument() []byte { return openAPIDocument }

// API holds the handlers.
type API struct {
	srv *server.Server
	// open caches open-data answers and limits their rate (open_data.go).
	open *openData
	// answers keeps signed-in indicator answers (indicator_answers.go).
	answers *answerCache
}

// Routes returns the API's route table.
func Routes(srv *server.Server) []server.Route {
	a := &API{srv: srv, open: newOpenData(), answers: &answerCache{}}
	pub := func(method, pattern, summary string, h http.HandlerFunc) server.Route {
		return server.Route{Method: method, Pattern: pattern, Action: authz.Public, Auth: server.AuthNone, Summary: summary, Handler: h}
	}
	r := func(method, pattern string, action authz.Action, summary string, h http.HandlerFunc) server.Route {
		return server.Route{Method: method, Pattern: pattern, Action: action, Auth: server.AuthBearer, Summary: summary, Handler: h}
	}
	return []server.Route{
		pub("GET", "/healthz", "Health check", a.health),
		pub("GET", "/readyz", "Readiness: the database answers and no background job is failing or stuck", a.ready),
		pub("GET", "/api/openapi.json", "The OpenAPI 3.1 document", a.openAPI),
		pub("GET", "/api/v1/open/indicators", "Open data (when switched on): the indicator catalogue", a.openIndicators),
		pub("GET", "/api/v1/open/indicators/{id}/data", "Open data (when switched on): figures of the country, regions and wellbeing counties", a.openIndicatorData),
		r("GET", "/api/v1/me", authz.AccountRead, "The caller, with roles and active grants", a.me),
		r("POST", "/api/v1/clients", authz.ClientCreate, "Register a client", a.createClient),
		r("GET", "/api/v1/clients/{id}", authz.ClientRead, "Read a client", a.getClient),
		r("PATCH", "/api/v1/clients/{id}", authz.ClientUpdate, "Change a client's fields", a.patchClient),
		r("GET", "/api/v1/clients/{id}/history", authz.ClientRead, "Who changed which field of a client, and when", a.clientHistory),
		r("POST", "/api/v1/clients/search", authz.ClientSearch, "Search clients", a.searchClients),
		r("POST", "/api/v1/clients/lookup", authz.ClientLookup, "Main user: find the municipality's client by full identity code or UMA number (no case data)", a.lookupClient),
		r("POST", "/api/v1/clients/{id}/legal-hold", authz.ClientLegalHold, "Set a legal hold that stops retention from removing the client", a.setLegalHold),
		r("DELETE", "/api/v1/clients/{id}/legal-hold", authz.ClientLegalHold, "Clear a client's legal hold", a.clearLegalHold),
		r("GET", "/api/v1/retention", authz.RetentionRead, "KEHA-keskus: what a retention run would remove now, by class (dry run, counts only)", a.retentionDryRun),
		r("POST", "/api/v1/client-merges", authz.ClientMergeRequest, "Request merging two records of one person (main user), or merge them (KEHA-keskus admin)", a.requestMerge),
		r("GET", "/api/v1/client-merges", authz.ClientMergeRead, "Merges of the caller's municipality's records (KEHA-keskus admin: all), newest first", a.listMerges),
		r("GET", "/api/v1/client-merges/{id}", authz.ClientMergeRead, "One merge request and what became of it", a.getMerge),
		r("POST", "/api/v1/client-merges/{id}/approve", authz.ClientMergeDecide, "Approve a requested merge: the records are merged", a.approveMerge),
		r("POST", "/api/v1/client-merges/{id}/refuse", authz.ClientMergeDecide, "Refuse (or, by the requester, withdraw) a requested merge", a.refuseMerge),
		r("POST", "/api/v1/client-merges/{id}/undo", authz.ClientMergeUndo, "Undo a merge within 30 days: both records as they were", a.undoMerge),
		r("GET", "/api/v1/clients/{id}/subject-access-report", authz.ClientSubjectAccessReport, "Main user: everything stored about the person and who has processed it (GDPR art. 15)", a.subjectAccessReport),
		r("POST", "/api/v1/grants", authz.GrantCreate, "Grant access on behalf of a municipality", a.createGrant),
		r("DELETE", "/api/v1/grants/{id}", authz.GrantRevoke, "Revoke a grant", a.revokeGrant),
		r("PATCH", "/api/v1/grants/{id}", authz.GrantUpdate, "Change a grant's role, task or end date", a.updateGrant),
		r("POST", "/api/v1/accounts", authz.AccountCreate, "Create a staff account", a.createAccount),
		r("DELETE", "/api/v1/accounts/{id}", authz.AccountDisable, "Disable a staff account (sessions, tokens and grants end at once)", a.disableAccount),
		r("GET", "/api/v1/municipalities/{code}/accounts", authz.AccountList, "Staff accounts of a municipality and its wellbeing services county", a.listAccounts),
		r("GET", "/api/v1/municipalities/{code}/grants", authz.GrantList, "Access review: every grant of a municipality", a.grantReview),
		r("POST", "/api/v1/municipalities/{code}/grants/revoke-dormant", authz.GrantRevoke, "Revoke the grants of dormant accounts", a.revokeDormant),
		r("POST", "/api/v1/main-users", authz.MainUserAppoint, "Appoint a municipality's main user", a.appointMainUser),
		r("DELETE", "/api/v1/main-users/{id}", authz.MainUserRemove, "Remove a main user", a.removeMainUser),
		r("GET", "/api/v1/audit-events", authz.AuditRead, "Audit events", a.auditEvents),
		r("GET", "/api/v1/statistics/clients", authz.StatisticsRead, "Registered clients per group in the caller's area, small cells suppressed", a.clientStatistics),
		r("GET", "/api/v1/indicators", authz.IndicatorRead, "The indicator catalogue: definitions, units, breakdowns", a.listIndicators),
		r("GET", "/api/v1/indicators/{id}/data", authz.IndicatorRead, "An indicator's figures by area, period and breakdown, suppressed for the caller (JSON, CSV, XLSX or JSON-stat)", a.getIndicatorData),
		r("GET", "/api/v1/clients/{id}/accesses", authz.AuditRead, "Who has seen this client's data (JSON, or CSV with format=csv)", a.clientAccesses),
		r("GET", "/api/v1/anomalies", authz.AnomalyRead, "Anomalies found by log monitoring", a.listAnomalies),
		r("POST", "/api/v1/anomalies/{id}/review", authz.AnomalyReport, "Report an anomaly to its municipality, or dismiss it", a.reviewAnomaly),
		r("POST", "/api/v1/anomalies/{id}/finding", authz.AnomalyInvestigate, "Record the municipality's investigation finding", a.recordFinding),
		r("GET", "/api/v1/anomaly-response-times", authz.AnomalyRead, "How quickly each municipality investigated reported anomalies", a.responseTimes),
		r("POST", "/api/v1/clients/{id}/assessments", authz.AssessmentCreate, "Record a competence and integration service-needs assessment", a.createAssessment),
		r("GET", "/api/v1/clients/{id}/assessments/{assessment_id}", authz.AssessmentRead, "Read an assessment", a.getAssessment),
		r("POST", "/api/v1/clients/{id}/plans", authz.PlanCreate, "Record an integration plan", a.createPlan),
		r("GET", "/api/v1/clients/{id}/plans/{plan_id}", authz.PlanRead, "Read an integration plan with its reviews (printable)", a.getPlan),
		r("POST", "/api/v1/clients/{id}/plans/{plan_id}/reviews", authz.PlanReview, "Record a review of an integration plan", a.createPlanReview),
		r("POST", "/api/v1/clients/{id}/services", authz.ServiceCreate, "Record a service", a.createService),
		r("GET", "/api/v1/clients/{id}/services/{service_id}", authz.ServiceRead, "Read a service", a.getService),
		r("GET", "/api/v1/clients/{id}/timeline", authz.TimelineRead, "Everything recorded about a client's case, newest first", a.timeline),
		r("GET", "/api/v1/clients/{id}/jobseeker-history", authz.ClientRead, "A client's jobseeker status history", a.jobseekerHistory),
		r("POST", "/api/v1/clients/{id}/transfer", authz.ClientTransfer, "Transfer a client to another responsible municipality", a.transferClient),
		r("PATCH", "/api/v1/clients/{id}/assessments/{assessment_id}", authz.AssessmentUpdate, "Correct an assessment (a reason is required; earlier versions are kept)", a.correctAssessment),
		r("PATCH", "/api/v1/clients/{id}/plans/{plan_id}", authz.PlanUpdate, "Correct an integration plan (a reason is required; earlier versions are kept)", a.correctPlan),
		r("PATCH", "/api/v1/clients/{id}/plans/{plan_id}/reviews/{review_id}", authz.ReviewUpdate, "Correct a review of a plan (a reason is required; earlier versions are kept)", a.correctPlanReview),
		r("PATCH", "/api/v1/clients/{id}/services/{service_id}", authz.ServiceUpdate, "Correct a service or record its attendance, outcome and final test afterwards (a reason is required)", a.correctService),
		r("POST", "/api/v1/clients/{id}/close", authz.ClientClose, "Close a client relationship with a reason and a date", a.closeClient),
		r("POST", "/api/v1/clients/{id}/reopen", authz.ClientReopen, "Reopen a closed client relationship", a.reopenClient),
		r("GET", "/api/v1/clients/{id}/responsible-workers", authz.ResponsibleRead, "Main user: a client's responsible workers and the workers who may be assigned", a.responsibleWorkers),
		r("PUT", "/api/v1/clients/{id}/responsible-workers", authz.ResponsibleAssign, "Main user: set a client's responsible workers", a.assignResponsible),
		r("GET", "/api/v1/municipalities/{code}/clients-needing-responsible", authz.ResponsibleRead, "Main user: open clients without a responsible worker who has access, or transferred in", a.clientsNeedingResponsible),
		r("GET", "/api/v1/worklist", authz.WorklistRead, "Due and overdue statutory deadlines of a municipality's clients", a.worklist),
	}
}

func (a *API) health(w http.ResponseWriter, r *http.Request) {
	if err := a.srv.Store().Ping(r.Context()); err != nil {
		server.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	server.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (a *API) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDocument)
}

// readJSON reads the (size-limited) request body, which must not be empty.
func readJSON(r *http.Request) ([]byte, error) {
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil, model.Errorf(model.CodeBadRequest, "empty body")
	}
	return b, nil
}

// decode reads the body strictly into v.
func decode(r *http.Request, v any) error {
	b, err := readJSON(r)
	if err != nil {
		return err
	}
	return model.DecodeStrict(b, v)
}
