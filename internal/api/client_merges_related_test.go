package api_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/kotodigi/kotodigi/internal/casepolicy"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// rowsOf reads the rows of a query as strings (the test looks at what a
// merge moved; the API shows these tables only in part).
func (e *env) rowsOf(q string, args ...any) []string {
	e.t.Helper()
	var out []string
	err := e.s.DB().InScope(context.Background(), db.AllMunicipalities, func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					vals[i] = string(b)
				}
			}
			out = append(out, fmt.Sprint(vals...))
		}
		return rows.Err()
	})
	if err != nil {
		e.t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestClientMergeMovesCorrectionsWorkersNotices: both records have a
// corrected assessment and responsible workers, and the removed one a
// transfer-in notice. The merge moves the versions and the notice to the
// survivor, which gets the union of the responsible workers (one both had
// kept once); the undo gives each record back its own. A merge of a closed
// and an open record is refused, when asked and when approved.
func TestClientMergeMovesCorrectionsWorkersNotices(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, _ := newCaseEnv(t, tg, casepolicy.Policy{})
		e.mergeAccounts()
		hw, hw2, ew, hm, em := "worker@hel.example", "worker2@hel.example", "worker@espoo.example", "main@hel.example", "main@espoo.example"
		// Helsinki's record (identity code): responsible hw and hw2, a corrected assessment.
		h := e.register(hw, "091", "2026-03-01")
		_, hc := e.do(hw, "GET", "/api/v1/clients/"+h, nil)
		pic := hc["personal_identity_code"].(string)
		if st, got := e.do(hm, "PUT", "/api/v1/clients/"+h+"/responsible-workers", map[string]any{"account_ids": []int64{
			e.principal(hw).AccountID, e.principal(hw2).AccountID}}); st != 200 {
			t.Fatalf("assign: %d %v", st, got)
		}
		correct := func(who, client string) {
			t.Helper()
			st, a := e.do(who, "POST", "/api/v1/clients/"+client+"/assessments", assessment("2026-10-01"))
			if st != 201 {
				t.Fatalf("assessment: %d %v", st, a)
			}
			if st, got := e.do(who, "PATCH", "/api/v1/clients/"+client+"/assessments/"+a["id"].(string),
				map[string]any{"date": "2026-10-02", "correction_reason": "typo"}); st != 200 {
				t.Fatalf("correction: %d %v", st, got)
			}
		}
		correct(hw, h)
		// The other record (UMA number), registered in Helsinki by hw (responsible) and transferred to Espoo: a notice.
		st, xc := e.do(hw, "POST", "/api/v1/clients", with(client("<delete>"), "personal_identity_code", "<delete>",
			"uma_number", "1234-5678", "date_of_birth", "1991-02-03", "municipality", "091"))
		if st != 201 {
			t.Fatalf("the other record: %d %v", st, xc)
		}
		x := xc["id"].(string)
		if st, got := e.do(hw, "POST", "/api/v1/clients/"+x+"/transfer", map[string]any{"municipality": "049", "reason": "Moved to Espoo"}); st != 201 {
			t.Fatalf("transfer: %d %v", st, got)
		}
		correct(ew, x)

		const versions = `SELECT client_id, record_kind, record_id, version FROM case_record_versions WHERE client_id IN ($1, $2)`
		const notices = `SELECT id, client_id, municipality_code FROM municipality_notices WHERE client_id IN ($1, $2)`
		workers := func(c string) []string {
			return e.rowsOf(`SELECT account_id, assigned_at, assigned_by FROM client_responsible_workers WHERE client_id = $1`, c)
		}
		accounts := func(c string) []string {
			return e.rowsOf(`SELECT account_id FROM client_responsible_workers WHERE client_id = $1`, c)
		}
		vBefore, nBefore := e.rowsOf(versions, h, x), e.rowsOf(notices, h, x)
		hWorkers, xWorkers, hAccounts := workers(h), workers(x), accounts(h)
		if len(vBefore) != 2 || len(nBefore) != 1 || len(hWorkers) != 2 || !reflect.DeepEqual(accounts(x), e.rowsOf(`SELECT id FROM accounts WHERE email = $1`, hw)) {
			t.Fatalf("before: versions %v notices %v workers %v %v", vBefore, nBefore, hWorkers, xWorkers)
		}

		// Espoo asks to keep its record; Helsinki approves.
		st, m := e.do(em, "POST", "/api/v1/client-merges", map[string]any{"client_id": x, "other_identifier": pic, "keep": "this"})
		if st != 201 {
			t.Fatalf("request: %d %v", st, m)
		}
		id := m["id"].(string)
		if st, m = e.do(hm, "POST", "/api/v1/client-merges/"+id+"/approve", nil); st != 200 || m["state"] != "merged" {
			t.Fatalf("approve: %d %v", st, m)
		}
		if got := e.rowsOf(`SELECT client_id FROM case_record_versions WHERE client_id IN ($1, $2)`, h, x); !reflect.DeepEqual(got, []string{x, x}) {
			t.Errorf("versions after the merge: %v", got)
		}
		if got := e.rowsOf(`SELECT client_id FROM municipality_notices WHERE client_id IN ($1, $2)`, h, x); !reflect.DeepEqual(got, []string{x}) {
			t.Errorf("notice after the merge: %v", got)
		}
		if got := accounts(x); !reflect.DeepEqual(got, hAccounts) || len(workers(h)) != 0 {
			t.Errorf("responsible workers after the merge: %v, want %v", got, hAccounts)
		}

		// While the merge stands, the survivor's report and "who has seen"
		// include what was recorded under the removed record's id.
		if st, rep := e.do(em, "GET", "/api/v1/clients/"+x+"/subject-access-report", nil); st != 200 ||
			!hasAccess(rep, "municipality:091", "assessment.update") {
			t.Errorf("the survivor's report lacks the removed record's accesses: %d %v", st, rep["accesses"])
		}
		if st, ev := e.do(em, "GET", "/api/v1/audit-events?client_id="+x, nil); st != 200 || !namesClient(ev, h) {
			t.Errorf("who has seen the survivor lacks the removed record's events: %d %v", st, ev)
		}

		// The undo gives each record back its own.
		if st, m = e.do(hm, "POST", "/api/v1/client-merges/"+id+"/undo", nil); st != 200 {
			t.Fatalf("undo: %d %v", st, m)
		}
		if got := e.rowsOf(versions, h, x); !reflect.DeepEqual(got, vBefore) {
			t.Errorf("versions after the undo: %v, want %v", got, vBefore)
		}
		if got := e.rowsOf(notices, h, x); !reflect.DeepEqual(got, nBefore) {
			t.Errorf("notices after the undo: %v, want %v", got, nBefore)
		}
		if got := workers(x); !reflect.DeepEqual(got, xWorkers) {
			t.Errorf("the survivor's workers after the undo: %v, want %v", got, xWorkers)
		}
		if got := accounts(h); !reflect.DeepEqual(got, hAccounts) {
			t.Errorf("the restored record's workers: %v, want %v", got, hAccounts)
		}
		hw2Row := e.rowsOf(`SELECT account_id, assigned_at, assigned_by FROM client_responsible_workers WHERE client_id = $1 AND account_id = $2`,
			h, e.principal(hw2).AccountID)
		if len(hw2Row) != 1 || !slices.Contains(hWorkers, hw2Row[0]) {
			t.Errorf("the worker only the restored record had: %v, want one of %v", hw2Row, hWorkers)
		}

		// A closed record and an open one are not merged.
		if st, got := e.do(ew, "POST", "/api/v1/clients/"+x+"/close", map[string]any{"reason": "moved_abroad", "date": "2026-11-25"}); st != 200 {
			t.Fatalf("close: %d %v", st, got)
		}
		st, p := e.do(em, "POST", "/api/v1/client-merges", map[string]any{"client_id": x, "other_identifier": pic, "keep": "this"})
		if st != 422 || !contains(fieldCodes(p), "other_identifier:one_record_closed") {
			t.Errorf("merge with a closed record: %d %v", st, p)
		}
		if st, got := e.do(ew, "POST", "/api/v1/clients/"+x+"/reopen", nil); st != 200 {
			t.Fatalf("reopen: %d %v", st, got)
		}
		if st, m = e.do(em, "POST", "/api/v1/client-merges", map[string]any{"client_id": x, "other_identifier": pic, "keep": "this"}); st != 201 {
			t.Fatalf("request again: %d %v", st, m)
		}
		if st, got := e.do(hw, "POST", "/api/v1/clients/"+h+"/close", map[string]any{"reason": "moved_abroad", "date": "2026-11-25"}); st != 200 {
			t.Fatalf("close Helsinki's: %d %v", st, got)
		}
		if st, p = e.do(hm, "POST", "/api/v1/client-merges/"+m["id"].(string)+"/approve", nil); st != 422 || p["code"] != "client_closed" {
			t.Errorf("approve with one record closed: %d %v", st, p)
		}
		if got := e.rowsOf(`SELECT id FROM clients WHERE id IN ($1, $2)`, h, x); len(got) != 2 {
			t.Errorf("a refused approval changed the records: %v", got)
		}
	})
}

// hasAccess: the subject access report lists a processing by org of action.
func hasAccess(rep map[string]any, org, action string) bool {
	items, _ := rep["accesses"].([]any)
	for _, it := range items {
		if a := it.(map[string]any); a["organisation"] == org && a["action"] == action {
			return true
		}
	}
	return false
}

// namesClient: an audit event list has an event recorded under client id.
func namesClient(events map[string]any, id string) bool {
	items, _ := events["items"].([]any)
	for _, it := range items {
		if it.(map[string]any)["client_id"] == id {
			return true
		}
	}
	return false
}
