package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/casepolicy"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// versionsOf returns a record's earlier versions as the API shows them.
func versionsOf(t *testing.T, rec map[string]any) []map[string]any {
	t.Helper()
	var out []map[string]any
	vs, ok := rec["versions"].([]any)
	if !ok {
		t.Fatalf("no versions in %v", rec)
	}
	for _, v := range vs {
		out = append(out, v.(map[string]any))
	}
	return out
}

func changedFieldNames(v map[string]any) []string {
	var out []string
	for _, c := range v["changes"].([]any) {
		out = append(out, c.(map[string]any)["field"].(string))
	}
	return out
}

// TestCorrections: assessments, plans, reviews and services are corrected
// with a required reason (CONTRACT.md § 3); every earlier version is kept
// with who, when, why and what changed; the rules of a new record apply to
// what changes; a record can be marked entered in error; all audited.
func TestCorrections(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, clock := newCaseEnv(t, tg, casepolicy.Policy{})
		w, w2 := "worker@hel.example", "worker2@hel.example"
		id := e.register(w, "091", "2025-06-01")
		st, a := e.do(w, "POST", "/api/v1/clients/"+id+"/assessments", assessment("2026-10-01"))
		if st != 201 || a["version"] != float64(1) || len(versionsOf(t, a)) != 0 {
			t.Fatalf("assessment: %d %v", st, a)
		}
		apath := "/api/v1/clients/" + id + "/assessments/" + a["id"].(string)

		// The reason is required, and nothing changes without it.
		st, p := e.do(w, "PATCH", apath, map[string]any{"date": "2026-09-30"})
		if st != 422 || p["code"] != "validation_failed" || !contains(fieldCodes(p), "correction_reason:required") {
			t.Fatalf("without a reason: %d %v", st, p)
		}
		st, p = e.do(w, "PATCH", apath, map[string]any{"date": "2026-09-30", "correction_reason": "   "})
		if st != 422 || !contains(fieldCodes(p), "correction_reason:required") {
			t.Fatalf("blank reason: %d %v", st, p)
		}
		// The eligibility window applies to a corrected date.
		st, p = e.do(w, "PATCH", apath, map[string]any{"date": "2029-01-01", "correction_reason": "typo"})
		if st != 422 || !contains(fieldCodes(p), "date:outside_eligibility_period") {
			t.Fatalf("outside the window: %d %v", st, p)
		}
		// A viewer may not; another municipality's worker does not see it.
		if st, _ := e.do("viewer@hel.example", "PATCH", apath, map[string]any{"date": "2026-09-30", "correction_reason": "x"}); st != 403 {
			t.Fatalf("viewer: %d", st)
		}
		if st, _ := e.do("worker@espoo.example", "PATCH", apath, map[string]any{"date": "2026-09-30", "correction_reason": "x"}); st != 404 {
			t.Fatalf("other municipality: %d", st)
		}
		clock.tick()
		st, c := e.do(w2, "PATCH", apath, map[string]any{"date": "2026-09-30", "correction_reason": "Mistyped date: the meeting was on 30 September"})
		if st != 200 || c["date"] != "2026-09-30" || c["version"] != float64(2) || c["specifying_measures"] != a["specifying_measures"] {
			t.Fatalf("correction: %d %v", st, c)
		}
		st, got := e.do(w, "GET", apath, nil)
		vs := versionsOf(t, got)
		if st != 200 || got["date"] != "2026-09-30" || len(vs) != 1 {
			t.Fatalf("read back: %d %v", st, got)
		}
		v := vs[0]
		if v["version"] != float64(1) || v["corrected_by"] != w2 || !strings.Contains(v["reason"].(string), "Mistyped") ||
			strings.Join(changedFieldNames(v), ",") != "date" || v["record"].(map[string]any)["date"] != "2026-10-01" {
			t.Fatalf("version 1: %v", v)
		}
		ch := v["changes"].([]any)[0].(map[string]any)
		if ch["old"] != "2026-10-01" || ch["new"] != "2026-09-30" {
			t.Fatalf("change: %v", ch)
		}
		// A nested member: only it changes.
		st, c = e.do(w, "PATCH", apath, map[string]any{"content": with(a["content"].(map[string]any), "finnish_level", "B1"),
			"correction_reason": "Level from the test result"})
		if st != 200 || c["version"] != float64(3) || strings.Join(changedFieldNames(versionsOf(t, c)[0]), ",") != "content.finnish_level" {
			t.Fatalf("nested correction: %d %v", st, c)
		}

		// Plans: the plan rules apply to corrected dates.
		st, pl := e.do(w, "POST", "/api/v1/clients/"+id+"/plans", plan("2026-10-15", "2027-06-30"))
		if st != 201 {
			t.Fatalf("plan: %d %v", st, pl)
		}
		ppath := "/api/v1/clients/" + id + "/plans/" + pl["id"].(string)
		st, p = e.do(w, "PATCH", ppath, map[string]any{"end_date": "2027-12-31", "correction_reason": "longer"})
		if st != 422 || !contains(fieldCodes(p), "end_date:plan_too_long") {
			t.Fatalf("first plan over a year: %d %v", st, p)
		}
		st, c = e.do(w, "PATCH", ppath, map[string]any{"goals": "Finnish at B1; nursing studies", "correction_reason": "Goal agreed later"})
		if st != 200 || c["goals"] != "Finnish at B1; nursing studies" || c["version"] != float64(2) {
			t.Fatalf("plan correction: %d %v", st, c)
		}
		// Reviews.
		st, rv := e.do(w, "POST", ppath+"/reviews", map[string]any{"date": "2026-11-01", "changes": "More language hours"})
		if st != 201 {
			t.Fatalf("review: %d %v", st, rv)
		}
		rpath := ppath + "/reviews/" + rv["id"].(string)
		st, p = e.do(w, "PATCH", rpath, map[string]any{"date": "2026-10-01", "correction_reason": "x"})
		if st != 422 || !contains(fieldCodes(p), "date:date_order") {
			t.Fatalf("review before its plan: %d %v", st, p)
		}
		st, c = e.do(w, "PATCH", rpath, map[string]any{"changes": "More language hours, evening group", "correction_reason": "Completed"})
		if st != 200 || c["version"] != float64(2) {
			t.Fatalf("review correction: %d %v", st, c)
		}
		if st, _ := e.do(w, "PATCH", "/api/v1/clients/"+id+"/plans/"+a["id"].(string)+"/reviews/"+rv["id"].(string),
			map[string]any{"changes": "x", "correction_reason": "x"}); st != 404 {
			t.Fatalf("review under another plan id: %d", st)
		}
		st, got = e.do(w, "GET", ppath, nil)
		if st != 200 || len(versionsOf(t, got)) != 1 || len(versionsOf(t, got["reviews"].([]any)[0].(map[string]any))) != 1 {
			t.Fatalf("plan read back: %d %v", st, got)
		}

		// Services: attendance, outcome and the final test after the fact.
		st, sv := e.do(w, "POST", "/api/v1/clients/"+id+"/services", service("integration_training", "2026-10-20"))
		if st != 201 {
			t.Fatalf("service: %d %v", st, sv)
		}
		spath := "/api/v1/clients/" + id + "/services/" + sv["id"].(string)
		st, c = e.do(w, "PATCH", spath, map[string]any{"end_date": "2026-11-20", "attendance": "attended",
			"final_language_test": map[string]any{"level": "B1", "date": "2026-11-18"}, "correction_reason": "Training completed"})
		if st != 200 || c["attendance"] != "attended" || c["final_language_test"].(map[string]any)["level"] != "B1" || c["provider"] != sv["provider"] {
			t.Fatalf("service afterwards: %d %v", st, c)
		}
		if got := strings.Join(changedFieldNames(versionsOf(t, c)[0]), ","); got != "attendance,end_date,final_language_test" {
			t.Fatalf("service changes: %s", got)
		}
		st, p = e.do(w, "PATCH", spath, map[string]any{"final_language_test": map[string]any{"level": "B7"}, "correction_reason": "x"})
		if st != 422 || !contains(fieldCodes(p), "final_language_test.level:invalid_choice") {
			t.Fatalf("bad level: %d %v", st, p)
		}

		// Entered in error: kept, marked, and marked on the timeline.
		st, c = e.do(w, "PATCH", spath, map[string]any{"entered_in_error": true, "correction_reason": "Recorded for the wrong client"})
		if st != 200 || c["entered_in_error"] != true || c["version"] != float64(3) {
			t.Fatalf("entered in error: %d %v", st, c)
		}
		st, tl := e.do(w, "GET", "/api/v1/clients/"+id+"/timeline", nil)
		marked := 0
		for _, it := range tl["items"].([]any) {
			if m := it.(map[string]any); m["entered_in_error"] == true {
				marked++
				if m["id"] != sv["id"] {
					t.Errorf("marked: %v", m)
				}
			}
		}
		if st != 200 || marked != 1 {
			t.Fatalf("timeline: %d marked %d", st, marked)
		}
		// Unknown members are refused before anything changes.
		if st, _ := e.do(w, "PATCH", spath, map[string]any{"colour": "red", "correction_reason": "x"}); st != 422 {
			t.Fatalf("unknown member: %d", st)
		}

		got2 := e.auditActions(id)
		for _, want := range []string{"assessment.update/allowed", "assessment.update/denied", "plan.update/allowed", "plan.update/denied",
			"review.update/allowed", "service.update/allowed", "service.update/denied"} {
			if got2[want] == 0 {
				t.Errorf("audit: no %s in %v", want, got2)
			}
		}
		if got2["assessment.update/allowed"] != 2 || got2["service.update/allowed"] != 2 {
			t.Errorf("audit counts: %v", got2)
		}
	})
}

// TestCloseAndReopen: a client relationship is closed with a reason and a
// date, takes no new case records while closed (422 client_closed), leaves
// the worklist, and can be reopened; all audited and kept in the history.
func TestCloseAndReopen(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, _ := newCaseEnv(t, tg, casepolicy.Policy{})
		w := "worker@hel.example"
		id := e.register(w, "091", "2025-06-01")
		if st, a := e.do(w, "POST", "/api/v1/clients/"+id+"/assessments", assessment("2026-10-01")); st != 201 {
			t.Fatalf("assessment: %d %v", st, a)
		}
		if st, c := e.do(w, "GET", "/api/v1/clients/"+id, nil); st != 200 || c["closed"] != nil {
			t.Fatalf("open client: %d %v", st, c)
		} else if _, ok := c["closed"]; !ok {
			t.Fatal("closed is not in the client JSON")
		}
		cpath := "/api/v1/clients/" + id + "/close"
		for _, tc := range []struct {
			body map[string]any
			want string
		}{
			{map[string]any{"date": "2026-11-20"}, "reason:required"},
			{map[string]any{"reason": "bored", "date": "2026-11-20"}, "reason:invalid_choice"},
			{map[string]any{"reason": "moved_abroad"}, "date:required"},
			{map[string]any{"reason": "moved_abroad", "date": "2026-11-26"}, "date:date_in_future"},
			{map[string]any{"reason": "moved_abroad", "date": "2026-11-24"}, "date:before_registration"},
		} {
			st, p := e.do(w, "POST", cpath, tc.body)
			if st != 422 || !contains(fieldCodes(p), tc.want) {
				t.Errorf("%v: %d %v, want %s", tc.body, st, p, tc.want)
			}
		}
		if st, _ := e.do("viewer@hel.example", "POST", cpath, map[string]any{"reason": "moved_abroad", "date": "2026-11-25"}); st != 403 {
			t.Fatalf("viewer closes: %d", st)
		}
		st, c := e.do(w, "POST", cpath, map[string]any{"reason": "moved_abroad", "date": "2026-11-25"})
		closed, _ := c["closed"].(map[string]any)
		if st != 200 || closed["reason"] != "moved_abroad" || closed["date"] != "2026-11-25" {
			t.Fatalf("close: %d %v", st, c)
		}
		if _, c := e.do(w, "GET", "/api/v1/clients/"+id, nil); c["closed"] == nil {
			t.Fatalf("read after closing: %v", c)
		}
		if _, res := e.do(w, "POST", "/api/v1/clients/search", map[string]any{"query": "Yusuf"}); !strings.Contains(toJSON(res), `"moved_abroad"`) {
			t.Fatalf("search does not show closed: %v", res)
		}
		for path, body := range map[string]any{
			"/assessments": assessment("2026-11-01"), "/plans": plan("2026-11-01", "2027-05-01"),
			"/services": service("civic_orientation", "2026-11-01"), "/transfer": map[string]any{"municipality": "049", "reason": "moved"},
		} {
			st, p := e.do(w, "POST", "/api/v1/clients/"+id+path, body)
			if st != 422 || p["code"] != "client_closed" {
				t.Errorf("%s of a closed client: %d %v", path, st, p)
			}
		}
		if st, p := e.do(w, "POST", cpath, map[string]any{"reason": "deceased", "date": "2026-11-25"}); st != 409 {
			t.Fatalf("close twice: %d %v", st, p)
		}
		_, wl := e.do(w, "GET", "/api/v1/worklist?municipality=091", nil)
		if strings.Contains(toJSON(wl), id) {
			t.Fatalf("closed client on the worklist: %v", wl)
		}
		st, c = e.do(w, "POST", "/api/v1/clients/"+id+"/reopen", nil)
		if st != 200 || c["closed"] != nil {
			t.Fatalf("reopen: %d %v", st, c)
		}
		if st, p := e.do(w, "POST", "/api/v1/clients/"+id+"/reopen", nil); st != 409 {
			t.Fatalf("reopen an open client: %d %v", st, p)
		}
		if st, p := e.do(w, "POST", "/api/v1/clients/"+id+"/services", service("civic_orientation", "2026-11-01")); st != 201 {
			t.Fatalf("service after reopening: %d %v", st, p)
		}
		_, wl = e.do(w, "GET", "/api/v1/worklist?municipality=091", nil)
		if !strings.Contains(toJSON(wl), id) {
			t.Fatalf("reopened client not on the worklist: %v", wl)
		}
		_, h := e.do(w, "GET", "/api/v1/clients/"+id+"/history", nil)
		if n := strings.Count(toJSON(h), `"field":"closed"`); n != 2 {
			t.Fatalf("history of closing: %d in %v", n, h)
		}
		got := e.auditActions(id)
		if got["client.close/allowed"] != 1 || got["client.reopen/allowed"] != 1 || got["assessment.create/denied"] != 1 || got["client.close/denied"] < 5 {
			t.Fatalf("audit: %v", got)
		}
	})
}

// TestResponsibleWorkers: the registering worker is responsible; "my
// clients" on the worklist; the main user sees clients whose responsible
// worker lost access and clients transferred in (told in the UI count and
// by e-mail), and reassigns them.
func TestResponsibleWorkers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, _ := newCaseEnv(t, tg, casepolicy.Policy{})
		ctx := context.Background()
		w, w2, m := "worker@hel.example", "worker2@hel.example", "main@hel.example"
		id := e.register(w, "091", "2025-06-01")
		if st, a := e.do(w, "POST", "/api/v1/clients/"+id+"/assessments", assessment("2026-11-01")); st != 201 {
			t.Fatalf("assessment: %d %v", st, a)
		}
		st, v := e.do(m, "GET", "/api/v1/clients/"+id+"/responsible-workers", nil)
		if st != 200 || !strings.Contains(toJSON(v["responsible_workers"]), w) || len(v["candidates"].([]any)) != 2 {
			t.Fatalf("responsible: %d %v", st, v)
		}
		if st, _ := e.do(w, "GET", "/api/v1/clients/"+id+"/responsible-workers", nil); st != 403 {
			t.Fatalf("a worker reads the responsible page: %d", st)
		}
		if st, _ := e.do(m, "GET", "/api/v1/municipalities/049/clients-needing-responsible", nil); st != 403 {
			t.Fatalf("another municipality's list: %d", st)
		}
		need := func() string {
			t.Helper()
			st, l := e.do(m, "GET", "/api/v1/municipalities/091/clients-needing-responsible", nil)
			if st != 200 {
				t.Fatalf("list: %d %v", st, l)
			}
			return toJSON(l)
		}
		if strings.Contains(need(), id) {
			t.Fatal("a client with a responsible worker needs one")
		}
		mine := func(who string) bool {
			_, wl := e.do(who, "GET", "/api/v1/worklist?municipality=091&my_clients=true", nil)
			return strings.Contains(toJSON(wl), id)
		}
		if !mine(w) || mine(w2) {
			t.Fatal("my clients: the registering worker's only")
		}
		// The worker's grant is revoked: the client needs a responsible worker.
		for _, g := range e.principal(w).Grants {
			if err := e.s.RevokeGrant(ctx, store.OperatorActor(), g.ID); err != nil {
				t.Fatal(err)
			}
		}
		if !strings.Contains(need(), id) {
			t.Fatal("client of a worker without access not listed")
		}
		if st, p := e.do(m, "PUT", "/api/v1/clients/"+id+"/responsible-workers", map[string]any{"account_ids": []int64{e.principal("worker@espoo.example").AccountID}}); st != 422 ||
			!contains(fieldCodes(p), "account_ids:no_worker_access") {
			t.Fatalf("assign a worker of another municipality: %d %v", st, p)
		}
		st, v = e.do(m, "PUT", "/api/v1/clients/"+id+"/responsible-workers", map[string]any{"account_ids": []int64{e.principal(w2).AccountID}})
		if st != 200 || !strings.Contains(toJSON(v["responsible_workers"]), w2) || strings.Contains(toJSON(v["responsible_workers"]), `"`+w+`"`) {
			t.Fatalf("assign: %d %v", st, v)
		}
		if strings.Contains(need(), id) || !mine(w2) {
			t.Fatal("after reassigning")
		}

		// Transferred in from Espoo: the main users are told.
		esp := e.register("worker@espoo.example", "049", "2025-06-01")
		if st, p := e.do("worker@espoo.example", "POST", "/api/v1/clients/"+esp+"/transfer", map[string]any{"municipality": "091", "reason": "moved"}); st != 201 {
			t.Fatalf("transfer: %d %v", st, p)
		}
		mainActor := store.Actor{Principal: e.principal(m)}
		if n, err := e.s.OpenTransferNotices(ctx, mainActor, "091"); err != nil || n != 1 {
			t.Fatalf("notices: %d %v", n, err)
		}
		if l := need(); !strings.Contains(l, esp) || !strings.Contains(l, `"from_municipality":"049"`) {
			t.Fatalf("transferred in: %s", l)
		}
		mails, err := e.s.PendingNotifications(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		told := 0
		for _, n := range mails {
			if n.To == m && strings.Contains(n.Body, "/admin/responsible") && !strings.Contains(n.Body, "Yusuf") {
				told++
			}
		}
		if told != 1 {
			t.Fatalf("e-mail to the main user: %d of %+v", told, mails)
		}
		if st, _ := e.do(m, "PUT", "/api/v1/clients/"+esp+"/responsible-workers", map[string]any{"account_ids": []int64{e.principal(w2).AccountID}}); st != 200 {
			t.Fatalf("assign transferred: %d", st)
		}
		if n, _ := e.s.OpenTransferNotices(ctx, mainActor, "091"); n != 0 || strings.Contains(need(), esp) {
			t.Fatalf("notice not dealt with: %d", n)
		}
		got := e.auditActions(id)
		if got["responsible.assign/allowed"] != 1 || got["responsible.assign/denied"] != 1 || got["responsible.read/allowed"] == 0 {
			t.Fatalf("audit: %v", got)
		}
	})
}

// TestIndicatorsLeaveOutErrorsAndCountClosures: the indicator refresh leaves
// out records entered in error, and counts closed clients by reason.
func TestIndicatorsLeaveOutErrorsAndCountClosures(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, clock := newCaseEnv(t, tg, casepolicy.Policy{})
		ctx := context.Background()
		open, err := store.Open(ctx, tg.URL, store.Options{Clock: clock.Now, Indicators: store.IndicatorOptions{Threshold: 1}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { open.Close() })
		kmStatistician(t, e, "stats@tem.example", "tem")
		w := "worker@hel.example"
		clock.set("2026-10-05")
		var ids, assessments []string
		for range 3 {
			id := e.register(w, "091", "2025-06-01")
			st, a := e.do(w, "POST", "/api/v1/clients/"+id+"/assessments", assessment("2026-10-05"))
			if st != 201 {
				t.Fatalf("assessment: %d %v", st, a)
			}
			ids, assessments = append(ids, id), append(assessments, a["id"].(string))
		}
		st, sv := e.do(w, "POST", "/api/v1/clients/"+ids[0]+"/services", service("integration_training", "2026-10-05",
			"final_language_test", map[string]any{"level": "A2", "date": "2026-10-20"}))
		if st != 201 {
			t.Fatalf("service: %d %v", st, sv)
		}
		clock.set("2026-11-10")
		for i, reason := range []string{"moved_abroad", "moved_abroad", "deceased"} {
			if st, c := e.do(w, "POST", "/api/v1/clients/"+ids[i]+"/close", map[string]any{"reason": reason, "date": "2026-11-0" + string(rune('3'+i))}); st != 200 {
				t.Fatalf("close: %d %v", st, c)
			}
		}
		refresh := func() {
			t.Helper()
			if _, err := open.RefreshIndicators(ctx, store.OperatorActor()); err != nil {
				t.Fatal(err)
			}
		}
		const months = "area=municipality&period=month&from=2026-10-01&to=2026-11-30"
		refresh()
		tem := "stats@tem.example"
		expect(t, "before", e.figures(tem, "assessments_completed", months), "091 2026-10=3")
		expect(t, "before", e.figures(tem, "language_test_levels", months+"&by=cefr_level"), "091 2026-10 A2=1")
		expect(t, "closures", e.figures(tem, "clients_closed", months+"&by=closure_reason"),
			"091 2026-11 moved_abroad=2", "091 2026-11 deceased=1", "091 2026-11 other=0", "091 2026-10 moved_abroad=0")
		expect(t, "closures", e.figures(tem, "clients_closed", months), "091 2026-11=3")

		// Marked as entered in error: left out of the statistics.
		if st, p := e.do(w, "PATCH", "/api/v1/clients/"+ids[1]+"/assessments/"+assessments[1], map[string]any{"entered_in_error": true,
			"correction_reason": "Recorded twice"}); st != 200 {
			t.Fatalf("mark: %d %v", st, p)
		}
		if st, p := e.do(w, "PATCH", "/api/v1/clients/"+ids[0]+"/services/"+sv["id"].(string), map[string]any{"entered_in_error": true,
			"correction_reason": "Wrong client"}); st != 200 {
			t.Fatalf("mark: %d %v", st, p)
		}
		// A reopened client's closing no longer counts.
		if st, p := e.do(w, "POST", "/api/v1/clients/"+ids[2]+"/reopen", nil); st != 200 {
			t.Fatalf("reopen: %d %v", st, p)
		}
		refresh()
		expect(t, "after", e.figures(tem, "assessments_completed", months), "091 2026-10=2")
		expect(t, "after", e.figures(tem, "language_test_levels", months+"&by=cefr_level"), "091 2026-10 A2=0")
		expect(t, "after", e.figures(tem, "clients_closed", months+"&by=closure_reason"), "091 2026-11 moved_abroad=2", "091 2026-11 deceased=0")
	})
}
