package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// mergeAccounts adds the main users of Espoo (049) and Vantaa (092) and a
// KEHA-keskus admin to e.
func (e *env) mergeAccounts() {
	e.t.Helper()
	ctx, op := context.Background(), store.OperatorActor()
	for _, a := range []struct {
		email, org string
		role       authz.Role
	}{
		{"main@espoo.example", "municipality:049", authz.MainUser},
		{"main@vantaa.example", "municipality:092", authz.MainUser},
		{"admin@keha.example", "keha", authz.KehaAdmin},
	} {
		if _, err := e.s.CreateAccount(ctx, op, store.NewAccount{Email: a.email, Name: "Test Person", OrganisationID: a.org, Roles: []authz.Role{a.role}}); err != nil {
			e.t.Fatal(err)
		}
		tok, err := e.s.CreateToken(ctx, op, a.email, time.Hour)
		if err != nil {
			e.t.Fatal(err)
		}
		e.tokens[a.email] = tok
	}
}

// noRedirect sends a GET as email without following redirects.
func (e *env) noRedirect(email, path string) (*http.Response, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens[email])
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp, out
}

// TestClientMergeJourney: Espoo's record of a person (by UMA number) and
// Helsinki's (by identity code) are merged when both main users agree; the
// case records move, the old id and the UMA number find the survivor, and
// an undo restores both records exactly. A refusal, a third municipality,
// KEHA-keskus' decision and an undo after 30 days are covered too.
func TestClientMergeJourney(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		e.mergeAccounts()
		hw, ew, hm, em, vm, keha := "worker@hel.example", "worker@espoo.example", "main@hel.example", "main@espoo.example", "main@vantaa.example", "admin@keha.example"
		h := e.register(hw, "091", "2026-03-01")
		_, hc := e.do(hw, "GET", "/api/v1/clients/"+h, nil)
		pic := hc["personal_identity_code"].(string)
		if st, got := e.do(hw, "POST", "/api/v1/clients/"+h+"/assessments", assessment("2026-10-01")); st != 201 {
			t.Fatalf("assessment: %d %v", st, got)
		}
		st, ec := e.do(ew, "POST", "/api/v1/clients", with(client("<delete>"), "personal_identity_code", "<delete>",
			"uma_number", "1234-5678", "date_of_birth", "1991-02-03", "municipality", "049", "first_names", "Amina M."))
		if st != 201 {
			t.Fatalf("Espoo's record: %d %v", st, ec)
		}
		es := ec["id"].(string)
		st, eAssessment := e.do(ew, "POST", "/api/v1/clients/"+es+"/assessments", assessment("2026-09-01"))
		if st != 201 {
			t.Fatalf("Espoo's assessment: %d %v", st, eAssessment)
		}
		if st, got := e.do(ew, "PATCH", "/api/v1/clients/"+es, map[string]any{"phone": "040 1234567"}); st != 200 {
			t.Fatalf("Espoo's change: %d %v", st, got)
		}
		_, hBefore := e.do(hw, "GET", "/api/v1/clients/"+h, nil)
		_, eBefore := e.do(ew, "GET", "/api/v1/clients/"+es, nil)
		_, eTimeline := e.do(ew, "GET", "/api/v1/clients/"+es+"/timeline", nil)
		_, eHistory := e.do(ew, "GET", "/api/v1/clients/"+es+"/history", nil)
		_, hTimeline := e.do(hw, "GET", "/api/v1/clients/"+h+"/timeline", nil)

		// Espoo's main user asks, keeping Helsinki's record.
		st, m := e.do(em, "POST", "/api/v1/client-merges", map[string]any{"client_id": es, "other_identifier": pic, "keep": "other"})
		if st != 201 || m["state"] != "requested" || m["survivor_client_id"] != h || m["merged_client_id"] != es {
			t.Fatalf("request: %d %v", st, m)
		}
		id := m["id"].(string)
		recs := m["records"].([]any)
		if recs[0].(map[string]any)["person"] == nil || recs[1].(map[string]any)["person"] != nil {
			t.Errorf("the requester sees who Helsinki's record is: %v", recs)
		}
		if acts := m["allowed_actions"].([]any); len(acts) != 1 || acts[0] != "refuse" {
			t.Errorf("the requester may: %v", acts)
		}
		for _, bad := range []map[string]any{
			{"client_id": es, "other_identifier": "1234-5678", "keep": "other"},
			{"client_id": es, "other_identifier": pic, "keep": "both"},
			{"identifier": pic, "other_identifier": "1234-5678", "keep": "this"},
		} {
			if st, got := e.do(em, "POST", "/api/v1/client-merges", bad); st != 422 {
				t.Errorf("bad request %v: %d %v", bad, st, got)
			}
		}
		if st, got := e.do(em, "POST", "/api/v1/client-merges", map[string]any{"client_id": h, "other_identifier": "1234-5678", "keep": "this"}); st != 404 {
			t.Errorf("Espoo names Helsinki's record by id: %d %v", st, got)
		}

		// Nobody else sees or acts on it.
		if st, got := e.do(vm, "GET", "/api/v1/client-merges/"+id, nil); st != 404 {
			t.Errorf("Vantaa reads: %d %v", st, got)
		}
		if st, got := e.do(vm, "GET", "/api/v1/client-merges", nil); st != 200 || len(got["items"].([]any)) != 0 {
			t.Errorf("Vantaa lists: %d %v", st, got)
		}
		for _, who := range []string{vm, "monitor@keha.example"} {
			if st, _ := e.do(who, "POST", "/api/v1/client-merges/"+id+"/approve", nil); st != 404 && st != 403 {
				t.Errorf("%s approves: %d", who, st)
			}
		}
		if st, _ := e.do(hw, "POST", "/api/v1/client-merges/"+id+"/approve", nil); st != 404 {
			t.Errorf("a worker approves: %d", st)
		}
		if st, _ := e.do(em, "POST", "/api/v1/client-merges/"+id+"/approve", nil); st != 403 {
			t.Errorf("the requester approves: %d", st)
		}

		// Helsinki's main user approves.
		st, got := e.do(hm, "GET", "/api/v1/client-merges", nil)
		if items := got["items"].([]any); st != 200 || len(items) != 1 || !reflect.DeepEqual(items[0].(map[string]any)["allowed_actions"], []any{"approve", "refuse"}) {
			t.Fatalf("Helsinki's list: %d %v", st, got)
		}
		st, m = e.do(hm, "POST", "/api/v1/client-merges/"+id+"/approve", nil)
		if st != 200 || m["state"] != "merged" || m["undo_until"] == nil {
			t.Fatalf("approve: %d %v", st, m)
		}

		// The records moved; the old id and the UMA number find the survivor.
		_, tl := e.do(hw, "GET", "/api/v1/clients/"+h+"/timeline", nil)
		if !hasItem(tl, eAssessment["id"].(string)) {
			t.Errorf("Espoo's assessment is not on the survivor's timeline: %v", tl)
		}
		resp, p := e.noRedirect(hw, "/api/v1/clients/"+es+"/timeline")
		if resp.StatusCode != 308 || resp.Header.Get("Location") != "/api/v1/clients/"+h+"/timeline" || p["merged_into"] != h || p["code"] != "client_merged" {
			t.Errorf("the old id: %d %q %v", resp.StatusCode, resp.Header.Get("Location"), p)
		}
		if st, got := e.do(hw, "GET", "/api/v1/clients/"+es, nil); st != 200 || got["id"] != h || got["uma_number"] != "1234-5678" {
			t.Errorf("the old id followed: %d %v", st, got)
		}
		if st, got := e.do(hw, "PATCH", "/api/v1/clients/"+es, map[string]any{"phone": nil}); st != 409 || got["merged_into"] != h {
			t.Errorf("a change through the old id: %d %v", st, got)
		}
		if st, _ := e.do(ew, "GET", "/api/v1/clients/"+es, nil); st != 404 {
			t.Errorf("Espoo's worker reads the old id (the survivor is Helsinki's): %d", st)
		}
		if st, got := e.do(hw, "POST", "/api/v1/clients/search", map[string]any{"query": "1234-5678"}); st != 200 || len(got["items"].([]any)) != 1 ||
			got["items"].([]any)[0].(map[string]any)["id"] != h {
			t.Errorf("the UMA number: %d %v", st, got)
		}
		if st, got := e.do(ew, "POST", "/api/v1/clients", with(client("<delete>"), "personal_identity_code", "<delete>",
			"uma_number", "1234-5678", "date_of_birth", "1991-02-03", "municipality", "049")); st != 409 || got["municipality"] != "091" {
			t.Errorf("registering the UMA number again: %d %v", st, got)
		}

		// Undo by Espoo: both records exactly as they were.
		if st, m = e.do(vm, "POST", "/api/v1/client-merges/"+id+"/undo", nil); st != 404 {
			t.Errorf("Vantaa undoes: %d", st)
		}
		st, m = e.do(em, "POST", "/api/v1/client-merges/"+id+"/undo", nil)
		if st != 200 || m["state"] != "undone" {
			t.Fatalf("undo: %d %v", st, m)
		}
		for _, c := range []struct {
			who, path string
			want      map[string]any
		}{
			{hw, "/api/v1/clients/" + h, hBefore}, {ew, "/api/v1/clients/" + es, eBefore},
			{ew, "/api/v1/clients/" + es + "/timeline", eTimeline}, {ew, "/api/v1/clients/" + es + "/history", eHistory},
			{hw, "/api/v1/clients/" + h + "/timeline", hTimeline},
		} {
			if st, got := e.do(c.who, "GET", c.path, nil); st != 200 || !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s after the undo:\n got %v\nwant %v", c.path, got, c.want)
			}
		}
		if st, _ := e.do(em, "POST", "/api/v1/client-merges/"+id+"/undo", nil); st != 409 {
			t.Errorf("undo twice: %d", st)
		}

		// A refusal.
		_, m = e.do(em, "POST", "/api/v1/client-merges", map[string]any{"client_id": es, "other_identifier": pic, "keep": "this"})
		if st, got := e.do(hm, "POST", "/api/v1/client-merges/"+m["id"].(string)+"/refuse", nil); st != 200 || got["state"] != "refused" {
			t.Errorf("refuse: %d %v", st, got)
		}
		if st, _ := e.do(hm, "POST", "/api/v1/client-merges/"+m["id"].(string)+"/approve", nil); st != 409 {
			t.Errorf("approve after the refusal: %d", st)
		}
		if st, got := e.do(ew, "GET", "/api/v1/clients/"+es, nil); st != 200 || got["id"] != es {
			t.Errorf("Espoo's record after the refusal: %d %v", st, got)
		}

		// KEHA-keskus decides alone, keeping Espoo's record; no undo after 30 days.
		st, m = e.do(keha, "POST", "/api/v1/client-merges", map[string]any{"identifier": "1234-5678", "other_identifier": pic, "keep": "this"})
		if st != 201 || m["state"] != "merged" || m["survivor_client_id"] != es {
			t.Fatalf("KEHA's decision: %d %v", st, m)
		}
		for _, r := range m["records"].([]any) {
			if r.(map[string]any)["person"] == nil {
				t.Errorf("KEHA does not see who a record is: %v", r)
			}
		}
		if st, got := e.do(ew, "GET", "/api/v1/clients/"+es, nil); st != 200 || got["personal_identity_code"] != pic {
			t.Errorf("Espoo's record took the identity code: %d %v", st, got)
		}
		raw := tg.Raw(t)
		q := `UPDATE client_merges SET undo_until = $1 WHERE id = $2`
		if tg.Name == "sqlite" {
			q = `UPDATE client_merges SET undo_until = ?1 WHERE id = ?2`
		}
		if _, err := raw.Exec(q, time.Now().Add(-time.Minute), m["id"]); err != nil {
			t.Fatal(err)
		}
		if st, got := e.do(keha, "POST", "/api/v1/client-merges/"+m["id"].(string)+"/undo", nil); st != 422 || got["code"] != "undo_period_over" {
			t.Errorf("undo after 30 days: %d %v", st, got)
		}
		// Once the undo period is over, retention forgets the removed record's copy.
		countSnapshots := func() (n int) {
			q := `SELECT COUNT(*) FROM client_merge_snapshots WHERE merge_id = $1`
			if tg.Name == "sqlite" {
				q = `SELECT COUNT(*) FROM client_merge_snapshots WHERE merge_id = ?1`
			}
			if err := raw.QueryRow(q, m["id"]).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if countSnapshots() != 1 {
			t.Fatal("no copy of the removed record was kept for the undo")
		}
		if _, err := e.s.ApplyRetention(context.Background(), store.OperatorActor(), e.s.RetentionPolicy()); err != nil {
			t.Fatal(err)
		}
		if n := countSnapshots(); n != 0 {
			t.Errorf("the removed record's copy outlived the undo period: %d", n)
		}

		// Audited.
		events, err := e.s.AuditEvents(context.Background(), store.OperatorActor(), store.AuditFilter{ClientID: es, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, ev := range events {
			seen[ev.Action+" "+ev.Outcome] = true
		}
		for _, want := range []string{"client.merge_request allowed", "client.merge_decide allowed"} {
			if !seen[want] {
				t.Errorf("audit lacks %s: %v", want, seen)
			}
		}
		if events, err := e.s.AuditEvents(context.Background(), store.OperatorActor(), store.AuditFilter{Action: "client.merge_undo", Limit: 100}); err != nil || len(events) != 3 {
			t.Errorf("undo events: %v %v", events, err)
		}
	})
}

func hasItem(timeline map[string]any, id string) bool {
	items, _ := timeline["items"].([]any)
	for _, it := range items {
		if it.(map[string]any)["id"] == id {
			return true
		}
	}
	return false
}
