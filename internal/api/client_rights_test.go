package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// TestMainUserLooksUpClientForDataRequest: a main user finds the own
// municipality's client by identity code or UMA number (no case data, no
// client of another municipality, audited), and produces the subject access
// report (CONTRACT.md § 3), which names organisations and no member of staff.
func TestMainUserLooksUpClientForDataRequest(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		w, m := "worker@hel.example", "main@hel.example"
		id := e.register(w, "091", "2026-03-01")
		_, c := e.do(w, "GET", "/api/v1/clients/"+id, nil)
		pic := c["personal_identity_code"].(string)
		for path, body := range map[string]map[string]any{
			"assessments": assessment("2026-10-01"), "plans": plan("2026-10-15", "2027-04-14"),
			"services": service("language_course", "2026-11-01"),
		} {
			if st, got := e.do(w, "POST", "/api/v1/clients/"+id+"/"+path, body); st != 201 {
				t.Fatalf("%s: %d %v", path, st, got)
			}
		}
		st, other := e.do("worker@espoo.example", "POST", "/api/v1/clients", with(client("<delete>"), "personal_identity_code", "<delete>",
			"uma_number", "1234-5678", "date_of_birth", "1991-02-03", "municipality", "049"))
		if st != 201 {
			t.Fatalf("Espoo's client: %d %v", st, other)
		}

		// The lookup: by identity code (any case), by UMA number; nothing of the case.
		st, got := e.do(m, "POST", "/api/v1/clients/lookup", map[string]any{"query": " " + strings.ToLower(pic) + " "})
		items, _ := got["items"].([]any)
		if st != 200 || len(items) != 1 {
			t.Fatalf("lookup by identity code: %d %v", st, got)
		}
		found := items[0].(map[string]any)
		if found["id"] != id || found["last_name"] != "Yusuf" || found["date_of_birth"] == nil {
			t.Errorf("lookup answer: %v", found)
		}
		for _, k := range []string{"personal_identity_code", "residence_basis", "right_to_work", "email", "phone", "jobseeker"} {
			if _, ok := found[k]; ok {
				t.Errorf("lookup shows %s", k)
			}
		}
		if st, got := e.do(m, "POST", "/api/v1/clients/lookup", map[string]any{"query": "1234-5678"}); st != 200 || len(got["items"].([]any)) != 0 {
			t.Errorf("another municipality's client by UMA number: %d %v", st, got)
		}
		if st, got := e.do(m, "POST", "/api/v1/clients/lookup", map[string]any{"query": "Yusuf, Amina"}); st != 422 || !contains(fieldCodes(got), "query:invalid_identity_code") {
			t.Errorf("a name: %d %v", st, got)
		}
		for _, who := range []string{w, "monitor@keha.example", "worker@espoo.example"} {
			if st, _ := e.do(who, "POST", "/api/v1/clients/lookup", map[string]any{"query": pic}); st != 403 {
				t.Errorf("%s looks up: %d", who, st)
			}
		}
		if st, _ := e.do(m, "GET", "/api/v1/clients/"+id, nil); st != 404 {
			t.Errorf("the main user reads the client itself: %d", st)
		}

		// The report.
		st, rep := e.do(m, "GET", "/api/v1/clients/"+id+"/subject-access-report", nil)
		if st != 200 {
			t.Fatalf("report: %d %v", st, rep)
		}
		if rc := rep["client"].(map[string]any); rc["personal_identity_code"] != pic || rc["id"] != id {
			t.Errorf("report's client: %v", rc)
		}
		var kinds []string
		for _, it := range rep["case_records"].([]any) {
			r := it.(map[string]any)
			kinds = append(kinds, r["kind"].(string))
			if r[r["kind"].(string)] == nil {
				t.Errorf("record without content: %v", r)
			}
		}
		if strings.Join(kinds, ",") != "assessment,plan,service" {
			t.Errorf("case records (by date): %v", kinds)
		}
		actions := map[string]bool{}
		for _, it := range rep["accesses"].([]any) {
			a := it.(map[string]any)
			if len(a) != 3 || a["time"] == nil {
				t.Errorf("access has other members than time, organisation and action: %v", a)
			}
			actions[a["organisation"].(string)+" "+a["action"].(string)] = true
		}
		for _, want := range []string{"municipality:091 client.create", "municipality:091 client.read", "municipality:091 assessment.create",
			"municipality:091 client.lookup"} {
			if !actions[want] {
				t.Errorf("accesses lack %q: %v", want, actions)
			}
		}
		raw, _ := json.Marshal(rep)
		for _, staff := range []string{"worker@hel.example", "main@hel.example", "Test Person"} {
			if strings.Contains(string(raw), staff) {
				t.Errorf("the report names a member of staff: %s", staff)
			}
		}
		for _, who := range []string{w, "viewer@hel.example", "monitor@keha.example", "worker@espoo.example"} {
			if st, _ := e.do(who, "GET", "/api/v1/clients/"+id+"/subject-access-report", nil); st != 404 {
				t.Errorf("%s produces the report: %d", who, st)
			}
		}
		if st, _ := e.do(m, "GET", "/api/v1/clients/"+other["id"].(string)+"/subject-access-report", nil); st != 404 {
			t.Errorf("report of another municipality's client: %d", st)
		}

		// Audited: the lookup and the report for this client; the attempt on
		// Espoo's client as a denied lookup naming it.
		st, ev := e.do(m, "GET", "/api/v1/audit-events?client_id="+id, nil)
		if st != 200 {
			t.Fatal(st)
		}
		seen := map[string]bool{}
		for _, it := range ev["items"].([]any) {
			a := it.(map[string]any)
			seen[a["action"].(string)+" "+a["outcome"].(string)] = true
		}
		if !seen["client.lookup allowed"] || !seen["client.subject_access_report allowed"] {
			t.Errorf("audit: %v", seen)
		}
		events, err := e.s.AuditEvents(context.Background(), store.OperatorActor(), store.AuditFilter{ClientID: other["id"].(string), Action: "client.lookup"})
		if err != nil || len(events) != 1 || events[0].Outcome != "denied" || events[0].ActorEmail != m {
			t.Errorf("the attempt on Espoo's client: %v %v", events, err)
		}
		if strings.Contains(e.logs.String(), pic) {
			t.Error("the identity code is in the log")
		}
	})
}

// TestLegalHoldAndRetentionDryRun: the responsible municipality's main user
// or KEHA-keskus' admin sets and clears a legal hold with a reason (shown in
// the subject access report); nobody else can; the dry run is KEHA's.
func TestLegalHoldAndRetentionDryRun(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		m, admin := "main@hel.example", "admin@keha.example"
		e.tokens[admin] = e.token(t, admin, "keha", "keha_admin")
		id := e.register("worker@hel.example", "091", "")
		hold := "/api/v1/clients/" + id + "/legal-hold"
		if st, got := e.do(m, "POST", hold, map[string]any{"reason": "  "}); st != 422 || !contains(fieldCodes(got), "reason:required") {
			t.Errorf("hold without a reason: %d %v", st, got)
		}
		for _, who := range []string{"worker@hel.example", "worker@espoo.example", "monitor@keha.example"} {
			if st, _ := e.do(who, "POST", hold, map[string]any{"reason": "r"}); st != 404 {
				t.Errorf("%s sets a hold: %d", who, st)
			}
		}
		st, got := e.do(m, "POST", hold, map[string]any{"reason": "Appeal pending at the administrative court"})
		if st != 200 || got["reason"] != "Appeal pending at the administrative court" || got["set_by_organisation"] != "municipality:091" {
			t.Fatalf("hold: %d %v", st, got)
		}
		_, rep := e.do(m, "GET", "/api/v1/clients/"+id+"/subject-access-report", nil)
		if h, _ := rep["legal_hold"].(map[string]any); h == nil || h["reason"] != got["reason"] {
			t.Errorf("report's legal hold: %v", rep["legal_hold"])
		}
		if st, _ := e.do(admin, "DELETE", hold, nil); st != 204 {
			t.Errorf("KEHA clears: %d", st)
		}
		if st, _ := e.do(admin, "DELETE", hold, nil); st != 404 {
			t.Errorf("clearing no hold: %d", st)
		}
		if st, got := e.do(admin, "GET", "/api/v1/retention", nil); st != 200 || got["clients"] != float64(0) || got["held"] != float64(0) {
			t.Errorf("dry run: %d %v", st, got)
		}
		if st, _ := e.do(m, "GET", "/api/v1/retention", nil); st != 403 {
			t.Errorf("main user's dry run: %d", st)
		}
	})
}

// TestUMAClientGetsIdentityCode: a client registered by UMA number later
// gets an identity code: a change with history; a code registered
// elsewhere is the usual duplicate answer naming the responsible
// municipality and nothing personal.
func TestUMAClientGetsIdentityCode(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		w := "worker@hel.example"
		st, c := e.do(w, "POST", "/api/v1/clients", with(client("<delete>"), "personal_identity_code", "<delete>",
			"uma_number", "UMA-77", "date_of_birth", "1990-01-01"))
		if st != 201 {
			t.Fatalf("register by UMA number: %d %v", st, c)
		}
		id := c["id"].(string)
		if st, got := e.do("worker@espoo.example", "POST", "/api/v1/clients", with(client("131052-308T"), "municipality", "049")); st != 201 {
			t.Fatalf("Espoo's client: %d %v", st, got)
		}
		st, got := e.do(w, "PATCH", "/api/v1/clients/"+id, map[string]any{"personal_identity_code": "131052-308T"})
		if st != 409 || got["code"] != "duplicate_client" || got["municipality"] != "049" || strings.Contains(fmt.Sprint(got), "308T") {
			t.Errorf("a code registered in Espoo: %d %v", st, got)
		}
		if st, got := e.do(w, "PATCH", "/api/v1/clients/"+id, map[string]any{"personal_identity_code": "010190-999W", "date_of_birth": "1990-01-01"}); st != 200 ||
			got["personal_identity_code"] != "010190-999W" || got["uma_number"] != "UMA-77" {
			t.Fatalf("adding the code: %d %v", st, got)
		}
		_, h := e.do(w, "GET", "/api/v1/clients/"+id+"/history", nil)
		found := false
		for _, it := range h["items"].([]any) {
			ch := it.(map[string]any)
			found = found || ch["field"] == "personal_identity_code" && ch["old_value"] == nil && ch["new_value"] == "010190-999W"
		}
		if !found {
			t.Errorf("history lacks the added code: %v", h)
		}
	})
}
