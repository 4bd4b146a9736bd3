package api_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/api"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/monitoring"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// call is one request of the audit completeness test and the audit events
// ("action/outcome", sorted) it must write, no more and no fewer.
type call struct {
	route  string // "METHOD PATTERN" as in the route table
	as     string
	path   string
	body   any
	status int
	events []string
}

// TestAuditCompleteness calls every API endpoint (the list must cover the
// route table) and checks, by the request id, exactly which audit events each
// call wrote, for allowed and denied calls alike. The web pages that show a
// client read it in one store call with one event (the client page: one
// client.read, Store.ClientView; a plan, assessment or service page: one
// plan.read, assessment.read or service.read): internal/web's
// TestEachClientPageIsOneAuditedRead.
func TestAuditCompleteness(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		ctx := context.Background()
		w, m, mon := "worker@hel.example", "main@hel.example", "monitor@keha.example"
		e.tokens["admin@keha.example"] = e.token(t, "admin@keha.example", "keha", "keha_admin")
		if _, err := e.s.CreateAccount(ctx, store.OperatorActor(), store.NewAccount{Email: "new@hel.example", Name: "N", OrganisationID: "municipality:091"}); err != nil {
			t.Fatal(err)
		}
		_, c := e.do(w, "POST", "/api/v1/clients", client("010190-999W"))
		cid := c["id"].(string)
		for range 6 {
			e.do("worker@espoo.example", "GET", "/api/v1/clients/"+cid, nil)
		}
		if _, _, err := e.s.DetectAnomalies(ctx, monitoring.DefaultAnomalyRules, 0, 10000); err != nil {
			t.Fatal(err)
		}
		anomalies, err := e.s.Anomalies(ctx, store.OperatorActor(), "new")
		if err != nil || len(anomalies) == 0 {
			t.Fatalf("no anomaly to work with: %v", err)
		}
		aid := itoa(anomalies[0].ID)
		newID, _ := e.s.AccountIDByEmail(ctx, "new@hel.example")
		goneID, err := e.s.CreateAccount(ctx, store.OperatorActor(), store.NewAccount{Email: "gone@hel.example", Name: "G", OrganisationID: "municipality:091"})
		if err != nil {
			t.Fatal(err)
		}

		// Case records: a plan to read and review, and a second client who is a
		// registered jobseeker (R6) and is transferred at the end.
		// (viewer@hel.example loses its grant below, so a second viewer reads.)
		v, espoo := "caseviewer@hel.example", "worker@espoo.example"
		e.tokens[v] = e.token(t, v, "municipality:091", "")
		if _, err := e.s.CreateGrant(ctx, store.OperatorActor(), store.NewGrant{Email: v, Municipality: "091", Role: "viewer", Task: "§ 80(2) task"}); err != nil {
			t.Fatal(err)
		}
		base := "/api/v1/clients/" + cid
		_, pl := e.do(w, "POST", base+"/plans", plan("2026-01-01", "2026-12-31"))
		planPath := base + "/plans/" + pl["id"].(string)
		_, as := e.do(w, "POST", base+"/assessments", assessment("2026-11-19"))
		assessmentPath := base + "/assessments/" + as["id"].(string)
		_, sv := e.do(w, "POST", base+"/services", service("civic_orientation", "2026-11-19"))
		servicePath := base + "/services/" + sv["id"].(string)
		_, jc := e.do(w, "POST", "/api/v1/clients", with(client(syntheticPIC(500)), "jobseeker", true))
		jbase := "/api/v1/clients/" + jc["id"].(string)
		review := map[string]any{"date": "2026-06-30", "changes": "Training moved to autumn"}
		transfer := map[string]any{"municipality": "092", "reason": "The client moved to Vantaa"}
		_, rv := e.do(w, "POST", planPath+"/reviews", review)
		reviewPath := planPath + "/reviews/" + rv["id"].(string)
		fix := func(kv ...any) map[string]any { return with(map[string]any{"correction_reason": "Mistyped"}, kv...) }
		wid, _ := e.s.AccountIDByEmail(ctx, w)

		// Merging: Espoo's record by UMA number and Helsinki's by identity code.
		em := "main@espoo.example"
		e.tokens[em] = e.token(t, em, "municipality:049", "main_user")
		_, mc := e.do(w, "POST", "/api/v1/clients", client(syntheticPIC(501)))
		_, ec := e.do(espoo, "POST", "/api/v1/clients", with(client("<delete>"), "personal_identity_code", "<delete>", "uma_number", "5555-0001",
			"date_of_birth", "1990-05-05", "municipality", "049"))
		mreq, err := e.s.RequestClientMerge(ctx, store.Actor{Principal: e.principal(em)}, store.MergeInput{ClientID: ec["id"].(string),
			OtherIdentifier: syntheticPIC(501), Keep: "other"})
		if err != nil || mc["id"] == nil {
			t.Fatal(err)
		}
		mpath := "/api/v1/client-merges/" + mreq.ID
		mbody := map[string]any{"client_id": ec["id"], "other_identifier": syntheticPIC(501), "keep": "this"}

		calls := []call{
			{"GET /healthz", "", "/healthz", nil, 200, nil},
			{"GET /readyz", "", "/readyz", nil, 200, nil},
			{"GET /api/openapi.json", "", "/api/openapi.json", nil, 200, nil},
			{"GET /api/v1/me", w, "/api/v1/me", nil, 200, nil},
			{"POST /api/v1/clients", w, "/api/v1/clients", client("131052-308T"), 201, []string{"client.create/allowed"}},
			{"POST /api/v1/clients", w, "/api/v1/clients", client("010190-999W"), 409, []string{"client.create/denied"}},
			{"POST /api/v1/clients", "worker@espoo.example", "/api/v1/clients", client("020295-998L"), 403, []string{"client.create/denied"}},
			{"POST /api/v1/clients", w, "/api/v1/clients", with(client("020295-998L"), "service_language", "en"), 422, nil},
			{"GET /api/v1/clients/{id}", w, "/api/v1/clients/" + cid, nil, 200, []string{"client.read/allowed"}},
			{"GET /api/v1/clients/{id}", "worker@espoo.example", "/api/v1/clients/" + cid, nil, 404, []string{"client.read/denied"}},
			{"PATCH /api/v1/clients/{id}", w, "/api/v1/clients/" + cid, map[string]any{"phone": "+358401234567"}, 200, []string{"client.update/allowed"}},
			{"PATCH /api/v1/clients/{id}", "viewer@hel.example", "/api/v1/clients/" + cid, map[string]any{"phone": "+358401234567"}, 403, []string{"client.update/denied"}},
			{"GET /api/v1/clients/{id}/history", w, "/api/v1/clients/" + cid + "/history", nil, 200, []string{"client.read/allowed"}},
			{"POST /api/v1/clients/search", w, "/api/v1/clients/search", map[string]any{"query": "yusuf"}, 200, []string{"client.search/allowed"}},
			{"POST /api/v1/clients/search", "stats@tem.example", "/api/v1/clients/search", map[string]any{"query": "yusuf"}, 403, []string{"client.search/denied"}},
			{"POST /api/v1/clients/lookup", m, "/api/v1/clients/lookup", map[string]any{"query": "010190-999W"}, 200, []string{"client.lookup/allowed"}},
			{"POST /api/v1/clients/lookup", w, "/api/v1/clients/lookup", map[string]any{"query": "010190-999W"}, 403, []string{"client.lookup/denied"}},
			{"POST /api/v1/clients/lookup", m, "/api/v1/clients/lookup", map[string]any{"query": "not a code!"}, 422, nil},
			{"GET /api/v1/clients/{id}/subject-access-report", m, base + "/subject-access-report", nil, 200, []string{"client.subject_access_report/allowed"}},
			{"GET /api/v1/clients/{id}/subject-access-report", w, base + "/subject-access-report", nil, 404, []string{"client.subject_access_report/denied"}},
			{"POST /api/v1/clients/{id}/legal-hold", m, base + "/legal-hold", map[string]any{"reason": "Appeal pending"}, 200, []string{"client.legal_hold/allowed"}},
			{"POST /api/v1/clients/{id}/legal-hold", w, base + "/legal-hold", map[string]any{"reason": "Appeal pending"}, 404, []string{"client.legal_hold/denied"}},
			{"DELETE /api/v1/clients/{id}/legal-hold", m, base + "/legal-hold", nil, 204, []string{"client.legal_hold/allowed"}},
			{"DELETE /api/v1/clients/{id}/legal-hold", m, base + "/legal-hold", nil, 404, []string{"client.legal_hold/denied"}},
			{"GET /api/v1/retention", "admin@keha.example", "/api/v1/retention", nil, 200, []string{"retention.read/allowed"}},
			{"POST /api/v1/client-merges", em, "/api/v1/client-merges", mbody, 201, []string{"client.merge_request/allowed"}},
			{"POST /api/v1/client-merges", w, "/api/v1/client-merges", mbody, 403, []string{"client.merge_request/denied"}},
			{"POST /api/v1/client-merges", em, "/api/v1/client-merges", with(mbody, "keep", "both"), 422, nil},
			{"GET /api/v1/client-merges", m, "/api/v1/client-merges", nil, 200, []string{"client.merge_read/allowed"}},
			{"GET /api/v1/client-merges/{id}", m, mpath, nil, 200, []string{"client.merge_read/allowed"}},
			{"GET /api/v1/client-merges/{id}", espoo, mpath, nil, 404, []string{"client.merge_read/denied"}},
			{"POST /api/v1/client-merges/{id}/approve", em, mpath + "/approve", nil, 403, []string{"client.merge_decide/denied"}},
			{"POST /api/v1/client-merges/{id}/approve", m, mpath + "/approve", nil, 200, []string{"client.merge_decide/allowed"}},
			{"POST /api/v1/client-merges/{id}/refuse", m, mpath + "/refuse", nil, 409, nil},
			{"POST /api/v1/client-merges/{id}/undo", espoo, mpath + "/undo", nil, 404, []string{"client.merge_undo/denied"}},
			{"POST /api/v1/client-merges/{id}/undo", em, mpath + "/undo", nil, 200, []string{"client.merge_undo/allowed"}},
			{"GET /api/v1/retention", m, "/api/v1/retention", nil, 403, nil},
			{"POST /api/v1/grants", m, "/api/v1/grants", map[string]any{"email": "new@hel.example", "municipality": "091", "role": "viewer", "task": "t"}, 201, []string{"grant.create/allowed"}},
			{"POST /api/v1/grants", m, "/api/v1/grants", map[string]any{"email": "staff@provider.example", "municipality": "091", "role": "viewer", "task": "t"}, 422, []string{"grant.create/denied"}},
			{"PATCH /api/v1/grants/{id}", m, "/api/v1/grants/1", map[string]any{"task": "§ 14 and § 16"}, 200, []string{"grant.update/allowed"}},
			{"DELETE /api/v1/grants/{id}", m, "/api/v1/grants/2", nil, 204, []string{"grant.revoke/allowed"}},
			{"POST /api/v1/accounts", m, "/api/v1/accounts", map[string]any{"email": "x@hel.example", "name": "X", "organisation": "municipality:091"}, 201, []string{"account.create/allowed"}},
			{"DELETE /api/v1/accounts/{id}", m, "/api/v1/accounts/" + itoa(goneID), nil, 204, []string{"account.disable/allowed"}},
			{"GET /api/v1/municipalities/{code}/accounts", m, "/api/v1/municipalities/091/accounts", nil, 200, []string{"account.list/allowed"}},
			{"GET /api/v1/municipalities/{code}/grants", m, "/api/v1/municipalities/091/grants", nil, 200, []string{"grant.list/allowed"}},
			{"POST /api/v1/municipalities/{code}/grants/revoke-dormant", m, "/api/v1/municipalities/091/grants/revoke-dormant", nil, 200, []string{"grant.list/allowed"}},
			{"POST /api/v1/main-users", "admin@keha.example", "/api/v1/main-users", map[string]any{"email": "new@hel.example"}, 204, []string{"main_user.appoint/allowed"}},
			{"DELETE /api/v1/main-users/{id}", "admin@keha.example", "/api/v1/main-users/" + itoa(newID), nil, 204, []string{"main_user.remove/allowed"}},
			{"GET /api/v1/statistics/clients", "stats@tem.example", "/api/v1/statistics/clients?group_by=region", nil, 200, nil},
			{"GET /api/v1/indicators", "stats@tem.example", "/api/v1/indicators", nil, 200, nil},
			{"GET /api/v1/open/indicators", "", "/api/v1/open/indicators", nil, 404, nil}, // open data is off
			{"GET /api/v1/open/indicators/{id}/data", "", "/api/v1/open/indicators/clients_registered/data?area=region&period=year&from=2026-01-01&to=2026-12-31", nil, 404, nil},
			{"GET /api/v1/indicators", w, "/api/v1/indicators", nil, 403, nil},
			{"GET /api/v1/indicators/{id}/data", "stats@tem.example", "/api/v1/indicators/clients_registered/data?area=region&period=year&from=2026-01-01&to=2026-12-31", nil, 200, []string{"indicator.read/allowed"}},
			{"GET /api/v1/indicators/{id}/data", m, "/api/v1/indicators/plans_started/data?area=municipality&period=month&from=2026-01-01&to=2026-12-31&by=sex", nil, 200, []string{"indicator.read/allowed"}},
			{"GET /api/v1/indicators/{id}/data", "stats@tem.example", "/api/v1/indicators/clients_registered/data?area=street&period=year&from=2026-01-01&to=2026-12-31", nil, 400, nil},
			{"GET /api/v1/indicators/{id}/data", w, "/api/v1/indicators/clients_registered/data?area=region&period=year&from=2026-01-01&to=2026-12-31", nil, 403, nil},
			{"GET /api/v1/audit-events", mon, "/api/v1/audit-events?limit=5", nil, 200, []string{"audit.read/allowed"}},
			{"GET /api/v1/clients/{id}/accesses", m, "/api/v1/clients/" + cid + "/accesses", nil, 200, []string{"audit.read/allowed"}},
			{"GET /api/v1/anomalies", mon, "/api/v1/anomalies", nil, 200, []string{"anomaly.read/allowed"}},
			{"POST /api/v1/anomalies/{id}/review", mon, "/api/v1/anomalies/" + aid + "/review", map[string]any{"report": true}, 204, []string{"anomaly.report/allowed"}},
			{"POST /api/v1/anomalies/{id}/finding", m, "/api/v1/anomalies/" + aid + "/finding", map[string]any{"finding": "unclear"}, 200, []string{"anomaly.investigate/allowed"}},
			{"GET /api/v1/anomaly-response-times", mon, "/api/v1/anomaly-response-times", nil, 200, []string{"anomaly.read/allowed"}},

			{"POST /api/v1/clients/{id}/assessments", w, base + "/assessments", assessment("2026-11-20"), 201, []string{"assessment.create/allowed"}},
			{"POST /api/v1/clients/{id}/assessments", v, base + "/assessments", assessment("2026-11-20"), 403, []string{"assessment.create/denied"}},
			{"POST /api/v1/clients/{id}/assessments", espoo, base + "/assessments", assessment("2026-11-20"), 404, []string{"assessment.create/denied"}},
			{"POST /api/v1/clients/{id}/plans", w, base + "/plans", plan("2027-01-01", "2027-06-30"), 201, []string{"plan.create/allowed"}},
			// Refused by rules that read the client's stored plans: audited as denied.
			{"POST /api/v1/clients/{id}/plans", w, base + "/plans", plan("2027-03-01", "2027-05-31"), 422, []string{"plan.create/denied"}},
			{"POST /api/v1/clients/{id}/plans", v, base + "/plans", plan("2027-07-01", "2027-08-31"), 403, []string{"plan.create/denied"}},
			{"POST /api/v1/clients/{id}/plans", espoo, base + "/plans", plan("2027-07-01", "2027-08-31"), 404, []string{"plan.create/denied"}},
			{"POST /api/v1/clients/{id}/plans/{plan_id}/reviews", w, planPath + "/reviews", review, 201, []string{"plan.review/allowed"}},
			{"POST /api/v1/clients/{id}/plans/{plan_id}/reviews", v, planPath + "/reviews", review, 403, []string{"plan.review/denied"}},
			{"POST /api/v1/clients/{id}/plans/{plan_id}/reviews", espoo, planPath + "/reviews", review, 404, []string{"plan.review/denied"}},
			{"POST /api/v1/clients/{id}/plans/{plan_id}/reviews", w, jbase + "/plans/" + pl["id"].(string) + "/reviews", review, 404, []string{"plan.review/denied"}},
			{"GET /api/v1/clients/{id}/plans/{plan_id}", v, planPath, nil, 200, []string{"plan.read/allowed"}},
			{"GET /api/v1/clients/{id}/plans/{plan_id}", espoo, planPath, nil, 404, []string{"plan.read/denied"}},
			{"GET /api/v1/clients/{id}/plans/{plan_id}", w, jbase + "/plans/" + pl["id"].(string), nil, 404, []string{"plan.read/denied"}},
			{"GET /api/v1/clients/{id}/plans/{plan_id}", w, base + "/plans/42", nil, 404, []string{"plan.read/denied"}},
			{"GET /api/v1/clients/{id}/assessments/{assessment_id}", v, assessmentPath, nil, 200, []string{"assessment.read/allowed"}},
			{"GET /api/v1/clients/{id}/assessments/{assessment_id}", espoo, assessmentPath, nil, 404, []string{"assessment.read/denied"}},
			{"GET /api/v1/clients/{id}/assessments/{assessment_id}", w, jbase + "/assessments/" + as["id"].(string), nil, 404, []string{"assessment.read/denied"}},
			{"GET /api/v1/clients/{id}/assessments/{assessment_id}", w, base + "/assessments/42", nil, 404, []string{"assessment.read/denied"}},
			{"GET /api/v1/clients/{id}/services/{service_id}", v, servicePath, nil, 200, []string{"service.read/allowed"}},
			{"GET /api/v1/clients/{id}/services/{service_id}", espoo, servicePath, nil, 404, []string{"service.read/denied"}},
			{"GET /api/v1/clients/{id}/services/{service_id}", w, jbase + "/services/" + sv["id"].(string), nil, 404, []string{"service.read/denied"}},
			{"POST /api/v1/clients/{id}/services", w, base + "/services", service("civic_orientation", "2026-11-20"), 201, []string{"service.create/allowed"}},
			{"POST /api/v1/clients/{id}/services", w, jbase + "/services", service("guidance_and_counselling", "2026-11-20"), 201, []string{"service.create/allowed"}},
			{"POST /api/v1/clients/{id}/services", w, jbase + "/services", service("language_course", "2026-11-20"), 422, []string{"service.create/denied"}},
			{"POST /api/v1/clients/{id}/services", v, base + "/services", service("civic_orientation", "2026-11-20"), 403, []string{"service.create/denied"}},
			{"POST /api/v1/clients/{id}/services", espoo, base + "/services", service("civic_orientation", "2026-11-20"), 404, []string{"service.create/denied"}},
			{"GET /api/v1/clients/{id}/timeline", v, base + "/timeline", nil, 200, []string{"timeline.read/allowed"}},
			{"GET /api/v1/clients/{id}/timeline", espoo, base + "/timeline", nil, 404, []string{"timeline.read/denied"}},
			{"GET /api/v1/clients/{id}/jobseeker-history", v, jbase + "/jobseeker-history", nil, 200, []string{"client.read/allowed"}},
			{"GET /api/v1/clients/{id}/jobseeker-history", espoo, jbase + "/jobseeker-history", nil, 404, []string{"client.read/denied"}},
			{"GET /api/v1/worklist", w, "/api/v1/worklist?municipality=091", nil, 200, []string{"worklist.read/allowed"}},
			{"GET /api/v1/worklist", v, "/api/v1/worklist?municipality=091&mine=true", nil, 200, []string{"worklist.read/allowed"}},
			{"GET /api/v1/worklist", espoo, "/api/v1/worklist?municipality=091", nil, 403, []string{"worklist.read/denied"}},
			{"GET /api/v1/worklist", w, "/api/v1/worklist", nil, 404, []string{"worklist.read/denied"}},
			{"PATCH /api/v1/clients/{id}/assessments/{assessment_id}", w, assessmentPath, fix("date", "2026-11-18"), 200, []string{"assessment.update/allowed"}},
			{"PATCH /api/v1/clients/{id}/assessments/{assessment_id}", w, assessmentPath, map[string]any{"date": "2026-11-18"}, 422, []string{"assessment.update/denied"}},
			{"PATCH /api/v1/clients/{id}/assessments/{assessment_id}", v, assessmentPath, fix(), 403, []string{"assessment.update/denied"}},
			{"PATCH /api/v1/clients/{id}/assessments/{assessment_id}", espoo, assessmentPath, fix(), 404, []string{"assessment.update/denied"}},
			{"PATCH /api/v1/clients/{id}/plans/{plan_id}", w, planPath, fix("goals", "B1"), 200, []string{"plan.update/allowed"}},
			{"PATCH /api/v1/clients/{id}/plans/{plan_id}", espoo, planPath, fix("goals", "B1"), 404, []string{"plan.update/denied"}},
			{"PATCH /api/v1/clients/{id}/plans/{plan_id}/reviews/{review_id}", w, reviewPath, fix("changes", "More"), 200, []string{"review.update/allowed"}},
			{"PATCH /api/v1/clients/{id}/plans/{plan_id}/reviews/{review_id}", w, base + "/plans/42/reviews/" + rv["id"].(string), fix(), 404, []string{"review.update/denied"}},
			{"PATCH /api/v1/clients/{id}/services/{service_id}", w, servicePath, fix("attendance", "attended"), 200, []string{"service.update/allowed"}},
			{"PATCH /api/v1/clients/{id}/services/{service_id}", w, jbase + "/services/" + sv["id"].(string), fix(), 404, []string{"service.update/denied"}},
			{"GET /api/v1/clients/{id}/responsible-workers", m, base + "/responsible-workers", nil, 200, []string{"responsible.read/allowed"}},
			{"GET /api/v1/clients/{id}/responsible-workers", w, base + "/responsible-workers", nil, 403, []string{"responsible.read/denied"}},
			{"GET /api/v1/clients/{id}/responsible-workers", espoo, base + "/responsible-workers", nil, 404, []string{"responsible.read/denied"}},
			{"PUT /api/v1/clients/{id}/responsible-workers", m, base + "/responsible-workers", map[string]any{"account_ids": []int64{wid}}, 200, []string{"responsible.assign/allowed"}},
			{"PUT /api/v1/clients/{id}/responsible-workers", m, base + "/responsible-workers", map[string]any{"account_ids": []int64{}}, 422, []string{"responsible.assign/denied"}},
			{"GET /api/v1/municipalities/{code}/clients-needing-responsible", m, "/api/v1/municipalities/091/clients-needing-responsible", nil, 200, []string{"responsible.read/allowed"}},
			{"GET /api/v1/municipalities/{code}/clients-needing-responsible", w, "/api/v1/municipalities/091/clients-needing-responsible", nil, 403, []string{"responsible.read/denied"}},
			{"POST /api/v1/clients/{id}/close", w, base + "/close", map[string]any{"reason": "moved_abroad", "date": "2026-11-25"}, 200, []string{"client.close/allowed"}},
			{"POST /api/v1/clients/{id}/assessments", w, base + "/assessments", assessment("2026-11-20"), 422, []string{"assessment.create/denied"}},
			{"POST /api/v1/clients/{id}/close", w, base + "/close", map[string]any{"reason": "moved_abroad", "date": "2026-11-25"}, 409, []string{"client.close/denied"}},
			{"POST /api/v1/clients/{id}/close", espoo, base + "/close", map[string]any{"reason": "moved_abroad", "date": "2026-11-25"}, 404, []string{"client.close/denied"}},
			{"POST /api/v1/clients/{id}/reopen", v, base + "/reopen", nil, 403, []string{"client.reopen/denied"}},
			{"POST /api/v1/clients/{id}/reopen", w, base + "/reopen", nil, 200, []string{"client.reopen/allowed"}},
			{"POST /api/v1/clients/{id}/transfer", v, jbase + "/transfer", transfer, 403, []string{"client.transfer/denied"}},
			{"POST /api/v1/clients/{id}/transfer", espoo, jbase + "/transfer", transfer, 404, []string{"client.transfer/denied"}},
			{"POST /api/v1/clients/{id}/transfer", w, jbase + "/transfer", transfer, 201, []string{"client.transfer/allowed"}},
			// After the transfer Helsinki may still read the client, never change it.
			{"POST /api/v1/clients/{id}/transfer", w, jbase + "/transfer", map[string]any{"municipality": "091", "reason": "Back"}, 403, []string{"client.transfer/denied"}},
			{"GET /api/v1/clients/{id}/timeline", v, jbase + "/timeline", nil, 200, []string{"timeline.read/allowed"}},
		}
		covered := map[string]bool{}
		for _, c := range calls {
			covered[c.route] = true
			st, body := e.do(c.as, strings.Fields(c.route)[0], c.path, c.body)
			if st != c.status {
				t.Errorf("%s as %s: status %d, want %d: %v", c.route, c.as, st, c.status, body)
				continue
			}
			items, err := e.s.AuditEvents(ctx, store.OperatorActor(), store.AuditFilter{RequestID: e.lastRequestID})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range items {
				got = append(got, it.Action+"/"+it.Outcome)
			}
			slices.Sort(got)
			want := slices.Clone(c.events)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s as %s (%d): audit events %v, want %v", c.route, c.as, st, got, want)
			}
		}
		srv := server.New(server.Config{}, e.s, locale.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)))
		for _, r := range api.Routes(srv) {
			if !covered[r.Method+" "+r.Pattern] {
				t.Errorf("route %s %s is not covered by the audit completeness test", r.Method, r.Pattern)
			}
		}
	})
}
