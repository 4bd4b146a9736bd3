package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/monitoring"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

func TestAnomalyDetectionReportingAndInvestigation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		ctx := context.Background()
		_, c := e.do("worker@hel.example", "POST", "/api/v1/clients", client("010190-999W"))
		id := c["id"].(string)
		// A viewer of Helsinki reads one client many times; an Espoo worker keeps trying Helsinki's client.
		for range 6 {
			e.do("viewer@hel.example", "GET", "/api/v1/clients/"+id, nil)
			e.do("worker@espoo.example", "GET", "/api/v1/clients/"+id, nil)
		}
		rules := monitoring.DefaultAnomalyRules
		rules.ManyReads = 5
		cursor, n, err := e.s.DetectAnomalies(ctx, rules, 0, 10000)
		if err != nil || n < 2 {
			t.Fatalf("detection: %d anomalies, %v", n, err)
		}
		// Idempotent: running again over the same events records nothing new.
		if _, again, err := e.s.DetectAnomalies(ctx, rules, 0, 10000); err != nil || again != 0 {
			t.Errorf("second run recorded %d (%v)", again, err)
		}
		if _, none, _ := e.s.DetectAnomalies(ctx, rules, cursor, 10000); none != 0 {
			t.Errorf("run after the cursor recorded %d", none)
		}
		// The municipality sees nothing before KEHA reports it.
		if _, got := e.do("main@hel.example", "GET", "/api/v1/anomalies", nil); len(got["items"].([]any)) != 0 {
			t.Errorf("main user sees unreported anomalies: %v", got)
		}
		st, got := e.do("monitor@keha.example", "GET", "/api/v1/anomalies", nil)
		if st != 200 {
			t.Fatalf("monitor list: %d", st)
		}
		rulesSeen := map[string]float64{}
		for _, it := range got["items"].([]any) {
			a := it.(map[string]any)
			rulesSeen[a["rule"].(string)] = a["id"].(float64)
			if len(a["evidence_event_ids"].([]any)) == 0 {
				t.Errorf("anomaly without evidence: %v", a)
			}
		}
		manyReads, ok := rulesSeen["many_reads"]
		if !ok || rulesSeen["repeated_denied"] == 0 {
			t.Fatalf("rules found: %v", rulesSeen)
		}
		aid := itoa(int64(manyReads))
		if st, _ := e.do("main@hel.example", "POST", "/api/v1/anomalies/"+aid+"/review", map[string]any{"report": true}); st != 403 {
			t.Errorf("main user reports: %d", st)
		}
		if st, got := e.do("monitor@keha.example", "POST", "/api/v1/anomalies/"+aid+"/review", map[string]any{"report": true, "note": "please check"}); st != 204 {
			t.Fatalf("report: %d %v", st, got)
		}
		_, got = e.do("main@hel.example", "GET", "/api/v1/anomalies", nil)
		if items := got["items"].([]any); len(items) != 1 || items[0].(map[string]any)["status"] != "reported" {
			t.Fatalf("main user worklist: %v", got)
		}
		if st, _ := e.do("worker@espoo.example", "POST", "/api/v1/anomalies/"+aid+"/finding", map[string]any{"finding": "misuse"}); st != 404 {
			t.Errorf("outsider records a finding: %d", st)
		}
		st, got = e.do("main@hel.example", "POST", "/api/v1/anomalies/"+aid+"/finding", map[string]any{"finding": "misuse", "note": "no work reason", "revoke_grants": true})
		if st != 200 || got["grants_revoked"].(float64) != 1 {
			t.Fatalf("finding: %d %v", st, got)
		}
		if st, _ := e.do("viewer@hel.example", "GET", "/api/v1/clients/"+id, nil); st != 404 {
			t.Errorf("misusing viewer still reads: %d", st)
		}
		_, rt := e.do("monitor@keha.example", "GET", "/api/v1/anomaly-response-times", nil)
		items := rt["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["municipality"] != "091" || items[0].(map[string]any)["open"].(float64) != 0 {
			t.Errorf("response times: %v", rt)
		}
		// Every step is audited.
		_, ev := e.do("monitor@keha.example", "GET", "/api/v1/audit-events?action=anomaly.investigate&outcome=allowed", nil)
		if len(ev["items"].([]any)) != 1 {
			t.Errorf("investigation not audited: %v", ev)
		}
		// Who has seen the client's data, as CSV.
		req := e.url + "/api/v1/clients/" + id + "/accesses?format=csv"
		body := e.raw(t, "main@hel.example", req)
		if !strings.HasPrefix(body, "\ufefftime,actor_email,actor_organisation,action,outcome\n") || !strings.Contains(body, "viewer@hel.example,municipality:091,client.read,allowed") {
			t.Errorf("accesses CSV:\n%s", body)
		}
		if st, _ := e.do("worker@hel.example", "GET", "/api/v1/clients/"+id+"/accesses", nil); st != 404 {
			t.Errorf("worker reads the access log: %d", st)
		}
	})
}
